import { createHash } from "node:crypto";
import { type Redis, ReplyError } from "ioredis";
import { RedisUnavailableError } from "./errors";

/** ioredis re-exports redis-errors' class untyped; this gives it a type for `instanceof`. */
const ReplyErrorClass = ReplyError as new (...args: never[]) => Error;

export type LuaArgument = string | number | Buffer;
/** A script's reply with bulk strings kept as bytes (binary-safe). */
export type LuaReply = Buffer | number | null | LuaReply[];

/**
 * A Lua script run with EVALSHA (falling back to EVAL when the server does not have it cached), so
 * each run is exactly one command and one round trip. Connection failures become
 * {@link RedisUnavailableError}; an error raised by Redis itself (a script bug, OOM) is rethrown as is.
 */
export class LuaScript {
  readonly name: string;
  readonly sha: string;
  readonly #source: string;

  constructor(name: string, source: string) {
    if (source.trim() === "") throw new TypeError(`Lua script "${name}" is empty`);
    this.name = name;
    this.#source = source;
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  /** Runs the script with `keys` and `args`; the reply keeps bulk strings as Buffers. */
  async run(redis: Redis, keys: readonly string[], args: readonly LuaArgument[]): Promise<LuaReply> {
    await readyRedis(redis);
    try {
      try {
        return (await redis.callBuffer("EVALSHA", this.sha, keys.length, ...keys, ...args)) as LuaReply;
      } catch (err) {
        if (!(err instanceof ReplyErrorClass) || !err.message.startsWith("NOSCRIPT")) throw err;
        return (await redis.callBuffer("EVAL", this.#source, keys.length, ...keys, ...args)) as LuaReply;
      }
    } catch (err) {
      throw asRedisError(err, `script ${this.name}`);
    }
  }
}

/**
 * Resolves once `redis` can take commands: connects a lazy connection, waits briefly for one that is
 * connecting, and fails at once while it is down (commands never queue behind a reconnect loop).
 */
export async function readyRedis(redis: Redis, waitMs = 1000): Promise<void> {
  if (redis.status === "ready") return;
  try {
    if (redis.status === "wait") {
      await redis.connect();
      return;
    }
    if (redis.status === "connecting" || redis.status === "connect") {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`not ready after ${waitMs} ms`)), waitMs);
        const onReady = () => finish();
        const onClose = () => finish(new Error("connection closed"));
        const finish = (err?: Error) => {
          clearTimeout(timer);
          redis.off("ready", onReady);
          redis.off("close", onClose);
          if (err) reject(err);
          else resolve();
        };
        redis.once("ready", onReady);
        redis.once("close", onClose);
      });
      return;
    }
  } catch (err) {
    throw asRedisError(err, "connect");
  }
  throw new RedisUnavailableError(`Redis is unreachable (connection ${redis.status})`);
}

/** Connection-level failures → {@link RedisUnavailableError}; Redis' own error replies pass through. */
export function asRedisError(err: unknown, what: string): Error {
  if (err instanceof RedisUnavailableError || err instanceof ReplyErrorClass) return err;
  return new RedisUnavailableError(`Redis is unreachable (${what}: ${err instanceof Error ? err.message : String(err)})`, { cause: err });
}
