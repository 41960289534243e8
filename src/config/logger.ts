import pino, { type DestinationStream, type Logger } from "pino";
import { LOG_REDACT_PATHS, REDACTED } from "./log-redaction";
import { type SidecarConfig } from "./sidecar-config";

/**
 * JSON logs to stderr, so stdout stays free for command output. Credential headers are redacted
 * (`LOG_REDACT_PATHS`); URLs that can carry a password are logged through `redactUrlCredentials`.
 * @param destination where the lines go. @defaultValue stderr
 */
export function createLogger(config: Pick<SidecarConfig, "logLevel">, destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ level: config.logLevel, base: { service: "relevance-sidecar" }, redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, destination);
}
