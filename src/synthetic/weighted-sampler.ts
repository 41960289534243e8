/** Draws values with probability proportional to their weights: cumulative sums and a binary search, O(log n) per draw. */
export class WeightedSampler<T> {
  readonly #values: T[] = [];
  readonly #cumulative: number[] = [];

  constructor(entries: Iterable<readonly [T, number]>) {
    let total = 0;
    for (const [value, weight] of entries) {
      if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`sampler weights must be finite numbers >= 0, got ${weight}`);
      if (weight === 0) continue;
      total += weight;
      this.#values.push(value);
      this.#cumulative.push(total);
    }
  }

  get size(): number {
    return this.#values.length;
  }

  /** A value, or undefined when every weight was 0. */
  sample(random: () => number): T | undefined {
    const total = this.#cumulative[this.#cumulative.length - 1];
    if (total === undefined) return undefined;
    const target = random() * total;
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#cumulative[mid] as number) > target) high = mid;
      else low = mid + 1;
    }
    return this.#values[low];
  }
}

/** Draws 1-based counts (sessions per user, searches per session) from a histogram whose index i holds count i + 1; 1 when every weight is 0. */
export function countSampler(histogram: readonly number[]): (random: () => number) => number {
  const sampler = new WeightedSampler(histogram.map((weight, i) => [i + 1, weight] as const));
  return (random) => sampler.sample(random) ?? 1;
}
