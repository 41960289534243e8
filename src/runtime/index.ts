// Public surface of the composition root shared by `serve` and the queue worker: the served models
// (every kind, swapped atomically, reloaded on SIGHUP) and the connections built from one config.
export { createRuntime } from "./runtime";
export type { Runtime, RuntimeOptions } from "./runtime";
export { ActiveModels } from "./served-models";
export { LiveEmbedder } from "./live-embedder";
export type { LiveEmbedderOptions } from "./live-embedder";
export type { ActiveModelsOptions, ServingEmbedder, ServedModel, ServedModelTypes, BackendReport } from "./served-models";
export { loadActiveModels, loadPromotedEmbedder, reloadPromotedModels } from "./load-models";
export type { LoadModelsOptions } from "./load-models";
export { reloadModelsOnSignal } from "./reload-signal";
export { modelLoadingFromConfig } from "./embedding-threads";
export type { ModelLoading } from "./embedding-threads";
export type { ReloadSignalOptions } from "./reload-signal";
export type { ModelStatus, ModelStatusProvider } from "./model-status";
