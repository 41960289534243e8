export { measureLatency, percentile } from "./latency-run";
export type { LatencySummary } from "./latency-run";
export { benchEnrichment } from "./enrich-bench";
export type { EnrichBenchOptions, EnrichBenchResult, ThroughputFigure } from "./enrich-bench";
export { runMixedLoad, LOAD_OPERATIONS } from "./mixed-load";
export type { MixedLoadOptions, MixedLoadResult, OperationFigures, ProbeFigures, LoadOperation } from "./mixed-load";
export { benchEvents } from "./events-bench";
export type { EventsBenchOptions, EventsBenchResult, Percentiles } from "./events-bench";
