import { type TowerWeights, type TwoTowerShape } from "./two-tower";
import { type SparseFeatures } from "./text-features";

/**
 * The two-tower forward pass on plain Float32Arrays — the same math as `towerGraph`, without
 * tensor allocation or backend dispatch. For one short text per call this is several times faster
 * than TensorFlow.js on the wasm or cpu backends (see scripts/bench-embed.ts).
 */
export class FastTower {
  private readonly bag: Float32Array;
  private readonly hidden: Float32Array;

  constructor(
    private readonly table: Float32Array,
    private readonly weights: TowerWeights,
    private readonly shape: TwoTowerShape,
  ) {
    this.bag = new Float32Array(shape.bagDimension);
    this.hidden = new Float32Array(shape.hiddenUnits);
  }

  /** Writes the L2-normalized embedding of `features` into a new array. */
  embed(features: SparseFeatures): Float32Array {
    const { bagDimension: b, hiddenUnits: h, dimension: d } = this.shape;
    const { table, bag, hidden } = this;
    const { projection, hidden: w1, hiddenBias, output } = this.weights;
    bag.fill(0);
    const { ids, weights } = features;
    for (let k = 0; k < ids.length; k++) {
      const w = weights[k] as number;
      const base = (ids[k] as number) * b;
      for (let j = 0; j < b; j++) bag[j] = (bag[j] as number) + w * (table[base + j] as number);
    }
    const out = new Float32Array(d);
    for (let i = 0; i < b; i++) {
      const x = bag[i] as number;
      if (x === 0) continue;
      const row = i * d;
      for (let j = 0; j < d; j++) out[j] = (out[j] as number) + x * (projection[row + j] as number);
    }
    if (h > 0) {
      hidden.set(hiddenBias);
      for (let i = 0; i < b; i++) {
        const x = bag[i] as number;
        const row = i * h;
        for (let j = 0; j < h; j++) hidden[j] = (hidden[j] as number) + x * (w1[row + j] as number);
      }
      for (let i = 0; i < h; i++) {
        const x = Math.tanh(hidden[i] as number);
        const row = i * d;
        for (let j = 0; j < d; j++) out[j] = (out[j] as number) + x * (output[row + j] as number);
      }
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += (out[j] as number) * (out[j] as number);
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = 0; j < d; j++) out[j] = (out[j] as number) * scale;
    return out;
  }
}
