import { type Redis } from "ioredis";
import { type EventType } from "../events";
import { type OpenSearchGateway } from "../opensearch";
import { asRedisError, LuaScript, readyRedis } from "../redis";
import { float32Bytes } from "./apply-script";
import { EVENT_WEIGHTS } from "./behaviour-options";
import { ItemFactsSource, type ItemFacts } from "./item-facts";
import { userKeyBase } from "./redis-keys";
import { decayRate } from "./time-decay";
import { MS_PER_DAY } from "../shared/time-units";

/**
 * Replaces users' interest vectors in one EVAL. ARGV[1] header JSON {p, pttl, users: [{u, d?, W?, n?}]}
 * (a user without `d` is cleared), ARGV[2] the model version, ARGV[3…] each rebuilt user's vector as
 * little-endian float32, in order. A user whose meta hash is gone (erased, expired) is skipped: a rebuild
 * never recreates a profile. The meta's `v` is bumped so cached profiles are read again.
 * Reply: {rebuilt, cleared, skipped}.
 */
const REPLACE_INTEREST_LUA = `
local H = cjson.decode(ARGV[1])
local mv = ARGV[2]
local rebuilt, cleared, skipped, vi = 0, 0, 0, 3
for _, u in ipairs(H.users) do
  local base = H.p .. 'u:' .. u.u .. ':'
  local meta = base .. 'm'
  local bytes = nil
  if u.d then bytes = ARGV[vi]; vi = vi + 1 end
  if redis.call('EXISTS', meta) == 0 then
    skipped = skipped + 1
  elseif bytes then
    redis.call('SET', base .. 'v', bytes, 'PX', H.pttl)
    redis.call('HSET', meta, 'vm', mv, 'vd', u.d, 'vw', u.W, 've', u.n)
    redis.call('HINCRBY', meta, 'v', 1)
    rebuilt = rebuilt + 1
  else
    redis.call('DEL', base .. 'v')
    redis.call('HDEL', meta, 'vm', 'vd', 'vw', 've')
    redis.call('HINCRBY', meta, 'v', 1)
    cleared = cleared + 1
  end
end
return { rebuilt, cleared, skipped }
`;

const REPLACE_INTEREST_SCRIPT = new LuaScript("replace-interest-vectors", REPLACE_INTEREST_LUA);

const USER_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Mirrors the apply script's clamp of decay exponents. */
const MAX_EXPONENT = 700;

/** One of a user's item interactions, as the events index stores it. */
export interface ItemInteraction {
  type: EventType;
  itemId: string;
  /** Epoch ms. */
  timestamp: number;
}

export interface InterestRebuildOptions {
  redis: Redis;
  gateway: OpenSearchGateway;
  /** Item vectors are read from the products alias (its live index must carry the model version rebuilt to). */
  productsAlias: string;
  /** The profiles' Redis key prefix. @defaultValue "rel:" */
  keyPrefix?: string;
  /** @defaultValue 30 */
  profileHalfLifeDays?: number;
  /** @defaultValue 180 */
  profileTtlDays?: number;
  /** Deadline of one item `_mget`. @defaultValue 30000 */
  timeoutMs?: number;
}

export interface InterestRebuildReport {
  rebuilt: number;
  cleared: number;
  skipped: number;
}

/**
 * Recomputes long-term interest vectors from users' whole stored interaction history with the item
 * vectors of one model version: the same weighted mean the events flow keeps incrementally (weight =
 * the event type's weight × `e^{λ(t − t0)}` against the profile's own epoch `t0`, items without a
 * vector of that version left out), so a rebuilt vector equals what ingesting the same events with
 * that model would have made.
 */
export class InterestRebuilder {
  readonly #redis: Redis;
  readonly #facts: ItemFactsSource;
  readonly #prefix: string;
  readonly #rate: number;
  readonly #ttlMs: number;

  constructor(options: InterestRebuildOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? "rel:";
    this.#rate = decayRate(options.profileHalfLifeDays ?? 30);
    this.#ttlMs = Math.round((options.profileTtlDays ?? 180) * MS_PER_DAY);
    // No cache worth keeping across batches of a rebuild: every item is read once per batch.
    this.#facts = new ItemFactsSource({ gateway: options.gateway, productsAlias: options.productsAlias, cacheSize: 1, ttlMs: 1, timeoutMs: options.timeoutMs ?? 30_000 });
  }

  /** Rebuilds the vectors of these users (pseudonymized keys) from their interactions, with vectors of `model`. */
  async rebuild(users: ReadonlyMap<string, readonly ItemInteraction[]>, model: { version: string; dimension: number }): Promise<InterestRebuildReport> {
    if (users.size === 0) return { rebuilt: 0, cleared: 0, skipped: 0 };
    const keys = [...users.keys()];
    const epochs = await this.#epochs(keys);
    const itemIds = [...new Set([...users.values()].flatMap((events) => events.map((event) => event.itemId)))];
    const facts = itemIds.length > 0 ? await this.#facts.factsFor(itemIds) : new Map<string, ItemFacts | null>();
    const header: { p: string; pttl: number; users: { u: string; d?: number; W?: number; n?: number }[] } = { p: this.#prefix, pttl: this.#ttlMs, users: [] };
    const vectors: Buffer[] = [];
    let skippedBefore = 0;
    for (const key of keys) {
      const t0 = epochs.get(key);
      // Only pseudonymized keys name Redis keys (the sink's rule); anything else has no profile to rebuild.
      if (t0 === undefined || !USER_KEY.test(key)) {
        skippedBefore += 1;
        continue;
      }
      const events = [...(users.get(key) ?? [])].sort((a, b) => a.timestamp - b.timestamp);
      let mean: Float64Array | null = null;
      let total = 0;
      let count = 0;
      for (const event of events) {
        const item = facts.get(event.itemId);
        const weight = EVENT_WEIGHTS[event.type];
        if (!item?.embedding || item.modelVersion !== model.version || item.embedding.length !== model.dimension || weight <= 0) continue;
        const exponent = Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, this.#rate * (event.timestamp - t0)));
        const w = weight * Math.exp(exponent);
        // The apply script's running mean, step for step: the first item, then mean += a·(x − mean).
        if (mean === null) mean = Float64Array.from(item.embedding);
        else {
          const a = w / (total + w);
          for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] ?? 0) + a * ((item.embedding[i] ?? 0) - (mean[i] ?? 0));
        }
        total += w;
        count += 1;
      }
      if (mean === null) header.users.push({ u: key });
      else {
        header.users.push({ u: key, d: model.dimension, W: total, n: count });
        vectors.push(float32Bytes(Float32Array.from(mean)));
      }
    }
    if (header.users.length === 0) return { rebuilt: 0, cleared: 0, skipped: skippedBefore };
    const reply = await REPLACE_INTEREST_SCRIPT.run(this.#redis, [], [JSON.stringify(header), model.version, ...vectors]);
    const [rebuilt, cleared, skipped] = Array.isArray(reply) ? reply.map((x) => (typeof x === "number" ? x : 0)) : [];
    return { rebuilt: rebuilt ?? 0, cleared: cleared ?? 0, skipped: (skipped ?? 0) + skippedBefore };
  }

  /** Each user's profile epoch `t0` (absent: no profile). */
  async #epochs(keys: readonly string[]): Promise<Map<string, number>> {
    await readyRedis(this.#redis);
    let results: [Error | null, unknown][] | null;
    try {
      results = await keys.reduce((pipeline, key) => pipeline.hget(`${userKeyBase(this.#prefix, key)}m`, "t0"), this.#redis.pipeline()).exec();
    } catch (err) {
      throw asRedisError(err, "read profile epochs");
    }
    const epochs = new Map<string, number>();
    (results ?? []).forEach(([err, value], i) => {
      const key = keys[i];
      const t0 = typeof value === "string" ? Number(value) : NaN;
      if (!err && key !== undefined && Number.isFinite(t0)) epochs.set(key, t0);
    });
    return epochs;
  }
}
