import { Redis } from "ioredis";
import { RedisUnavailableError } from "./errors";

export interface RedisConnectionOptions {
  url: string;
  /** Deadline for one command. @defaultValue 1000 */
  commandTimeoutMs?: number;
}

/**
 * The sidecar's Redis connection. Commands fail fast while Redis is down (no offline queue), so a
 * request never waits on a reconnect loop; the caller decides whether that is degraded or fatal.
 */
export function connectRedis(options: RedisConnectionOptions): Redis {
  return new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

/** Round-trips a PING; any failure becomes a {@link RedisUnavailableError}. */
export async function pingRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === "wait") await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new RedisUnavailableError(`Redis is unreachable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
