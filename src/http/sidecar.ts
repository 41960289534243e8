import { type Server } from "node:http";
import { type Express } from "express";
import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { EnrichService } from "../indexing";
import { type OpenSearchGateway } from "../opensearch";
import { createEventsComponents, type BehaviourSink, type EventsComponents } from "../events";
import { RedisBehaviourSink, behaviourOptionsFromConfig, type BehaviourOptions } from "../profiles";
import { openJobQueue, profileRebuildTarget, registerQueueMetrics, type JobQueue, type OpenedJobQueue } from "../jobs";
import { pingRedis } from "../redis";
import { createRuntime, type ActiveModels, type LiveEmbedder, type LoadModelsOptions } from "../runtime";
import { SearchService } from "../search";
import {
  AttentionRerankStage,
  CandidateLists,
  HistoryEmbeddings,
  PersonalRetrieveStage,
  BehaviourPrefetch,
  RerankBatcher,
  RerankInputsBuilder,
} from "../search/rerank";
import { createApp } from "./app";
import { EventLoopGuard } from "./event-loop-guard";
import { SidecarMetrics } from "./metrics";

export interface Sidecar {
  readonly app: Express;
  readonly config: SidecarConfig;
  readonly logger: Logger;
  readonly gateway: OpenSearchGateway;
  readonly redis: Redis;
  readonly models: ActiveModels;
  /** The Prometheus metrics `GET /metrics` serves (a bench reads its stage times here). */
  readonly metrics: SidecarMetrics;
  /**
   * Which embedding version is served: the one of the products alias's live index (promoted models are
   * what reindexing builds towards). `listen` starts it; a test driving `app` directly calls `live.start()`.
   */
  readonly live: LiveEmbedder;
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
  /** The models to serve with (`loadActiveModels` from src/runtime). @defaultValue none: enrichment writes no vectors, hybrid answers with BM25 */
  models?: ActiveModels;
  /** How embedding versions the live index needs are loaded (as the promoted ones were). @defaultValue {} */
  loading?: LoadModelsOptions;
  /** Where accepted events go next. @defaultValue the sidecar's {@link RedisBehaviourSink} (`behaviour`) */
  behaviourSink?: BehaviourSink;
  /** Overrides of the config's profile and signal settings (e.g. a test's own Redis key prefix). @defaultValue none */
  behaviourOptions?: BehaviourOptions;
}

/** Wires the sidecar's HTTP parts onto the shared runtime (src/runtime) built from one frozen config. */
export function createSidecar(config: SidecarConfig, options: SidecarOptions = {}): Sidecar {
  const runtime = createRuntime(config, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.models ? { models: options.models } : {}),
    ...(options.loading ? { loading: options.loading } : {}),
    followLiveIndex: true,
  });
  const { logger, gateway, redis, models, embedder } = runtime;
  const live = runtime.live;
  if (!live) throw new Error("the runtime was built without following the live index");
  const metrics = new SidecarMetrics();
  const behaviour = new RedisBehaviourSink({
    redis,
    gateway,
    productsAlias: config.productsAlias,
    embedder,
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
  // Model inputs of the re-ranker: the same builder serves the rerank stage and /v1/candidates (training).
  const prefetch = new BehaviourPrefetch({ behaviour });
  const rerankInputs = new RerankInputsBuilder({
    behaviour,
    historyEmbeddings: new HistoryEmbeddings({ gateway, productsAlias: config.productsAlias }),
    embedderVersion: () => embedder()?.version ?? null,
    prefetch,
    historyLimit: config.profileRecentItems,
    historyHalfLifeDays: config.profileHalfLifeDays,
  });
  const search = new SearchService({
    gateway,
    config,
    queryEmbedder: embedder,
    onDegraded: (pipeline, reason) => metrics.searchDegraded.inc({ pipeline, reason }),
    onStageTimes: (pipeline, stageMs) => stageMs.forEach((ms, stage) => metrics.searchStageSeconds.observe({ pipeline, stage }, ms / 1000)),
    // The same user key the events stored the profile under (none without PSEUDONYM_KEY).
    ...(events ? { pseudonymizer: events.pseudonymizer } : {}),
    rerankStage: new AttentionRerankStage({
      reranker: () => models.reranker,
      backend: () => models.status().backend?.name ?? null,
      builder: rerankInputs,
      batcher: new RerankBatcher({ windowMs: config.rerankBatchWindowMs, maxLists: config.rerankBatchMaxLists }),
      modelTimeoutMs: config.rerankModelTimeoutMs,
    }),
    personalRetrieve: (hybrid) => new PersonalRetrieveStage({ hybrid, prefetch, personalWeight: config.personalKnnWeight }),
  });
  const candidates = new CandidateLists({
    pipelines: search.pipelines,
    builder: rerankInputs,
    ...(events ? { pseudonymizer: events.pseudonymizer } : {}),
  });
  // The rebuild queue opens its own connection on first use of /v1/jobs (or a /metrics scrape of queue figures).
  let queue: OpenedJobQueue | undefined;
  const jobQueue = (): JobQueue => {
    queue ??= openJobQueue(config, logger);
    return queue.queue;
  };
  registerQueueMetrics({ registry: metrics.registry, queue: jobQueue, logger });
  const eventLoop = new EventLoopGuard({ maxDelayMs: config.maxEventLoopDelayMs });
  const app = createApp({
    config,
    logger,
    gateway,
    redis,
    metrics,
    modelStatus: () => models.status(),
    embeddingThreads: options.loading?.embedder?.pool?.threads ?? 0,
    ...(events ? { events } : {}),
    profiles: behaviour,
    search,
    candidates,
    enrich: new EnrichService({ gateway, embedder }),
    jobs: {
      queue: jobQueue,
      productsAlias: config.productsAlias,
      promotedVersion: () => models.embedder?.version ?? null,
      liveVersion: () => embedder()?.version ?? null,
      profiles: profileRebuildTarget(config, options.behaviourOptions),
    },
    eventLoop,
  });
  let server: Server | undefined;
  return {
    app,
    config,
    logger,
    gateway,
    redis,
    models,
    metrics,
    live,
    events,
    behaviour,
    listen: async () => {
      await live.start();
      return new Promise((resolve, reject) => {
        server = app.listen(config.port, config.host, (err?: Error) => {
          if (err) {
            reject(err);
            return;
          }
          const address = server?.address();
          resolve(typeof address === "object" && address ? address.port : config.port);
        });
      });
    },
    close: async () => {
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      await queue?.close();
      eventLoop.stop();
      await runtime.close();
    },
  };
}
