import pino, { type Logger } from "pino";
import { type SidecarConfig } from "./sidecar-config";

/** JSON logs to stderr, so stdout stays free for command output. */
export function createLogger(config: Pick<SidecarConfig, "logLevel">): Logger {
  return pino({ level: config.logLevel, base: { service: "relevance-sidecar" } }, pino.destination(2));
}
