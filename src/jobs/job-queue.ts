import { Queue } from "bullmq";
import { type Redis } from "ioredis";
import { asRedisError } from "../redis";
import { JOB_TYPES, type JobData, type JobResult, type ReindexJobData } from "./job-types";
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
  /** False when a deduplicated job (a reindex of the alias, a profile rebuild) was already queued or running: `id` is that job's. */
  created: boolean;
}

/** The states `/metrics` reports the queue's depth in. */
export const QUEUE_DEPTH_STATES = ["waiting", "active", "delayed", "prioritized", "failed"] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];

/** Jobs of one state whose type `/metrics` reads (one pipeline of HGETs); the rest count as `other`. */
const MAX_TYPED_PER_STATE = 10_000;

/** The deduplication key of a job, or null when jobs of its type may run side by side. */
function deduplicationKey(data: JobData): string | null {
  if (data.type === "reindex") return `reindex:${data.alias}`;
  if (data.type === "rebuild-profiles") return `rebuild-profiles:${data.keyPrefix}:${data.modelVersion}`;
  return null;
}

/** Finished jobs kept for `GET /v1/jobs`; failed ones are the dead letters and are kept longer. */
const KEEP_COMPLETED = 1000;
const KEEP_FAILED = 5000;

/** The rebuild queue: enqueue, list and look jobs up. Workers run them (`JobWorker`). */
export class JobQueue {
  readonly name: string;
  readonly #queue: Queue<JobData, JobResult>;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #connection: Redis;

  constructor(options: JobQueueOptions) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(options.name)) throw new RangeError(`queue name must be 1–100 characters of A–Z a–z 0–9 . _ -, got "${options.name}"`);
    this.name = options.name;
    this.#attempts = options.attempts ?? 5;
    this.#backoffMs = options.backoffMs ?? 5000;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${this.#attempts}`);
    this.#connection = options.connection;
    this.#queue = new Queue<JobData, JobResult>(options.name, { connection: options.connection });
  }

  /**
   * Enqueues a reindex of `alias` to `modelVersion` (with `followUp`, a `rebuild-profiles` is enqueued
   * when it completes). At most one per alias: BullMQ's deduplication keeps the key until that job
   * completes or fails, so a second request answers the running job's id.
   */
  async enqueueReindex(alias: string, modelVersion: string, followUp?: ReindexJobData["followUp"]): Promise<Enqueued> {
    return this.enqueue({ type: "reindex", alias, modelVersion, ...(followUp ? { followUp } : {}) });
  }

  /**
   * Enqueues a job; its data (an async enrichment's documents included) lives in Redis until a worker
   * completes it, so nothing is lost while no worker runs. `reindex` is deduplicated per alias and
   * `rebuild-profiles` per profile key prefix and version: `created` false answers the queued job's id.
   */
  async enqueue(data: JobData): Promise<Enqueued> {
    const dedupId = deduplicationKey(data);
    try {
      const existing = dedupId === null ? null : await this.#queue.getDeduplicationJobId(dedupId);
      const job = await this.#queue.add(data.type, data, {
        ...(dedupId === null ? {} : { deduplication: { id: dedupId } }),
        attempts: this.#attempts,
        backoff: { type: "exponential", delay: this.#backoffMs },
        removeOnComplete: { count: KEEP_COMPLETED },
        removeOnFail: { count: KEEP_FAILED },
      });
      const id = job.id ?? "";
      return { id, created: existing === null || existing !== id };
    } catch (err) {
      throw asRedisError(err, `enqueue ${data.type}`);
    }
  }

  async get(id: string): Promise<JobView | null> {
    try {
      // State first: a job seen finished is then read with its final failure reason and result.
      const state = await this.#queue.getJobState(id);
      const job = await this.#queue.getJob(id);
      return job ? await toJobView(job, state === "unknown" ? undefined : state) : null;
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

  /** Jobs per state now (the queue's depth). */
  async counts(): Promise<Record<QueueDepthState, number>> {
    try {
      const counts = await this.#queue.getJobCounts(...QUEUE_DEPTH_STATES);
      return Object.fromEntries(QUEUE_DEPTH_STATES.map((state) => [state, counts[state] ?? 0])) as Record<QueueDepthState, number>;
    } catch (err) {
      throw asRedisError(err, "count jobs");
    }
  }

  /**
   * Jobs per state and type now. BullMQ counts per state only, so each state's job ids are read and
   * their names fetched in one pipeline; beyond {@link MAX_TYPED_PER_STATE} jobs of a state the rest
   * are counted under type `other`.
   */
  async countsByType(): Promise<{ type: string; state: QueueDepthState; count: number }[]> {
    try {
      const totals = await this.counts();
      const rows: { type: string; state: QueueDepthState; count: number }[] = [];
      for (const state of QUEUE_DEPTH_STATES) {
        const perType = new Map<string, number>(JOB_TYPES.map((type): [string, number] => [type, 0]));
        const ids = totals[state] === 0 ? [] : await this.#queue.getRanges([state], 0, MAX_TYPED_PER_STATE - 1, true);
        const names = ids.length === 0 ? [] : ((await ids.reduce((pipeline, id) => pipeline.hget(this.#queue.toKey(id), "name"), this.#connection.pipeline()).exec()) ?? []);
        for (const [err, name] of names) {
          const type = !err && typeof name === "string" ? name : "other";
          perType.set(type, (perType.get(type) ?? 0) + 1);
        }
        const untyped = Math.max(0, totals[state] - ids.length);
        if (untyped > 0) perType.set("other", (perType.get("other") ?? 0) + untyped);
        for (const [type, count] of perType) rows.push({ type, state, count });
      }
      return rows;
    } catch (err) {
      throw asRedisError(err, "count jobs by type");
    }
  }

  /** Jobs that completed or failed after `sinceMs` (epoch ms), among the newest `limit` of each set. */
  async finishedSince(sinceMs: number, limit = 100): Promise<{ type: string; outcome: "completed" | "failed"; finishedOn: number; seconds: number }[]> {
    try {
      const [completed, failed] = await Promise.all([this.#queue.getCompleted(0, limit - 1), this.#queue.getFailed(0, limit - 1)]);
      const finished = [
        ...completed.map((job) => ({ job, outcome: "completed" as const })),
        ...failed.map((job) => ({ job, outcome: "failed" as const })),
      ];
      return finished
        .filter(({ job }) => (job.finishedOn ?? 0) > sinceMs)
        .map(({ job, outcome }) => ({
          type: job.name,
          outcome,
          finishedOn: job.finishedOn ?? 0,
          seconds: Math.max(0, ((job.finishedOn ?? 0) - (job.processedOn ?? job.timestamp)) / 1000),
        }));
    } catch (err) {
      throw asRedisError(err, "read finished jobs");
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
