import { Command } from "commander";
import { loadConfig, redactUrlCredentials } from "../../config";
import { connectQueueRedis, JobWorker } from "../../jobs";
import { createRuntime } from "../../runtime";
import { positiveInt } from "../output";

/** Deadline of one OpenSearch call of a job: bulk writes of a batch and index administration take longer than a search. */
const JOB_CALL_TIMEOUT_MS = 60_000;

/** `relevance worker`: runs the rebuild queue's jobs in the foreground until SIGINT/SIGTERM. */
export function workerCommand(): Command {
  return new Command("worker")
    .description("run the rebuild queue's worker (foreground); SIGTERM checkpoints the running job, gives it back to the queue and exits")
    .option("--concurrency <n>", "jobs run at once (env JOBS_CONCURRENCY, default 1)", positiveInt("--concurrency"))
    .action(async (flags: { concurrency?: number }) => {
      const config = loadConfig(flags.concurrency ? { jobsConcurrency: flags.concurrency } : {});
      const runtime = createRuntime(config);
      const connection = connectQueueRedis(config.redisUrl);
      connection.on("error", (err: Error) => runtime.logger.debug({ err }, "queue redis connection error"));
      const worker = new JobWorker({
        connection,
        queueName: config.jobsQueue,
        gateway: runtime.gateway,
        modelsDir: config.modelsDir,
        logger: runtime.logger,
        concurrency: config.jobsConcurrency,
        lockMs: config.jobsLockMs,
        maxStalledCount: config.jobsAttempts,
        batchSize: config.reindexBatchSize,
        timeoutMs: Math.max(config.opensearchTimeoutMs, JOB_CALL_TIMEOUT_MS),
      });
      await worker.waitUntilReady();
      runtime.logger.info(
        { queue: config.jobsQueue, concurrency: config.jobsConcurrency, opensearch: redactUrlCredentials(config.opensearchUrl) },
        `worker running jobs of ${config.jobsQueue}`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      runtime.logger.info("worker stopping: the running batch is checkpointed, then the job goes back to the queue");
      await worker.close();
      connection.disconnect();
      await runtime.close();
    });
}
