export { loadConfig, ConfigError, FUSION_METHODS } from "./sidecar-config";
export type { SidecarConfig, ConfigOverrides, FusionMethod } from "./sidecar-config";
export { createLogger } from "./logger";
export { projectRoot } from "./project-paths";
export { readConnectionSettings } from "./connection-settings";
export type { ConnectionSettings } from "./connection-settings";
