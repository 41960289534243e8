import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { type Logger } from "pino";
import { QUEUE_DEPTH_STATES, type JobQueue } from "../jobs";

export interface QueueMetricsOptions {
  registry: Registry;
  /** The rebuild queue, asked for on the first scrape. */
  queue: () => JobQueue;
  logger: Logger;
  /** A scrape waits this long for the queue at most (its connection waits through Redis outages). @defaultValue 1000 */
  timeoutMs?: number;
  /** Jobs finished before this (epoch ms) are not counted. @defaultValue now: each process counts what finishes while it runs */
  since?: number;
}

/**
 * The rebuild queue on `/metrics`, read from Redis at each scrape (prom-client `collect`): depth per
 * state, durations and failures of the jobs finished since the previous scrape. A scrape that cannot
 * reach Redis keeps the last figures (logged) rather than failing `/metrics`.
 */
export function registerQueueMetrics(options: QueueMetricsOptions): void {
  const { registry, logger } = options;
  let since = options.since ?? Date.now();
  // prom-client collects a scrape's metrics concurrently: the three share one read of the queue per scrape.
  let reading: Promise<void> | null = null;
  const read = (): Promise<void> => {
    reading ??= readQueue().finally(() => {
      reading = null;
    });
    return reading;
  };
  const depth = new Gauge({
    name: "relevance_jobs",
    help: "Rebuild queue jobs per state (waiting, active, delayed, prioritized, failed); every job is of type reindex so far",
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
    collect: read,
  });
  const failures = new Counter({
    name: "relevance_job_failures_total",
    help: "Rebuild queue jobs that failed for good (attempts spent: the dead letters), by type",
    labelNames: ["type"] as const,
    registers: [registry],
    collect: read,
  });

  async function readQueue(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the rebuild queue did not answer in time")), options.timeoutMs ?? 1000);
    });
    try {
      const queue = options.queue();
      const [counts, finished] = await Promise.race([Promise.all([queue.counts(), queue.finishedSince(since)]), timeout]);
      for (const state of QUEUE_DEPTH_STATES) depth.set({ type: "reindex", state }, counts[state]);
      for (const job of finished) {
        durations.observe({ type: job.type, outcome: job.outcome }, job.seconds);
        if (job.outcome === "failed") failures.inc({ type: job.type });
        since = Math.max(since, job.finishedOn);
      }
    } catch (err) {
      logger.warn({ err }, "cannot read the rebuild queue for /metrics");
    } finally {
      clearTimeout(timer);
    }
  }
}
