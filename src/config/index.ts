export { loadConfig, ConfigError, FUSION_METHODS, ACCESS_SCOPES } from "./sidecar-config";
export type { SidecarConfig, ConfigOverrides, FusionMethod, AccessScope, ApiKey } from "./sidecar-config";
export { createLogger } from "./logger";
export { LOG_REDACT_PATHS, REDACTED, redactUrlCredentials } from "./log-redaction";
export { projectRoot } from "./project-paths";
export { readConnectionSettings } from "./connection-settings";
export type { ConnectionSettings } from "./connection-settings";
export { SHARED_DEFAULTS, envDefault } from "./shared-settings";
export { inheritedEnvironment } from "./inherited-environment";
