export { loadConfig, ConfigError, FUSION_METHODS, ACCESS_SCOPES } from "./sidecar-config";
export type { SidecarConfig, ConfigOverrides, FusionMethod, AccessScope, ApiKey } from "./sidecar-config";
export { createLogger } from "./logger";
export { projectRoot } from "./project-paths";
export { readConnectionSettings } from "./connection-settings";
export type { ConnectionSettings } from "./connection-settings";
