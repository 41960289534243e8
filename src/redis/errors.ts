import { SidecarError } from "../errors";

/** Any failure talking to Redis. */
export abstract class RedisError extends SidecarError {}

export class RedisUnavailableError extends RedisError {
  readonly code = "REDIS_UNAVAILABLE" as const;
}
