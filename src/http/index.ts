export { createSidecar } from "./sidecar";
export type { Sidecar, SidecarOptions } from "./sidecar";
export { createApp } from "./app";
export type { AppDependencies } from "./app";
// The models holder `SidecarOptions.models` takes; loading and reloading live in src/runtime.
export { ActiveModels } from "../runtime";
export type { ServingEmbedder } from "../runtime";
