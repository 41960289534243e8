import { seededRandom } from "../shared/seeded-random";
import { WeightedSampler } from "./weighted-sampler";

/** Item embeddings (any length, normalized here), keyed by item id. */
export type ItemVectors = ReadonlyMap<string, ArrayLike<number>>;

export interface TasteOptions {
  /** Concentration κ of the targets around the taste: weight ∝ popularity × exp(κ · cos(taste, item)). @defaultValue 8 */
  kappa?: number;
  /** Norm of the Gaussian noise added to the anchor item's (unit) vector to make a user's taste. @defaultValue 0.5 */
  noise?: number;
}

export const DEFAULT_TASTE_KAPPA = 8;
export const DEFAULT_TASTE_NOISE = 0.5;

function unit(vector: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(vector);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Users' taste in the served embedding space. A user's taste is the unit vector of an anchor item
 * (drawn by the caller, by popularity) plus Gaussian noise of norm ≈ `noise`; their targets are then
 * drawn with weight ∝ popularity × exp(κ · cos(taste, item)) over the items that have a vector and a
 * popularity weight. One sampler per user: O(items × dimension) to build, O(log items) per draw.
 */
export class TasteSpace {
  readonly kappa: number;
  readonly noise: number;
  readonly #ids: string[] = [];
  readonly #weights: number[] = [];
  readonly #vectors: Float64Array[] = [];
  readonly #byId = new Map<string, Float64Array>();
  readonly #dimension: number;

  constructor(vectors: ItemVectors, popularity: Iterable<readonly [string, number]>, options: TasteOptions = {}) {
    this.kappa = options.kappa ?? DEFAULT_TASTE_KAPPA;
    this.noise = options.noise ?? DEFAULT_TASTE_NOISE;
    if (!(this.kappa >= 0) || !Number.isFinite(this.kappa)) throw new RangeError(`taste kappa must be a finite number >= 0, got ${this.kappa}`);
    if (!(this.noise >= 0) || !Number.isFinite(this.noise)) throw new RangeError(`taste noise must be a finite number >= 0, got ${this.noise}`);
    let dimension = 0;
    for (const [id, weight] of popularity) {
      const vector = vectors.get(id);
      if (!vector || vector.length === 0 || !(weight > 0)) continue;
      if (dimension === 0) dimension = vector.length;
      if (vector.length !== dimension) throw new RangeError(`item ${id}'s vector has ${vector.length} values, expected ${dimension}`);
      const u = unit(vector);
      this.#ids.push(id);
      this.#weights.push(weight);
      this.#vectors.push(u);
      this.#byId.set(id, u);
    }
    this.#dimension = dimension;
  }

  /** Items that can be targets (a vector and a popularity weight). */
  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The cosine of two items' vectors; null when either has none. */
  cosine(a: string, b: string): number | null {
    const va = this.#byId.get(a);
    const vb = this.#byId.get(b);
    return va && vb ? dot(va, vb) : null;
  }

  /** A taste near the anchor item's vector; null when the anchor has none. */
  tasteFor(anchor: string, random: () => number): Float64Array | null {
    const base = this.#byId.get(anchor);
    if (!base) return null;
    const scale = this.noise / Math.sqrt(this.#dimension);
    return unit(Array.from(base, (x) => x + scale * gaussian(random)));
  }

  /** The target sampler of one taste, with concentration `kappa` (the space's by default). */
  samplerFor(taste: Float64Array, kappa = this.kappa): WeightedSampler<string> {
    // exp(κ (cos − 1)) ∝ exp(κ cos) and cannot overflow (cos ≤ 1).
    return new WeightedSampler(this.#ids.map((id, i) => [id, (this.#weights[i] as number) * Math.exp(kappa * (dot(taste, this.#vectors[i] as Float64Array) - 1))] as const));
  }

  /**
   * Mean cosine between two targets of one simulated user (anchors drawn by `anchors`), for a κ: what
   * {@link fitTasteKappa} matches to the real users' co-clicks.
   */
  meanCoTargetCosine(kappa: number, anchors: WeightedSampler<string>, users: number, seed: number): number {
    const random = seededRandom(seed);
    let sum = 0;
    let n = 0;
    for (let u = 0; u < users; u++) {
      const taste = this.tasteFor(anchors.sample(random) ?? "", random);
      if (!taste) continue;
      const sampler = this.samplerFor(taste, kappa);
      const a = sampler.sample(random) as string;
      let b = sampler.sample(random) as string;
      for (let tries = 0; b === a && tries < 8; tries++) b = sampler.sample(random) as string;
      if (a === b) continue;
      sum += this.cosine(a, b) as number;
      n += 1;
    }
    return n > 0 ? sum / n : 0;
  }
}

/**
 * The mean cosine between distinct items clicked by one real user (each user's pairs averaged, then
 * averaged over users with ≥ 2 distinct clicked items that have vectors); null without such users.
 */
export function realCoClickCosine(space: TasteSpace, userClicks: Iterable<readonly string[]>): { cosine: number; users: number } | null {
  let sum = 0;
  let users = 0;
  for (const clicks of userClicks) {
    const items = [...new Set(clicks)].filter((id) => space.has(id));
    if (items.length < 2) continue;
    let pairSum = 0;
    let pairs = 0;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        pairSum += space.cosine(items[i] as string, items[j] as string) as number;
        pairs += 1;
      }
    }
    sum += pairSum / pairs;
    users += 1;
  }
  return users > 0 ? { cosine: sum / users, users } : null;
}

export const KAPPA_GRID: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100];

/**
 * κ fitted to the log: the grid value whose simulated mean co-target cosine is closest to the real users'
 * mean co-click cosine (the simulated statistic grows with κ). Reads per-user click lists, so only for
 * non-private fits.
 */
export function fitTasteKappa(
  space: TasteSpace,
  userClicks: Iterable<readonly string[]>,
  anchors: WeightedSampler<string>,
  options: { users?: number; seed?: number } = {},
): { kappa: number; realCosine: number; simulatedCosine: number; users: number } | null {
  const real = realCoClickCosine(space, userClicks);
  if (!real) return null;
  let best = { kappa: space.kappa, simulatedCosine: Number.NaN, distance: Infinity };
  for (const kappa of KAPPA_GRID) {
    const simulated = space.meanCoTargetCosine(kappa, anchors, options.users ?? 2000, options.seed ?? 42);
    const distance = Math.abs(simulated - real.cosine);
    if (distance < best.distance) best = { kappa, simulatedCosine: simulated, distance };
  }
  return { kappa: best.kappa, realCosine: real.cosine, simulatedCosine: best.simulatedCosine, users: real.users };
}
