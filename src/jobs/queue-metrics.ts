import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { type Logger } from "pino";
import { type JobQueue } from "./job-queue";

export interface QueueMetricsOptions {
  registry: Registry;
  /** The rebuild queue, asked for on the first scrape. */
  queue: () => JobQueue;
  logger: Logger;
  /** A scrape waits this long for the queue at most (its connection waits through Redis outages). @defaultValue 1000 */
  timeoutMs?: number;
  /**
   * Where durations and failures come from: `scraped` — the jobs any worker finished since the previous
   * scrape, read from the queue (`serve`, which runs no job); `observed` — only what this process
   * reports through the returned `observe` (a worker, whose own jobs are the ones to count). @defaultValue "scraped"
   */
  finished?: "scraped" | "observed";
  /** `scraped`: jobs finished before this (epoch ms) are not counted. @defaultValue now */
  since?: number;
}

export interface QueueMetrics {
  /** Counts a job this process finished (`finished: "observed"`). */
  observe(type: string, outcome: "completed" | "failed", seconds: number): void;
}

/**
 * The rebuild queue in a Prometheus registry: `relevance_jobs{type,state}` (the depth, read from Redis at
 * each scrape), `relevance_job_duration_seconds{type,outcome}` and `relevance_job_failures_total{type}`.
 * A scrape that cannot reach Redis keeps the last figures (logged) rather than failing `/metrics`.
 */
export function registerQueueMetrics(options: QueueMetricsOptions): QueueMetrics {
  const { registry, logger } = options;
  const scraped = (options.finished ?? "scraped") === "scraped";
  let since = options.since ?? Date.now();
  // prom-client collects a scrape's metrics concurrently: they share one read of the queue per scrape.
  let reading: Promise<void> | null = null;
  const read = (): Promise<void> => {
    reading ??= readQueue().finally(() => {
      reading = null;
    });
    return reading;
  };
  const depth = new Gauge({
    name: "relevance_jobs",
    help: "Rebuild queue jobs per type (reindex, embed-documents, rebuild-profiles) and state (waiting, active, delayed, prioritized, failed)",
    labelNames: ["type", "state"] as const,
    registers: [registry],
    collect: read,
  });
  const durations = new Histogram({
    name: "relevance_job_duration_seconds",
    help: "Duration of the rebuild queue's finished jobs (last attempt, from start to finish), by type and outcome",
    labelNames: ["type", "outcome"] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [registry],
    ...(scraped ? { collect: read } : {}),
  });
  const failures = new Counter({
    name: "relevance_job_failures_total",
    help: "Rebuild queue jobs that failed for good (attempts spent, or unrecoverable: the dead letters), by type",
    labelNames: ["type"] as const,
    registers: [registry],
    ...(scraped ? { collect: read } : {}),
  });
  const observe = (type: string, outcome: "completed" | "failed", seconds: number): void => {
    durations.observe({ type, outcome }, seconds);
    if (outcome === "failed") failures.inc({ type });
  };

  async function readQueue(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the rebuild queue did not answer in time")), options.timeoutMs ?? 1000);
    });
    try {
      const queue = options.queue();
      const [counts, finished] = await Promise.race([Promise.all([queue.countsByType(), scraped ? queue.finishedSince(since) : Promise.resolve([])]), timeout]);
      for (const { type, state, count } of counts) depth.set({ type, state }, count);
      for (const job of finished) {
        observe(job.type, job.outcome, job.seconds);
        since = Math.max(since, job.finishedOn);
      }
    } catch (err) {
      logger.warn({ err }, "cannot read the rebuild queue for /metrics");
    } finally {
      clearTimeout(timer);
    }
  }
  return { observe };
}
