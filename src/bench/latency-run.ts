export interface LatencySummary {
  requests: number;
  errors: number;
  seconds: number;
  per_second: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

const round = (x: number, decimals = 2) => Math.round(x * 10 ** decimals) / 10 ** decimals;

/** p50, p95, p99 and mean of latencies in ms, rounded to `decimals` places (NaN percentiles when there are none). Sorts `latencies` in place. */
export function latencyFigures(latencies: number[], decimals = 2): Pick<LatencySummary, "p50_ms" | "p95_ms" | "p99_ms" | "mean_ms"> {
  latencies.sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(latencies, 50), decimals),
    p95_ms: round(percentile(latencies, 95), decimals),
    p99_ms: round(percentile(latencies, 99), decimals),
    mean_ms: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), decimals),
  };
}

/**
 * Runs `task` once per input with `concurrency` in flight and summarizes the latencies. Failed
 * calls are counted, not timed.
 */
export async function measureLatency<T>(inputs: readonly T[], concurrency: number, task: (input: T) => Promise<void>): Promise<LatencySummary> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < inputs.length) {
      const input = inputs[next++] as T;
      const t0 = performance.now();
      try {
        await task(input);
        latencies.push(performance.now() - t0);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: inputs.length,
    errors,
    seconds: round(seconds),
    per_second: round(latencies.length / seconds),
    ...latencyFigures(latencies),
  };
}
