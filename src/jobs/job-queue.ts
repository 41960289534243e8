import { Queue } from "bullmq";
import { type Redis } from "ioredis";
import { asRedisError } from "../redis";
import { type JobData, type ReindexJobData, type ReindexResult } from "./job-types";
import { toJobView, type JobView } from "./job-view";

export interface JobQueueOptions {
  /** A connection made by `connectQueueRedis` (BullMQ needs `maxRetriesPerRequest: null`). */
  connection: Redis;
  /** Queue name (JOBS_QUEUE). */
  name: string;
  /** Attempts before a job lands in the failed set. @defaultValue 5 */
  attempts?: number;
  /** First retry delay, doubled on each later retry. @defaultValue 5000 */
  backoffMs?: number;
}

export interface Enqueued {
  id: string;
  /** False when a reindex of the alias was already queued or running: `id` is that job's. */
  created: boolean;
}

/** Finished jobs kept for `GET /v1/jobs`; failed ones are the dead letters and are kept longer. */
const KEEP_COMPLETED = 1000;
const KEEP_FAILED = 5000;

/** The rebuild queue: enqueue, list and look jobs up. Workers run them (`JobWorker`). */
export class JobQueue {
  readonly name: string;
  readonly #queue: Queue<JobData, ReindexResult>;
  readonly #attempts: number;
  readonly #backoffMs: number;

  constructor(options: JobQueueOptions) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(options.name)) throw new RangeError(`queue name must be 1–100 characters of A–Z a–z 0–9 . _ -, got "${options.name}"`);
    this.name = options.name;
    this.#attempts = options.attempts ?? 5;
    this.#backoffMs = options.backoffMs ?? 5000;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${this.#attempts}`);
    this.#queue = new Queue<JobData, ReindexResult>(options.name, { connection: options.connection });
  }

  /**
   * Enqueues a reindex of `alias` to `modelVersion`. At most one per alias: BullMQ's deduplication keeps
   * the key until that job completes or fails, so a second request answers the running job's id.
   */
  async enqueueReindex(alias: string, modelVersion: string): Promise<Enqueued> {
    const data: ReindexJobData = { type: "reindex", alias, modelVersion };
    try {
      const dedupId = `reindex:${alias}`;
      const existing = await this.#queue.getDeduplicationJobId(dedupId);
      const job = await this.#queue.add("reindex", data, {
        deduplication: { id: dedupId },
        attempts: this.#attempts,
        backoff: { type: "exponential", delay: this.#backoffMs },
        removeOnComplete: { count: KEEP_COMPLETED },
        removeOnFail: { count: KEEP_FAILED },
      });
      const id = job.id ?? "";
      return { id, created: existing === null || existing !== id };
    } catch (err) {
      throw asRedisError(err, "enqueue reindex");
    }
  }

  async get(id: string): Promise<JobView | null> {
    try {
      const job = await this.#queue.getJob(id);
      return job ? await toJobView(job) : null;
    } catch (err) {
      throw asRedisError(err, "read job");
    }
  }

  /** Newest first, every state. */
  async list(limit = 50): Promise<JobView[]> {
    try {
      const jobs = await this.#queue.getJobs(["active", "waiting", "delayed", "prioritized", "completed", "failed"], 0, Math.max(0, limit - 1), false);
      const views = await Promise.all(jobs.map((job) => toJobView(job)));
      return views.sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, limit);
    } catch (err) {
      throw asRedisError(err, "list jobs");
    }
  }

  /** The dead letters: jobs whose attempts are spent, with the failure reason. */
  async failed(limit = 50): Promise<JobView[]> {
    try {
      const jobs = await this.#queue.getFailed(0, Math.max(0, limit - 1));
      return await Promise.all(jobs.map((job) => toJobView(job)));
    } catch (err) {
      throw asRedisError(err, "list failed jobs");
    }
  }

  /** Removes the queue's keys (tests). */
  async obliterate(): Promise<void> {
    await this.#queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}
