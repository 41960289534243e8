import { type Server } from "node:http";
import { type Express } from "express";
import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { createLogger, type SidecarConfig } from "../config";
import { EnrichService } from "../indexing";
import { OpenSearchGateway, readClusterCa } from "../opensearch";
import { createEventsComponents, type BehaviourSink, type EventsComponents } from "../events";
import { RedisBehaviourSink, behaviourOptionsFromConfig, type BehaviourOptions } from "../profiles";
import { connectRedis, pingRedis } from "../redis";
import { SearchService } from "../search";
import { createApp } from "./app";
import { SidecarMetrics } from "./metrics";
import { ActiveModels } from "./active-models";

export interface Sidecar {
  readonly app: Express;
  readonly config: SidecarConfig;
  readonly logger: Logger;
  readonly gateway: OpenSearchGateway;
  readonly redis: Redis;
  readonly models: ActiveModels;
  /** The events half (ingest, erasure, the events store); undefined without PSEUDONYM_KEY or a behaviour sink. */
  readonly events: EventsComponents | undefined;
  /** User profiles and behaviour signals in Redis: the default events sink, and what the re-ranker and `GET /v1/profiles` read. */
  readonly behaviour: RedisBehaviourSink;
  /** Starts listening on the configured host and port; resolves with the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

export interface SidecarOptions {
  logger?: Logger;
  /** The models to serve with. @defaultValue none: enrichment writes no vectors, hybrid answers with BM25 */
  models?: ActiveModels;
  /** Where accepted events go next. @defaultValue the sidecar's {@link RedisBehaviourSink} (`behaviour`) */
  behaviourSink?: BehaviourSink;
  /** Overrides of the config's profile and signal settings (e.g. a test's own Redis key prefix). @defaultValue none */
  behaviourOptions?: BehaviourOptions;
}

/** Wires the sidecar's parts together from one frozen config. */
export function createSidecar(config: SidecarConfig, options: SidecarOptions = {}): Sidecar {
  const logger = options.logger ?? createLogger(config);
  const gateway = new OpenSearchGateway({
    url: config.opensearchUrl,
    username: config.opensearchUsername,
    password: config.opensearchPassword,
    ca: readClusterCa(config.opensearchCaFile),
    timeoutMs: config.opensearchTimeoutMs,
  });
  const redis = connectRedis({ url: config.redisUrl });
  redis.on("error", (err: Error) => logger.debug({ err }, "redis connection error"));
  const metrics = new SidecarMetrics();
  const models = options.models ?? new ActiveModels();
  const behaviour = new RedisBehaviourSink({
    redis,
    gateway,
    productsAlias: config.productsAlias,
    embedder: () => models.embedder,
    ...behaviourOptionsFromConfig(config),
    ...options.behaviourOptions,
    onApplied: (report) => {
      metrics.profileUpdateSeconds.observe(report.seconds);
      metrics.profileEventsApplied.inc({ result: "applied" }, report.applied);
      metrics.profileEventsApplied.inc({ result: "already_applied" }, report.duplicates);
    },
    onRead: (seconds) => metrics.behaviourReadSeconds.observe(seconds),
  });
  const sink = options.behaviourSink ?? behaviour;
  const events =
    config.pseudonymKey && sink
      ? createEventsComponents({
          config,
          gateway,
          sink,
          checkRedis: () => pingRedis(redis),
          onOutcome: (type, outcome, count) => metrics.eventsTotal.inc({ type, outcome }, count),
        })
      : undefined;
  const app = createApp({
    config,
    logger,
    gateway,
    redis,
    metrics,
    modelStatus: () => models.status(),
    ...(events ? { events } : {}),
    profiles: behaviour,
    search: new SearchService({
      gateway,
      config,
      queryEmbedder: () => models.embedder,
      onDegraded: (pipeline, reason) => metrics.searchDegraded.inc({ pipeline, reason }),
    }),
    enrich: new EnrichService({ gateway, embedder: () => models.embedder }),
  });
  let server: Server | undefined;
  return {
    app,
    config,
    logger,
    gateway,
    redis,
    models,
    events,
    behaviour,
    listen: () =>
      new Promise((resolve, reject) => {
        server = app.listen(config.port, config.host, (err?: Error) => {
          if (err) {
            reject(err);
            return;
          }
          const address = server?.address();
          resolve(typeof address === "object" && address ? address.port : config.port);
        });
      }),
    close: async () => {
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      redis.disconnect();
      await gateway.close();
    },
  };
}
