// Public surface of the attention re-ranker: the serving pipeline loads a Reranker and scores lists; training makes, saves and promotes one.
export type { RerankCandidate, RerankHistoryItem, RerankList, LabeledRerankList } from "./rerank-inputs";
export type { RerankResult, CandidateExplanation, InputContribution } from "./rerank-explanation";
export { rankOrder } from "./rerank-explanation";
export { fitFeatureSchema, FeatureNormalizer } from "./feature-schema";
export type { FeatureSchema, FeatureSpec, FeatureNormalization, NormalizationKind, FitFeatureSchemaOptions } from "./feature-schema";
export { PERSONAL_TERMS, initRerankerWeights, rerankerWeightShapes, checkRerankerShape } from "./reranker-shape";
export type { RerankerShape, RerankerWeights, PersonalTerm } from "./reranker-shape";
export { FastReranker } from "./fast-reranker";
export { TfjsReranker } from "./reranker-graph";
export { trainReranker, RerankerTrainer, DEFAULT_RERANKER_TRAIN_OPTIONS, validationGroups } from "./train-reranker";
export type { RerankerTrainingData, TrainRerankerOptions, RerankerTrainingProgress, RerankerEpochStats, RerankerTrainingMetrics, TrainedReranker, RerankerTrainerOptions } from "./train-reranker";
export { ndcgAt, reciprocalRank, meanListMetrics } from "./ranking-metrics";
export type { ListMetrics } from "./ranking-metrics";
export { AttentionReranker, loadReranker } from "./reranker-scorer";
export type { Reranker, RerankerOptions, ScoreOptions } from "./reranker-scorer";
export { loadActiveReranker } from "./reranker-registry";
export { saveReranker, readReranker, readRerankerManifest } from "./reranker-store";
export type { StoredReranker, SaveRerankerInput } from "./reranker-store";
