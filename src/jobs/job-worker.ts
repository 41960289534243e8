import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { EMBEDDINGS_KIND, loadEmbedder, ModelError, modelVersionDir, type Embedder } from "../model";
import { type OpenSearchGateway } from "../opensearch";
import { announceAliasSwap } from "./alias-swap-announcement";
import { ReindexError, ReindexRunningError } from "./job-errors";
import { type JobData, type ReindexResult } from "./job-types";
import { ReindexInterrupted, runReindex } from "./reindex-job";
import { ReindexLock } from "./reindex-lock";

export interface JobWorkerOptions {
  /** A connection made by `connectQueueRedis`; the worker duplicates it for its blocking reads. */
  connection: Redis;
  /** Queue name (JOBS_QUEUE). */
  queueName: string;
  gateway: OpenSearchGateway;
  /** Where the embedding model versions live (MODELS_DIR). */
  modelsDir: string;
  logger: Logger;
  /** Jobs run at once. @defaultValue 1 */
  concurrency?: number;
  /** A job's lock; a killed worker's job is picked up again about this long after. @defaultValue 30000 */
  lockMs?: number;
  /** Times a job may be picked up again after its worker died. @defaultValue 5 */
  maxStalledCount?: number;
  /** Documents per reindex batch. @defaultValue 500 */
  batchSize?: number;
  /** Deadline of one OpenSearch call of a job. @defaultValue 60000 */
  timeoutMs?: number;
  /** Wait after the alias swap before the final catch-up. @defaultValue 1000 */
  swapGraceMs?: number;
  /** Start taking jobs at once. @defaultValue true */
  autorun?: boolean;
}

/** How long the per-alias reindex lock lives without a renewal (a batch renews it). */
const LOCK_TTL_MS = 10 * 60_000;

/**
 * Runs the queue's jobs with bounded concurrency. `close()` is the graceful stop (SIGTERM): a running
 * reindex finishes its current batch, checkpoints it, gives the job back to the queue (delayed, not
 * failed, no attempt spent) and the worker exits; the next worker resumes from the checkpoint.
 */
export class JobWorker {
  readonly #options: JobWorkerOptions;
  readonly #worker: Worker<JobData, ReindexResult>;
  readonly #embedders = new Map<string, Promise<Embedder>>();
  #stopping = false;

  constructor(options: JobWorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`worker concurrency must be a positive integer, got ${concurrency}`);
    const lockMs = options.lockMs ?? 30_000;
    if (!Number.isInteger(lockMs) || lockMs < 1000) throw new RangeError(`job lock must be at least 1000 ms, got ${lockMs}`);
    this.#options = options;
    this.#worker = new Worker<JobData, ReindexResult>(options.queueName, (job, token) => this.#process(job, token), {
      connection: options.connection,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: options.maxStalledCount ?? 5,
      autorun: options.autorun ?? true,
    });
    this.#worker.on("failed", (job, err) => options.logger.error({ err, job: job?.id, attempts: job?.attemptsMade }, `job ${job?.id ?? "?"} failed: ${err.message}`));
    this.#worker.on("completed", (job) => options.logger.info({ job: job.id, result: job.returnvalue }, `job ${job.id ?? "?"} completed`));
    this.#worker.on("error", (err) => options.logger.warn({ err }, "worker error"));
  }

  /** Resolves once the worker's connection is ready. */
  async waitUntilReady(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  /** Graceful stop: running jobs checkpoint at their next batch and go back to the queue. */
  async close(): Promise<void> {
    this.#stopping = true;
    await this.#worker.close();
    for (const loading of this.#embedders.values()) {
      const embedder = await loading.catch(() => null);
      embedder?.dispose();
    }
  }

  async #process(job: Job<JobData, ReindexResult>, token: string | undefined): Promise<ReindexResult> {
    if (job.name !== "reindex") throw new UnrecoverableError(`unknown job type "${job.name}"`);
    const { alias, modelVersion } = job.data;
    const log = this.#options.logger.child({ job: job.id, alias, modelVersion });
    const lock = new ReindexLock(this.#options.connection, alias, job.id ?? "", LOCK_TTL_MS);
    let embedder: Embedder;
    try {
      embedder = await this.#embedder(modelVersion);
      await lock.acquire();
    } catch (err) {
      if (err instanceof ModelError || err instanceof ReindexRunningError) throw new UnrecoverableError(err.message);
      throw err;
    }
    log.info({ resumeFrom: job.data.checkpoint ?? null }, job.data.checkpoint ? "resuming reindex" : "starting reindex");
    try {
      const result = await runReindex(
        this.#options.gateway,
        {
          alias,
          embedder,
          ...(this.#options.batchSize ? { batchSize: this.#options.batchSize } : {}),
          ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
          ...(this.#options.swapGraceMs === undefined ? {} : { swapGraceMs: this.#options.swapGraceMs }),
        },
        job.data.checkpoint,
        {
          save: async (checkpoint) => {
            await job.updateData({ ...job.data, checkpoint });
          },
          progress: async (progress) => {
            await job.updateProgress(progress);
          },
          shouldStop: () => this.#stopping,
          afterBatch: () => lock.renew(),
          // `serve` switches its query embedder to the new index's version on this, within the swap grace.
          afterSwap: (target) =>
            announceAliasSwap(this.#options.connection, { alias, index: target }).catch((err: unknown) => log.warn({ err }, "could not announce the alias swap; serve follows at its next check")),
        },
      );
      await lock.release();
      return result;
    } catch (err) {
      if (err instanceof ReindexInterrupted) {
        log.info(err.message);
        // Back to the queue without spending an attempt; the lock stays ours for the resumed run.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError(err.message);
      }
      await lock.release().catch(() => undefined);
      if (err instanceof ReindexError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  #embedder(version: string): Promise<Embedder> {
    let loading = this.#embedders.get(version);
    if (!loading) {
      loading = loadEmbedder(modelVersionDir(this.#options.modelsDir, EMBEDDINGS_KIND, version));
      // A version that failed to load is tried again by the next job (it may have been copied in since).
      loading.catch(() => this.#embedders.delete(version)).catch(() => undefined);
      this.#embedders.set(version, loading);
    }
    return loading;
  }
}
