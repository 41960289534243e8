import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { JobQueue } from "./job-queue";
import { connectQueueRedis } from "./queue-connection";

/** A queue with its own connection, closed together. */
export interface OpenedJobQueue {
  readonly queue: JobQueue;
  readonly connection: ReturnType<typeof connectQueueRedis>;
  close(): Promise<void>;
}

/**
 * The rebuild queue as the config says (JOBS_QUEUE on REDIS_URL, JOBS_ATTEMPTS, JOBS_BACKOFF_MS), on a
 * connection of its own: the one way `serve`, `models promote`, `jobs` and the benches open it.
 */
export function openJobQueue(config: Pick<SidecarConfig, "redisUrl" | "jobsQueue" | "jobsAttempts" | "jobsBackoffMs">, logger?: Logger): OpenedJobQueue {
  const connection = connectQueueRedis(config.redisUrl);
  connection.on("error", (err: Error) => logger?.debug({ err }, "queue redis connection error"));
  const queue = new JobQueue({ connection, name: config.jobsQueue, attempts: config.jobsAttempts, backoffMs: config.jobsBackoffMs });
  return {
    queue,
    connection,
    close: async () => {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
