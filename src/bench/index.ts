export { measureLatency, percentile } from "./latency-run";
export type { LatencySummary } from "./latency-run";
