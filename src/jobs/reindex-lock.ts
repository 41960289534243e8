import { type Redis } from "ioredis";
import { asRedisError } from "../redis";
import { ReindexRunningError } from "./job-errors";

/** Releases the lock only when it is still ours (a lock that expired and was taken by another job is left alone). */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/** The Redis key of an alias's reindex lock. */
export function reindexLockKey(alias: string): string {
  return `relevance:reindex-lock:${alias}`;
}

/**
 * At most one reindex of an alias at a time: the job holds `relevance:reindex-lock:<alias>` (value: its
 * job id) and renews it on every batch. The same job id may take it again, so a job resumed after its
 * worker was killed continues; another job is refused with the holder's id.
 */
export class ReindexLock {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #owner: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, alias: string, owner: string, ttlMs: number) {
    if (owner === "") throw new RangeError("a reindex lock needs the job id that owns it");
    if (!Number.isInteger(ttlMs) || ttlMs < 1000) throw new RangeError(`reindex lock ttl must be at least 1000 ms, got ${ttlMs}`);
    this.#redis = redis;
    this.#key = reindexLockKey(alias);
    this.#owner = owner;
    this.#ttlMs = ttlMs;
  }

  async acquire(): Promise<void> {
    try {
      const taken = await this.#redis.set(this.#key, this.#owner, "PX", this.#ttlMs, "NX");
      if (taken === "OK") return;
      const holder = await this.#redis.get(this.#key);
      if (holder === this.#owner) {
        await this.#redis.pexpire(this.#key, this.#ttlMs);
        return;
      }
      if (holder === null) return this.acquire();
      throw new ReindexRunningError(`another reindex of this alias is running (job ${holder})`, { details: { job: holder } });
    } catch (err) {
      if (err instanceof ReindexRunningError) throw err;
      throw asRedisError(err, "reindex lock");
    }
  }

  /** Extends the lock; called after each batch. */
  async renew(): Promise<void> {
    try {
      await this.#redis.set(this.#key, this.#owner, "PX", this.#ttlMs, "XX");
    } catch (err) {
      throw asRedisError(err, "reindex lock");
    }
  }

  async release(): Promise<void> {
    try {
      await this.#redis.eval(RELEASE, 1, this.#key, this.#owner);
    } catch (err) {
      throw asRedisError(err, "reindex lock");
    }
  }
}
