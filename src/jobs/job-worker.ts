import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import { type Redis } from "ioredis";
import { type Logger } from "pino";
import { EMBEDDINGS_KIND, loadEmbedder, ModelError, modelVersionDir, type Embedder } from "../model";
import { type OpenSearchGateway } from "../opensearch";
import { ReindexError } from "./job-errors";
import { JobInterrupted, type JobContext, type ProcessorRegistry } from "./job-processor";
import { JobQueue } from "./job-queue";
import { JOB_TYPES, type JobData, type JobResult, type JobType, type JobTypeMap } from "./job-types";
import { createProcessors } from "./processors";

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
  /** Documents (or users) per batch of a job. @defaultValue 500 */
  batchSize?: number;
  /** Deadline of one OpenSearch call of a job. @defaultValue 60000 */
  timeoutMs?: number;
  /** Wait after the alias swap before the final catch-up. @defaultValue 1000 */
  swapGraceMs?: number;
  /** Attempts and first back-off of the follow-up jobs this worker enqueues. @defaultValue 5 and 5000 */
  attempts?: number;
  backoffMs?: number;
  /** Told of every job that finishes (metrics). */
  onFinished?: (type: string, outcome: "completed" | "failed", seconds: number) => void;
  /** Start taking jobs at once. @defaultValue true */
  autorun?: boolean;
}

/** Runs one job with the processor of its type (a generic function keeps data, checkpoint and result of one type together). */
function dispatch<T extends JobType>(processors: ProcessorRegistry, data: JobTypeMap[T]["data"] & { type: T }, context: JobContext<T>): Promise<JobTypeMap[T]["result"]> {
  const processor: ProcessorRegistry[T] = processors[data.type];
  return processor.run(data, context);
}

const isJobType = (name: string): name is JobType => (JOB_TYPES as readonly string[]).includes(name);

/**
 * Runs the queue's jobs with bounded concurrency, each by the processor registered for its type.
 * `close()` is the graceful stop (SIGTERM): a running job finishes its current batch, checkpoints it,
 * goes back to the queue (delayed, not failed, no attempt spent) and the worker exits; the next worker
 * resumes from the checkpoint.
 */
export class JobWorker {
  readonly #options: JobWorkerOptions;
  readonly #worker: Worker<JobData, JobResult>;
  readonly #queue: JobQueue;
  readonly #processors: ProcessorRegistry;
  readonly #embedders = new Map<string, Promise<Embedder>>();
  #stopping = false;

  constructor(options: JobWorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`worker concurrency must be a positive integer, got ${concurrency}`);
    const lockMs = options.lockMs ?? 30_000;
    if (!Number.isInteger(lockMs) || lockMs < 1000) throw new RangeError(`job lock must be at least 1000 ms, got ${lockMs}`);
    this.#options = options;
    this.#queue = new JobQueue({
      connection: options.connection,
      name: options.queueName,
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    });
    this.#processors = createProcessors({
      gateway: options.gateway,
      redis: options.connection,
      queue: this.#queue,
      embedder: (version) => this.#embedder(version),
      batchSize: options.batchSize ?? 500,
      timeoutMs: options.timeoutMs ?? 60_000,
      swapGraceMs: options.swapGraceMs,
    });
    this.#worker = new Worker<JobData, JobResult>(options.queueName, (job, token) => this.#process(job, token), {
      connection: options.connection,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: options.maxStalledCount ?? 5,
      autorun: options.autorun ?? true,
    });
    const seconds = (job: Job) => Math.max(0, ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000);
    this.#worker.on("failed", (job, err) => {
      options.logger.error({ err, job: job?.id, type: job?.name, attempts: job?.attemptsMade }, `job ${job?.id ?? "?"} failed: ${err.message}`);
      // Only a failure for good counts: attempts spent, or a job that cannot succeed (a retried one is not failed yet).
      const final = err instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
      if (job && final) options.onFinished?.(job.name, "failed", seconds(job));
    });
    this.#worker.on("completed", (job) => {
      options.logger.info({ job: job.id, type: job.name, result: job.returnvalue }, `job ${job.id ?? "?"} completed`);
      options.onFinished?.(job.name, "completed", seconds(job));
    });
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
    await this.#queue.close();
    for (const loading of this.#embedders.values()) {
      const embedder = await loading.catch(() => null);
      embedder?.dispose();
    }
  }

  async #process(job: Job<JobData, JobResult>, token: string | undefined): Promise<JobResult> {
    const type = job.data.type;
    if (job.name !== type || !isJobType(type)) throw new UnrecoverableError(`unknown job type "${job.name}"`);
    const log = this.#options.logger.child({ job: job.id, type });
    const context: JobContext<typeof type> = {
      id: job.id ?? "",
      checkpoint: job.data.checkpoint,
      save: async (checkpoint) => {
        await job.updateData({ ...job.data, checkpoint } as JobData);
      },
      progress: async (progress) => {
        await job.updateProgress(progress);
      },
      shouldStop: () => this.#stopping,
      log,
    };
    try {
      return await dispatch(this.#processors, job.data, context);
    } catch (err) {
      if (err instanceof JobInterrupted) {
        log.info(err.message);
        // Back to the queue without spending an attempt.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError(err.message);
      }
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
    // A model that cannot load fails its job for good: another attempt would load the same files.
    return loading.catch((err: unknown) => {
      throw err instanceof ModelError ? new UnrecoverableError(err.message) : err;
    });
  }
}
