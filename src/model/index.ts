// Public surface of the embedding model: the sidecar loads an Embedder; the CLI trains, saves and promotes.
export { loadEmbedder, resolveInferenceMode } from "./embedder";
export type { Embedder, EmbedderOptions, InferenceMode } from "./embedder";
export { ProductEmbeddingPool } from "./product-embedding-pool";
export type { ProductEmbeddingPoolOptions } from "./product-embedding-pool";
export { loadActiveEmbedder, listModels, promoteModel, activeVersion, activeModelDir, modelVersionDir, ACTIVE_FILE } from "./model-registry";
export type { ModelListing } from "./model-registry";
export { selectInferenceBackend, nodeBackendProbe, INFERENCE_BACKENDS } from "./backend";
export type { BackendSelection, BackendAttempt, BackendProbe, BackendSelectionOptions, InferenceBackend, InferenceBackendPreference } from "./backend";
export { trainEmbeddings, DEFAULT_TRAIN_OPTIONS } from "./train-embeddings";
export type { TrainingData, TrainingPair, ClickPair, TrainEmbeddingsOptions, TrainingProgress, TrainedEmbeddings, TrainingMetrics, EpochStats } from "./train-embeddings";
export { saveEmbeddingModel, readEmbeddingModel, readEmbeddingsManifest } from "./model-store";
export type { StoredEmbeddingModel, SaveEmbeddingModelInput } from "./model-store";
export type { EmbeddingsManifest, RerankerManifest, ModelKind } from "./model-manifest";
export { EMBEDDINGS_KIND, RERANKER_KIND, MODEL_KINDS } from "./model-manifest";
export { TextFeaturizer, DEFAULT_FEATURE_OPTIONS } from "./text-features";
export { normalizeText, tokenize, STOPWORDS } from "./text-normalize";
export type { FeatureOptions, FieldWeights, SparseFeatures } from "./text-features";
export { SpellCorrector } from "./spell-corrector";
export type { SpellCorrectorOptions } from "./spell-corrector";
export { ModelError, ModelUnavailableError, ModelFormatError, ModelFailedError, BackendUnavailableError } from "./errors";
// The attention re-ranker (src/model/reranker): its own public surface, re-exported whole.
export * from "./reranker";
