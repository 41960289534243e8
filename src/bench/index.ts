export { measureLatency, percentile } from "./latency-run";
export type { LatencySummary } from "./latency-run";
export { benchEnrichment } from "./enrich-bench";
export type { EnrichBenchOptions, EnrichBenchResult, ThroughputFigure } from "./enrich-bench";
