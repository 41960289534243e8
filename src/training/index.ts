// Public surface of training orchestration: read the inputs, train, save a version with its manifest, promote.
export { trainEmbeddingsModel } from "./embeddings-training";
export type { EmbeddingsTrainingOptions, EmbeddingsTrainingInputs, EmbeddingsTrainingResult } from "./embeddings-training";
