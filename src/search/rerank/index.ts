// The attention re-rank stage and what it shares with training: the feature list, the inputs builder, `/v1/candidates`.
export { FEATURE_NAMES, FEATURE_FIELDS, RERANK_CANDIDATE_NEEDS } from "./feature-list";
export type { FeatureName } from "./feature-list";
export { RerankInputsBuilder } from "./rerank-inputs";
export type { RerankInputsBuilderOptions, BuildOptions, RerankInputs, HistoryInput, InputsDegradation } from "./rerank-inputs";
export { HistoryEmbeddings } from "./history-embeddings";
export type { HistoryEmbeddingsOptions } from "./history-embeddings";
export { BehaviourPrefetch } from "./behaviour-prefetch";
export type { BehaviourPrefetchOptions, PrefetchedBehaviour } from "./behaviour-prefetch";
export { CandidateLists, CandidatesRequestSchema } from "./candidate-lists";
export type { CandidateListsOptions, CandidatesRequest, CandidatesResponse } from "./candidate-lists";
export { AttentionRerankStage } from "./attention-rerank-stage";
export type { AttentionRerankStageOptions } from "./attention-rerank-stage";
export { RerankBatcher } from "./rerank-batcher";
export type { RerankBatcherOptions } from "./rerank-batcher";
export { PersonalRetrieveStage } from "./personal-retrieve-stage";
export type { PersonalRetrieveStageOptions } from "./personal-retrieve-stage";
