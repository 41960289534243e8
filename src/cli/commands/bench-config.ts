import { loadConfig, type SidecarConfig } from "../../config";

/** The bench flags that override a configuration key; an unset flag leaves the environment's value. */
export interface BenchConfigFlags {
  opensearchUrl?: string;
  redisUrl?: string;
  modelsDir?: string;
  reindexBatchSize?: number;
}

/** The configuration a bench runs with: the environment's, quiet (log level warn), with the flags given. */
export function benchConfig(flags: BenchConfigFlags = {}): SidecarConfig {
  return loadConfig({
    logLevel: "warn",
    ...(flags.opensearchUrl ? { opensearchUrl: flags.opensearchUrl } : {}),
    ...(flags.redisUrl ? { redisUrl: flags.redisUrl } : {}),
    ...(flags.modelsDir ? { modelsDir: flags.modelsDir } : {}),
    ...(flags.reindexBatchSize ? { reindexBatchSize: flags.reindexBatchSize } : {}),
  });
}
