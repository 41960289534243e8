import { randomUUID } from "node:crypto";
import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { loadCatalog, type CatalogReadOptions } from "../indexing";
import { connectQueueRedis, JobQueue, JobWorker, reindexLockKey, type JobView, type ReindexResult } from "../jobs";
import { type ServingEmbedder } from "../runtime";
import { withThrowawaySidecar } from "./throwaway-sidecar";
import { figure, round, type ThroughputFigure } from "./throughput-figure";

export interface ReindexBenchOptions extends CatalogReadOptions {
  /** The sidecar's config: OpenSearch, Redis, MODELS_DIR, REINDEX_BATCH_SIZE; aliases and the queue are the bench's own. */
  config: SidecarConfig;
  /** The version the catalog is loaded with (served by the throw-away sidecar). */
  from: ServingEmbedder;
  /** The version reindexed to, loaded by the worker from MODELS_DIR as in production. */
  toVersion: string;
  logger: Logger;
  /** Products read from the catalog. @defaultValue every product */
  limit?: number;
  /** Documents per enrich request of the load, as `relevance load` sends them. @defaultValue 500 */
  batchSize?: number;
  /** Enrich requests in flight during the load. @defaultValue 2 */
  concurrency?: number;
  onPhase?: (phase: string) => void;
}

export interface ReindexBenchResult {
  from: { version: string; dimension: number };
  to: { version: string };
  /** Baseline: the catalog through `/v1/enrich` with vectors into a fresh alias, as `relevance load` does it. */
  load: ThroughputFigure;
  /** The same documents reindexed to `to` by a queued job run by the worker's own code, enqueue to completion. */
  reindex: ThroughputFigure & { batch_size: number; copied: number; caught_up: number };
  /** reindex ÷ load docs/s (target ≥ 0.8). */
  reindex_vs_load: number;
}

async function finished(queue: JobQueue, id: string): Promise<JobView> {
  for (;;) {
    const view = await queue.get(id);
    if (view && (view.state === "completed" || view.state === "failed")) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Reindex throughput next to plain load throughput, in one run against one OpenSearch: the catalog is
 * loaded through a throw-away sidecar's `/v1/enrich` with the `from` model (the baseline), then that
 * alias is reindexed to `toVersion` through a throw-away queue by a `JobWorker` in this process. The
 * aliases, both indexes, the queue and the lock are deleted afterwards.
 */
export async function benchReindex(path: string, options: ReindexBenchOptions): Promise<ReindexBenchResult> {
  const { config } = options;
  return withThrowawaySidecar(config, options.from, options.from.dimension, async ({ sidecar, client, aliases }) => {
    options.onPhase?.(`loading with ${options.from.version} through /v1/enrich (baseline)`);
    const summary = await loadCatalog(path, {
      ...options,
      batchSize: options.batchSize ?? 500,
      concurrency: options.concurrency ?? 2,
      send: (documents) => client.enrich(documents),
    });
    if (summary.loaded === 0) throw new Error(`no product of ${path} was loaded (check --map)`);
    const load = figure(summary.loaded, summary.failed, summary.seconds);

    options.onPhase?.(`reindexing to ${options.toVersion} through the queue`);
    const connection = connectQueueRedis(config.redisUrl);
    const queue = new JobQueue({ connection, name: `bench-reindex-${randomUUID()}`, attempts: 1 });
    const worker = new JobWorker({
      connection,
      queueName: queue.name,
      gateway: sidecar.gateway,
      modelsDir: config.modelsDir,
      logger: options.logger,
      batchSize: config.reindexBatchSize,
      timeoutMs: Math.max(config.opensearchTimeoutMs, 60_000),
    });
    try {
      const started = performance.now();
      const job = await queue.enqueueReindex(aliases.products, options.toVersion);
      const view = await finished(queue, job.id);
      const seconds = (performance.now() - started) / 1000;
      if (view.state !== "completed" || view.type !== "reindex") throw new Error(`the reindex failed: ${view.failure ?? view.state}`);
      const result = view.result as ReindexResult;
      const reindex = { ...figure(result.documents, 0, seconds), batch_size: config.reindexBatchSize, copied: result.copied, caught_up: result.caughtUp };
      options.onPhase?.(`load ${load.docs_per_second} docs/s, reindex ${reindex.docs_per_second} docs/s; removing the throw-away indexes and queue`);
      return {
        from: { version: options.from.version, dimension: options.from.dimension },
        to: { version: options.toVersion },
        load,
        reindex,
        reindex_vs_load: round(reindex.docs_per_second / Math.max(load.docs_per_second, 1e-9), 3),
      };
    } finally {
      await worker.close();
      await queue.obliterate().catch(() => undefined);
      await queue.close();
      await connection.del(reindexLockKey(aliases.products)).catch(() => 0);
      connection.disconnect();
    }
  });
}
