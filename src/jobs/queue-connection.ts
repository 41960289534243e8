import { Redis } from "ioredis";

/**
 * BullMQ's own Redis connection: unlike the sidecar's fail-fast one, it must wait through reconnects
 * (`maxRetriesPerRequest: null`) because a worker blocks on Redis for its next job.
 */
export function connectQueueRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}
