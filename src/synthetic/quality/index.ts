// Public surface of the synthetic-data quality report: distances, the classifier two-sample test, TSTR/TRTR, the page.
export { ksStatistic, wasserstein1, totalVariation, jensenShannon } from "./distances";
export { classifierTwoSampleTest, rocAuc } from "./two-sample-test";
export type { TwoSampleTestOptions, TwoSampleTestResult } from "./two-sample-test";
export { eventStatistics, topDecileShare, NUMERIC_STATISTICS, SESSION_VECTOR } from "./event-statistics";
export type { EventStatistics, NumericStatistic } from "./event-statistics";
export { readEvalFigures, tstrSummary, EvalSummaryError } from "./tstr";
export type { EvalFigures, TstrInputs, TstrSummary } from "./tstr";
export { qualityReport } from "./quality-report";
export type { QualityReport, QualityReportOptions, Distance, CategoricalDistance, FeatureComparison } from "./quality-report";
export { qualitySummaryLine, writeQualityReport } from "./report-page";
