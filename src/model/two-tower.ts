import * as tf from "@tensorflow/tfjs";
import { Rng } from "./rng";
import { type SparseFeatures } from "./text-features";

/**
 * The two-tower embedding model. Both towers read a hashed embedding bag (a weighted mean of rows of
 * one shared table), then map it to the output space with a linear path plus a small tanh path:
 *
 *   bag = Σ wᵢ · table[idᵢ]            (weights sum to 1)
 *   out = normalize(bag·P + tanh(bag·W₁ + b₁)·W₂)
 *
 * Sharing the table keeps query and product words in one space; separate P/W per tower lets the
 * model learn that short queries and long titles say the same thing differently.
 */
export interface TwoTowerShape {
  /** Rows of the shared embedding table (= feature hash buckets). */
  buckets: number;
  /** Width of the table rows. */
  bagDimension: number;
  /** Width of the tanh path; 0 disables it (linear towers). */
  hiddenUnits: number;
  /** Output vector dimension. */
  dimension: number;
}

export type TowerName = "query" | "item";

/** One tower's dense weights, row-major: projection [bag, dim], hidden [bag, hidden], hiddenBias [hidden], output [hidden, dim]. */
export interface TowerWeights {
  projection: Float32Array;
  hidden: Float32Array;
  hiddenBias: Float32Array;
  output: Float32Array;
}

export interface TwoTowerWeights {
  /** [buckets, bagDimension], row-major. */
  table: Float32Array;
  query: TowerWeights;
  item: TowerWeights;
}

/** Name and shape of every weight array, in file order. */
export function weightShapes(shape: TwoTowerShape): { name: string; shape: number[] }[] {
  const { buckets, bagDimension: b, hiddenUnits: h, dimension: d } = shape;
  const tower = (name: TowerName) => [
    { name: `${name}/projection`, shape: [b, d] },
    { name: `${name}/hidden`, shape: [b, h] },
    { name: `${name}/hidden_bias`, shape: [h] },
    { name: `${name}/output`, shape: [h, d] },
  ];
  return [{ name: "table", shape: [buckets, b] }, ...tower("query"), ...tower("item")];
}

export function checkShape(shape: TwoTowerShape): void {
  const { buckets, bagDimension, hiddenUnits, dimension } = shape;
  if (!Number.isInteger(buckets) || buckets < 16) throw new Error(`buckets must be an integer ≥ 16, got ${buckets}`);
  if (!Number.isInteger(bagDimension) || bagDimension < 2 || bagDimension > 1024) throw new Error(`bagDimension must be 2..1024, got ${bagDimension}`);
  if (!Number.isInteger(hiddenUnits) || hiddenUnits < 0 || hiddenUnits > 4096) throw new Error(`hiddenUnits must be 0..4096, got ${hiddenUnits}`);
  if (!Number.isInteger(dimension) || dimension < 2 || dimension > 4096) throw new Error(`dimension must be 2..4096, got ${dimension}`);
}

/**
 * Seeded initial weights. Both towers start identical and the linear path starts as (close to) the
 * identity, so an untrained model already scores by shared features — training only has to improve it.
 */
export function initTwoTowerWeights(shape: TwoTowerShape, seed: number): TwoTowerWeights {
  checkShape(shape);
  const rng = new Rng(seed);
  const { buckets, bagDimension: b, hiddenUnits: h, dimension: d } = shape;
  const normal = (length: number, std: number): Float32Array => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = rng.normal() * std;
    return out;
  };
  const table = normal(buckets * b, 1 / Math.sqrt(b));
  const projection = b === d ? identity(b) : normal(b * d, 1 / Math.sqrt(b));
  const hidden = normal(b * h, 1 / Math.sqrt(b));
  const hiddenBias = new Float32Array(h);
  // Small, so the tanh path starts as a gentle perturbation of the linear one.
  const output = normal(h * d, 0.01 / Math.sqrt(Math.max(h, 1)));
  const tower = (): TowerWeights => ({ projection: projection.slice(), hidden: hidden.slice(), hiddenBias: hiddenBias.slice(), output: output.slice() });
  return { table, query: tower(), item: tower() };
}

function identity(n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Texts of one batch as fixed-width rows of (bucket id, weight); padding has weight 0. */
export interface PaddedBatch {
  size: number;
  width: number;
  ids: Int32Array;
  weights: Float32Array;
}

export function padFeatures(list: readonly SparseFeatures[]): PaddedBatch {
  let width = 1;
  for (const features of list) width = Math.max(width, features.ids.length);
  const ids = new Int32Array(list.length * width);
  const weights = new Float32Array(list.length * width);
  list.forEach((features, row) => {
    ids.set(features.ids, row * width);
    weights.set(features.weights, row * width);
  });
  return { size: list.length, width, ids, weights };
}

/** One tower's dense weights as tensors (or trainable variables). */
export interface TowerTensors {
  projection: tf.Tensor2D;
  hidden: tf.Tensor2D;
  hiddenBias: tf.Tensor1D;
  output: tf.Tensor2D;
}

/**
 * The tower on already-gathered table rows [batch, width, bag] and their weights [batch, width];
 * L2-normalized [batch, dim]. No tidy scope of its own, so it can sit inside a gradient computation.
 */
export function towerGraph(rows: tf.Tensor3D, weights: tf.Tensor2D, tower: TowerTensors): tf.Tensor2D {
  const bag = tf.sum<tf.Tensor2D>(tf.mul(rows, tf.expandDims(weights, 2)), 1);
  let out = tf.matMul(bag, tower.projection);
  if (tower.hidden.shape[1] !== 0) {
    const hidden = tf.tanh(tf.add(tf.matMul(bag, tower.hidden), tower.hiddenBias));
    out = tf.add(out, tf.matMul(hidden, tower.output));
  }
  return tf.div(out, tf.maximum(tf.norm(out, 2, 1, true), 1e-12));
}

export function towerTensors(weights: TowerWeights, shape: TwoTowerShape): TowerTensors {
  const { bagDimension: b, hiddenUnits: h, dimension: d } = shape;
  return {
    projection: tf.tensor2d(weights.projection, [b, d]),
    hidden: tf.tensor2d(weights.hidden, [b, h]),
    hiddenBias: tf.tensor1d(weights.hiddenBias),
    output: tf.tensor2d(weights.output, [h, d]),
  };
}

export function disposeTower(tower: TowerTensors): void {
  tf.dispose([tower.projection, tower.hidden, tower.hiddenBias, tower.output]);
}

/**
 * The whole model as TensorFlow.js tensors: the reference forward pass (gather from the table on the
 * active backend). Inference normally uses the equivalent, faster `FastTower`; this one is what it is tested against.
 */
export class TfjsTwoTower {
  private readonly table: tf.Tensor2D;
  private readonly towers: Record<TowerName, TowerTensors>;

  constructor(
    weights: TwoTowerWeights,
    readonly shape: TwoTowerShape,
  ) {
    checkShape(shape);
    this.table = tf.tensor2d(weights.table, [shape.buckets, shape.bagDimension]);
    this.towers = { query: towerTensors(weights.query, shape), item: towerTensors(weights.item, shape) };
  }

  async embed(features: readonly SparseFeatures[], tower: TowerName): Promise<Float32Array[]> {
    if (features.length === 0) return [];
    const batch = padFeatures(features);
    const out = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.size, batch.width], "int32");
      const weights = tf.tensor2d(batch.weights, [batch.size, batch.width]);
      const rows = tf.gather(this.table, ids) as unknown as tf.Tensor3D;
      return towerGraph(rows, weights, this.towers[tower]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    const d = this.shape.dimension;
    return Array.from({ length: batch.size }, (_, i) => data.slice(i * d, (i + 1) * d));
  }

  dispose(): void {
    this.table.dispose();
    disposeTower(this.towers.query);
    disposeTower(this.towers.item);
  }
}
