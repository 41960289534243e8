import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { createLogger, type SidecarConfig } from "../config";
import { gatewayFromConfig, type OpenSearchGateway } from "../opensearch";
import { connectRedis } from "../redis";
import { LiveEmbedder } from "./live-embedder";
import { type LoadModelsOptions } from "./load-models";
import { ActiveModels, type ServingEmbedder } from "./served-models";

/**
 * What every long-running process of the sidecar (`serve`, the queue worker) is built on: one
 * config, one logger, one OpenSearch gateway, one Redis connection and the served models.
 */
export interface Runtime {
  readonly config: SidecarConfig;
  readonly logger: Logger;
  readonly gateway: OpenSearchGateway;
  readonly redis: Redis;
  readonly models: ActiveModels;
  /** The embedder served right now (it changes on a promotion), or null: what enrichment, query embedding and profiles ask for each time. */
  readonly embedder: () => ServingEmbedder | null;
  /** With `followLiveIndex`: which index and version are served (start it, it is stopped by `close`); else null. */
  readonly live: LiveEmbedder | null;
  /** Disconnects Redis and closes the gateway; the models stay (they may be shared). */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** @defaultValue a logger made from the config */
  logger?: Logger;
  /** The models to serve with (`loadActiveModels` at start-up). @defaultValue none: no vectors, BM25 only, no re-ranking */
  models?: ActiveModels;
  /**
   * Serve the embedding version of the products alias's live index (see {@link LiveEmbedder}) instead of
   * the promoted one; `serve` does, the worker (which loads each job's version itself) does not.
   * @defaultValue false
   */
  followLiveIndex?: boolean;
  /** How the live index's embedding versions are loaded (as the promoted ones were: `serve` passes its product embedding threads). @defaultValue {} */
  loading?: LoadModelsOptions;
}

/** Wires the shared parts from one frozen config; nothing connects until it is first used. */
export function createRuntime(config: SidecarConfig, options: RuntimeOptions = {}): Runtime {
  const logger = options.logger ?? createLogger(config);
  const gateway = gatewayFromConfig(config);
  const redis = connectRedis({ url: config.redisUrl });
  redis.on("error", (err: Error) => logger.debug({ err }, "redis connection error"));
  const models = options.models ?? new ActiveModels();
  const live = options.followLiveIndex
    ? new LiveEmbedder({
        gateway,
        alias: config.productsAlias,
        modelsDir: config.modelsDir,
        logger,
        promoted: () => models.embedder,
        refreshMs: config.liveIndexRefreshMs,
        redis,
        ...(options.loading?.embedder ? { embedderOptions: options.loading.embedder } : {}),
      })
    : null;
  return {
    config,
    logger,
    gateway,
    redis,
    models,
    embedder: live ? () => live.current() : () => models.embedder,
    live,
    close: async () => {
      await live?.stop();
      redis.disconnect();
      await gateway.close();
    },
  };
}
