// Public surface of training orchestration: read the inputs, train, save a version with its manifest, promote.
export { trainEmbeddingsModel } from "./embeddings-training";
export type { EmbeddingsTrainingOptions, EmbeddingsTrainingInputs, EmbeddingsTrainingResult } from "./embeddings-training";
export { trainRerankerModel } from "./rerank-training-run";
export type { RerankTrainingOptions, RerankTrainingResult, RerankExamplesRead } from "./rerank-training-run";
export { examplesFromJudgments, examplesFromEvents } from "./rerank-examples";
export type { RerankExample, EventExamplesOptions, EventExamplesSummary } from "./rerank-examples";
export { fetchCandidates, labeledList, embeddingDimension } from "./candidate-lists";
export type { CandidatesRequest, CandidatesResponse, CandidateListOutcome, DroppedListReason } from "./candidate-lists";
export { readListsFile, writeListsFile, selectSyntheticRows, ListsFileError } from "./rerank-list-file";
export type { StoredRerankList, StoredRerankCandidate, RerankListsHeader, RerankListsFile, SyntheticRows, ReadListsOptions } from "./rerank-list-file";
