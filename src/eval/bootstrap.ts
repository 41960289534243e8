import { seededRandom } from "../shared/seeded-random";

export interface BootstrapOptions {
  /** @defaultValue 10000 */
  readonly resamples?: number;
  /** @defaultValue 0.95 */
  readonly confidence?: number;
  /** Seed of the resampling RNG; the same seed gives the same interval. @defaultValue 42 */
  readonly seed?: number;
}

/** Linear interpolation between order statistics (R's type 7, numpy's default). */
function quantile(sorted: readonly number[], p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] ?? low;
  return low + (high - low) * (position - below);
}

/**
 * Percentile-bootstrap confidence interval for the mean of `values` (e.g. per-query paired differences):
 * resample the queries with replacement, take each resample's mean, read off the tail percentiles.
 * Returns undefined for an empty list.
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): [number, number] | undefined {
  const n = values.length;
  return bootstrapInterval(
    n,
    (indices) => {
      let sum = 0;
      for (const i of indices) sum += values[i] ?? 0;
      return sum / n;
    },
    options,
  );
}

/**
 * Percentile-bootstrap interval of any statistic of `n` paired observations (e.g. an AUC over scored
 * samples): `statistic` receives each resample as indices drawn with replacement. Returns undefined for n = 0.
 */
export function bootstrapInterval(n: number, statistic: (indices: Uint32Array) => number, options: BootstrapOptions = {}): [number, number] | undefined {
  if (n === 0) return undefined;
  const resamples = options.resamples ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  const random = seededRandom(options.seed ?? 42);
  const values = new Array<number>(resamples);
  const indices = new Uint32Array(n);
  for (let r = 0; r < resamples; r += 1) {
    for (let i = 0; i < n; i += 1) indices[i] = Math.floor(random() * n);
    values[r] = statistic(indices);
  }
  values.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return [quantile(values, tail), quantile(values, 1 - tail)];
}
