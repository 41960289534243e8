import { Command } from "commander";
import { collectDefaultMetrics, Registry } from "prom-client";
import { loadConfig, redactUrlCredentials, type ConfigOverrides } from "../../config";
import { JobWorker, openJobQueue, registerQueueMetrics, startMetricsServer, type MetricsServer } from "../../jobs";
import { createRuntime } from "../../runtime";
import { positiveInt } from "../output";

/** Deadline of one OpenSearch call of a job: bulk writes of a batch and index administration take longer than a search. */
const JOB_CALL_TIMEOUT_MS = 60_000;

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--metrics-port must be 0–65535, got "${value}"`);
  return port;
}

/** `relevance worker`: runs the rebuild queue's jobs in the foreground until SIGINT/SIGTERM. */
export function workerCommand(): Command {
  return new Command("worker")
    .description("run the rebuild queue's worker (foreground); SIGTERM checkpoints the running job, gives it back to the queue and exits")
    .option("--concurrency <n>", "jobs run at once (env JOBS_CONCURRENCY, default 1)", positiveInt("--concurrency"))
    .option("--metrics-port <n>", "serve GET /metrics on this port, 0 = off (env WORKER_METRICS_PORT, default 0)", portNumber)
    .action(async (flags: { concurrency?: number; metricsPort?: number }) => {
      const overrides: ConfigOverrides = {
        ...(flags.concurrency ? { jobsConcurrency: flags.concurrency } : {}),
        ...(flags.metricsPort === undefined ? {} : { workerMetricsPort: flags.metricsPort }),
      };
      const config = loadConfig(overrides);
      const runtime = createRuntime(config);
      // The worker runs on the queue's connection; the queue itself is read for its depth per type.
      const opened = openJobQueue(config, runtime.logger);
      // Queue depth per type is read from Redis at each scrape; durations and failures are this worker's own jobs.
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const metrics = registerQueueMetrics({ registry, queue: () => opened.queue, logger: runtime.logger, finished: "observed" });
      const worker = new JobWorker({
        connection: opened.connection,
        queueName: config.jobsQueue,
        gateway: runtime.gateway,
        modelsDir: config.modelsDir,
        logger: runtime.logger,
        concurrency: config.jobsConcurrency,
        lockMs: config.jobsLockMs,
        maxStalledCount: config.jobsAttempts,
        batchSize: config.reindexBatchSize,
        timeoutMs: Math.max(config.opensearchTimeoutMs, JOB_CALL_TIMEOUT_MS),
        attempts: config.jobsAttempts,
        backoffMs: config.jobsBackoffMs,
        onFinished: (type, outcome, seconds) => metrics.observe(type, outcome, seconds),
      });
      await worker.waitUntilReady();
      let server: MetricsServer | null = null;
      if (config.workerMetricsPort > 0) server = await startMetricsServer(registry, config.workerMetricsPort, config.host);
      runtime.logger.info(
        { queue: config.jobsQueue, concurrency: config.jobsConcurrency, opensearch: redactUrlCredentials(config.opensearchUrl), metricsPort: server?.port ?? null },
        `worker running jobs of ${config.jobsQueue}${server ? `; GET /metrics on ${config.host}:${server.port}` : ""}`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      runtime.logger.info("worker stopping: the running batch is checkpointed, then the job goes back to the queue");
      await worker.close();
      await server?.close();
      await opened.close();
      await runtime.close();
    });
}
