export { createSidecar } from "./sidecar";
export type { Sidecar, SidecarOptions } from "./sidecar";
export { createApp } from "./app";
export type { AppDependencies } from "./app";
export type { ModelStatus, ModelStatusProvider } from "./model-status";
export { ActiveModels } from "./active-models";
export type { ServingEmbedder, BackendReport } from "./active-models";
export { loadActiveModels, loadPromotedEmbedder, reloadPromotedModels } from "./load-models";
export type { LoadModelsOptions } from "./load-models";
