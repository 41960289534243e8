import { bootstrapMeanInterval } from "./bootstrap";
import { METRIC_KEYS, type MetricKey, type QueryMetrics } from "./metrics";

/** Paired difference (candidate − baseline) of one metric over the same queries. */
export interface MetricDifference {
  readonly mean: number;
  /** 95 % percentile-bootstrap interval of the mean difference; undefined with no queries. */
  readonly ci95: [number, number] | undefined;
  /** Queries where the candidate scored higher / the same / lower. */
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
}

export interface CompareOptions {
  /** @defaultValue 42 */
  readonly seed?: number;
  /** @defaultValue 10000 */
  readonly resamples?: number;
}

/** Differences below this are float noise, not a win or a loss. */
const TIE_TOLERANCE = 1e-9;

/**
 * Paired comparison per metric. `candidate[i]` and `baseline[i]` must be the same query. Every metric
 * is resampled with the same seed, so all intervals come from the same bootstrap resamples of queries.
 */
export function compareMetrics(
  candidate: readonly QueryMetrics[],
  baseline: readonly QueryMetrics[],
  options: CompareOptions = {},
): Record<MetricKey, MetricDifference> {
  if (candidate.length !== baseline.length) {
    throw new RangeError(`paired comparison needs equal lengths, got ${candidate.length} and ${baseline.length}`);
  }
  const differenceOf = (key: MetricKey): MetricDifference => {
    const deltas = candidate.map((m, i) => m[key] - (baseline[i]?.[key] ?? 0));
    const count = (test: (d: number) => boolean): number => deltas.filter(test).length;
    return {
      mean: deltas.length === 0 ? 0 : deltas.reduce((a, b) => a + b, 0) / deltas.length,
      ci95: bootstrapMeanInterval(deltas, { seed: options.seed, resamples: options.resamples }),
      wins: count((d) => d > TIE_TOLERANCE),
      ties: count((d) => Math.abs(d) <= TIE_TOLERANCE),
      losses: count((d) => d < -TIE_TOLERANCE),
    };
  };
  return Object.fromEntries(METRIC_KEYS.map((key) => [key, differenceOf(key)])) as Record<MetricKey, MetricDifference>;
}
