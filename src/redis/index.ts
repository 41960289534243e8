export { connectRedis, pingRedis } from "./redis-connection";
export type { RedisConnectionOptions } from "./redis-connection";
export { RedisError, RedisUnavailableError } from "./errors";
export { LuaScript, readyRedis, asRedisError } from "./lua-script";
export type { LuaArgument, LuaReply } from "./lua-script";
