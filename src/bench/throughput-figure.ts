/** Documents written in a time: what the throughput benches print. */
export interface ThroughputFigure {
  documents: number;
  failed: number;
  seconds: number;
  docs_per_second: number;
}

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export function figure(documents: number, failed: number, seconds: number): ThroughputFigure {
  return { documents, failed, seconds: round(seconds, 3), docs_per_second: round(documents / Math.max(seconds, 1e-9), 1) };
}
