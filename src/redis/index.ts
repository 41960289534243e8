export { connectRedis, pingRedis } from "./redis-connection";
export type { RedisConnectionOptions } from "./redis-connection";
export { RedisError, RedisUnavailableError } from "./errors";
