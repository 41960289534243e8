import { type Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { type BehaviourEvent, type BehaviourSink } from "../events";
import { type OpenSearchGateway } from "../opensearch";
import { asRedisError, readyRedis } from "../redis";
import { APPLY_EVENTS_SCRIPT, float32Bytes, type ScriptEvent, type ScriptHeader } from "./apply-script";
import { EVENT_WEIGHTS, resolveBehaviourOptions, type BehaviourOptions, type ResolvedBehaviourOptions } from "./behaviour-options";
import {
  TYPE_CODES,
  candidateRawSignals,
  decodeQuerySignals,
  decodeReadReply,
  profileAt,
  signalsAt,
  type BehaviourReader,
  type BehaviourSignals,
  type InterestVector,
  type QuerySignals,
  type StoredProfile,
  type UserProfile,
} from "./behaviour-reads";
import { ItemFactsSource, type ItemFacts } from "./item-facts";
import { READ_BEHAVIOUR_SCRIPT, READ_QUERY_SIGNALS_SCRIPT, type QuerySignalsHeader, type ReadHeader } from "./read-script";
import { queryKey, userKeyBase, userKeys } from "./redis-keys";
import { decayRate } from "./time-decay";
import { normalizeText } from "../model/text-normalize";
import { MS_PER_DAY } from "../shared/time-units";

/** The active embedding model, asked on every batch (it can change at run time). */
export type ActiveEmbedderProvider = () => { readonly version: string; readonly dimension: number } | null;

export interface ApplyReport {
  readonly events: number;
  /** Events applied now. */
  readonly applied: number;
  /** Events already applied before (their marker existed): nothing changed. */
  readonly duplicates: number;
  readonly seconds: number;
}

export interface RedisBehaviourSinkOptions extends BehaviourOptions {
  redis: Redis;
  /** Item facts (category, brand, price, embedding) are read from the products alias through it. */
  gateway: OpenSearchGateway;
  productsAlias: string;
  /** @defaultValue no model: interest vectors are not updated */
  embedder?: ActiveEmbedderProvider;
  /** Called after every applied batch (metrics). */
  onApplied?: (report: ApplyReport) => void;
  /** Called after every read with its duration (metrics). */
  onRead?: (seconds: number) => void;
  /** @defaultValue Date.now */
  clock?: () => number;
}

/** A batch larger than this is applied in several script calls, so one call never blocks Redis for long. */
const MAX_EVENTS_PER_CALL = 1000;
/** Candidates read per call; the read script passes them to ZMSCORE in one go. */
const MAX_CANDIDATES = 1000;
const USER_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Refuses anything but a pseudonymized key: a raw user id must never name a Redis key. */
function assertUserKey(userKey: string, context = ""): void {
  if (!USER_KEY.test(userKey)) throw new TypeError(`${context}userKey must be a pseudonymized key ([A-Za-z0-9_-]{1,128})`);
}

/**
 * User profiles and aggregate behaviour signals in Redis, updated from events (the events flow's
 * {@link BehaviourSink}) and read in bulk by the re-ranker. A batch costs at most one `_mget` (item
 * facts not cached) and one script call per 1,000 events; a read costs one script call.
 */
export class RedisBehaviourSink implements BehaviourSink, BehaviourReader {
  readonly options: ResolvedBehaviourOptions;
  readonly #redis: Redis;
  readonly #facts: ItemFactsSource;
  readonly #embedder: ActiveEmbedderProvider;
  readonly #profiles: LRUCache<string, StoredProfile>;
  readonly #profileRate: number;
  readonly #signalsRate: number;
  /** The apply script's header fields that only depend on the options: computed once, not per batch. */
  readonly #headerBase: Omit<ScriptHeader, "now" | "t0">;
  readonly #clock: () => number;
  readonly #onApplied: ((report: ApplyReport) => void) | undefined;
  readonly #onRead: ((seconds: number) => void) | undefined;

  constructor(options: RedisBehaviourSinkOptions) {
    if (!(options.redis as Redis | undefined)) throw new TypeError("RedisBehaviourSink needs a Redis connection");
    this.options = resolveBehaviourOptions(options);
    this.#redis = options.redis;
    this.#facts = new ItemFactsSource({
      gateway: options.gateway,
      productsAlias: options.productsAlias,
      cacheSize: this.options.itemFactsCacheSize,
      ttlMs: this.options.itemFactsTtlMs,
      timeoutMs: this.options.itemFactsTimeoutMs,
    });
    this.#embedder = options.embedder ?? (() => null);
    this.#profiles = new LRUCache({ max: this.options.profileCacheSize });
    this.#profileRate = decayRate(this.options.profileHalfLifeDays);
    this.#signalsRate = decayRate(this.options.signalsHalfLifeDays);
    const o = this.options;
    this.#headerBase = {
      p: o.keyPrefix,
      lp: this.#profileRate,
      ls: this.#signalsRate,
      n: o.recentItems,
      pttl: Math.round(o.profileTtlDays * MS_PER_DAY),
      sttl: Math.round(o.signalsTtlDays * MS_PER_DAY),
      mttl: Math.max(1, Math.round((o.appliedMarkerTtlDays * MS_PER_DAY) / 1000)),
      sw: Math.round(o.sessionWindowMinutes * 60_000),
      cw: Math.round(o.coInteractionWindowHours * 3_600_000),
      caps: { ...o.caps },
    };
    this.#clock = options.clock ?? Date.now;
    this.#onApplied = options.onApplied;
    this.#onRead = options.onRead;
  }

  /**
   * Applies each event exactly once (by `key`), a user's events in time order. @throws
   * RedisUnavailableError when Redis cannot be reached; an OpenSearchError when item facts cannot be read
   */
  async apply(events: readonly BehaviourEvent[]): Promise<void> {
    await this.applyCounted(events);
  }

  /** {@link apply}, answering how many events were applied now and how many had been applied before. */
  async applyCounted(events: readonly BehaviourEvent[]): Promise<ApplyReport> {
    const started = performance.now();
    for (const event of events) assertUserKey(event.userKey, `event ${event.key}: `);
    // Stable: a user's events with equal timestamps keep their arrival order.
    const ordered = [...events].sort((a, b) => (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : a.timestamp - b.timestamp));
    const itemIds = ordered.flatMap((e) => (e.type !== "search" && e.itemId !== undefined ? [e.itemId] : []));
    const facts = itemIds.length > 0 ? await this.#facts.factsFor(itemIds) : new Map<string, ItemFacts | null>();
    let applied = 0;
    let duplicates = 0;
    for (let start = 0; start < ordered.length; start += MAX_EVENTS_PER_CALL) {
      const chunk = ordered.slice(start, start + MAX_EVENTS_PER_CALL);
      const counts = await this.#applyChunk(chunk, facts);
      applied += counts.applied;
      duplicates += counts.duplicates;
    }
    for (const event of events) this.#profiles.delete(event.userKey);
    const report = { events: events.length, applied, duplicates, seconds: (performance.now() - started) / 1000 };
    if (events.length > 0) this.#onApplied?.(report);
    return report;
  }

  async #applyChunk(
    events: readonly BehaviourEvent[],
    facts: ReadonlyMap<string, ItemFacts | null>,
  ): Promise<{ applied: number; duplicates: number }> {
    const active = this.#embedder();
    const vectors: Buffer[] = [];
    const vectorArg = new Map<string, number>();
    const scriptEvents = events.map((event): ScriptEvent => {
      const out: ScriptEvent = { k: event.key, u: event.userKey, t: event.type, tc: "", ts: event.timestamp, w: EVENT_WEIGHTS[event.type] };
      const query = queryKey(event.query);
      if (query) out.q = query;
      if (event.sessionKey) out.s = event.sessionKey;
      if (event.synthetic) out.y = 1;
      if (event.type === "search" || event.itemId === undefined) return out;
      out.i = event.itemId;
      out.tc = TYPE_CODES[event.type];
      const item = facts.get(event.itemId);
      if (!item) return out;
      if (item.categories.length > 0) out.c = item.categories;
      if (item.brand) out.b = item.brand;
      if (item.priceBand) out.pb = item.priceBand;
      // Only embeddings of the active model enter the interest vector; others are skipped.
      if (active && item.embedding && item.modelVersion === active.version && item.embedding.length === active.dimension) {
        let arg = vectorArg.get(event.itemId);
        if (arg === undefined) {
          vectors.push(float32Bytes(item.embedding));
          arg = vectors.length + 2; // ARGV[1] header, ARGV[2] events, then the vectors (Lua is 1-based)
          vectorArg.set(event.itemId, arg);
        }
        out.e = arg;
        out.mv = active.version;
        out.d = active.dimension;
      }
      return out;
    });
    const header: ScriptHeader = { ...this.#headerBase, now: this.#clock(), t0: Math.min(...events.map((e) => e.timestamp)) };
    const reply = await APPLY_EVENTS_SCRIPT.run(this.#redis, [], [JSON.stringify(header), JSON.stringify(scriptEvents), ...vectors]);
    const [applied, duplicates] = Array.isArray(reply) ? reply : [];
    return { applied: typeof applied === "number" ? applied : 0, duplicates: typeof duplicates === "number" ? duplicates : 0 };
  }

  /** Deletes every key of the user (profile, recent items, affinities, vector, session state). */
  async erase(userKey: string): Promise<{ profileDeleted: boolean; keysDeleted: number }> {
    assertUserKey(userKey);
    this.#profiles.delete(userKey);
    await readyRedis(this.#redis);
    let results: [Error | null, unknown][] | null;
    try {
      results = await this.#redis
        .multi()
        .exists(`${userKeyBase(this.options.keyPrefix, userKey)}m`)
        .del(...userKeys(this.options.keyPrefix, userKey))
        .exec();
    } catch (err) {
      throw asRedisError(err, "erase");
    }
    const [existed, deleted] = (results ?? []).map(([err, value]) => {
      if (err) throw asRedisError(err, "erase");
      return typeof value === "number" ? value : 0;
    });
    return { profileDeleted: existed === 1, keysDeleted: deleted ?? 0 };
  }

  /** The user's profile, or null when there is none. One round trip; unchanged profiles come from the cache. */
  async profile(userKey: string): Promise<UserProfile | null> {
    return (await this.profileAndSignals(userKey, null, [])).profile;
  }

  /** The interest vector of the profile this process last read for the user (it may be stale: the next read checks), or null. No I/O. */
  lastReadInterest(userKey: string): InterestVector | null {
    return this.#profiles.peek(userKey)?.interest ?? null;
  }

  /**
   * Behaviour signals of each candidate for a query, with co-interactions against the given recent
   * items. One round trip.
   */
  async signalsFor(query: string | null, candidateIds: readonly string[], recentItemIds: readonly string[] = []): Promise<BehaviourSignals> {
    return (await this.#read(null, query, candidateIds, recentItemIds)).signals;
  }

  /** The query's searches and clicked items and the co-interactions of `recentItemIds`, before the candidates are known. One round trip. */
  async querySignals(query: string | null, recentItemIds: readonly string[]): Promise<QuerySignals> {
    if (recentItemIds.length > MAX_CANDIDATES) throw new RangeError(`at most ${MAX_CANDIDATES} recent items per read, got ${recentItemIds.length}`);
    const started = performance.now();
    const header: QuerySignalsHeader = { p: this.options.keyPrefix, q: queryKey(query) ?? "", rec: recentItemIds };
    const reply = await READ_QUERY_SIGNALS_SCRIPT.run(this.#redis, [], [JSON.stringify(header)]);
    const normalized = query === null ? null : normalizeText(query) || null;
    this.#onRead?.((performance.now() - started) / 1000);
    return decodeQuerySignals(normalized, reply);
  }

  /** The candidates' signals from {@link querySignals}: one `ZMSCORE` of their popularity. */
  async candidateSignals(query: QuerySignals, candidateIds: readonly string[]): Promise<BehaviourSignals> {
    if (candidateIds.length > MAX_CANDIDATES) throw new RangeError(`at most ${MAX_CANDIDATES} candidates per read, got ${candidateIds.length}`);
    const started = performance.now();
    let popularity: (number | null)[] = [];
    if (candidateIds.length > 0) {
      await readyRedis(this.#redis);
      try {
        popularity = (await this.#redis.zmscore(`${this.options.keyPrefix}s:pop`, ...candidateIds)).map((x) => (x === null ? null : Number(x)));
      } catch (err) {
        throw asRedisError(err, "candidate popularity");
      }
    }
    const signals = signalsAt(query.query, candidateIds, candidateRawSignals(query, candidateIds, popularity), this.#signalsRate, this.#clock());
    this.#onRead?.((performance.now() - started) / 1000);
    return signals;
  }

  /**
   * What the re-ranker needs for one request in ONE round trip: the user's profile (null without a
   * user or profile) and the candidates' signals, co-interactions taken against the profile's recent items.
   */
  async profileAndSignals(
    userKey: string | null,
    query: string | null,
    candidateIds: readonly string[],
  ): Promise<{ profile: UserProfile | null; signals: BehaviourSignals }> {
    return this.#read(userKey, query, candidateIds, []);
  }

  async #read(
    userKey: string | null,
    query: string | null,
    candidateIds: readonly string[],
    recentItemIds: readonly string[],
  ): Promise<{ profile: UserProfile | null; signals: BehaviourSignals }> {
    if (userKey !== null) assertUserKey(userKey);
    if (candidateIds.length > MAX_CANDIDATES) throw new RangeError(`at most ${MAX_CANDIDATES} candidates per read, got ${candidateIds.length}`);
    const started = performance.now();
    const cached = userKey === null ? undefined : this.#profiles.get(userKey);
    const header: ReadHeader = {
      p: this.options.keyPrefix,
      u: userKey ?? "",
      cv: cached?.token ?? "",
      q: queryKey(query) ?? "",
      cand: candidateIds,
      rec: recentItemIds,
    };
    const reply = decodeReadReply(await READ_BEHAVIOUR_SCRIPT.run(this.#redis, [], [JSON.stringify(header)]));
    const now = this.#clock();
    let stored: StoredProfile | null = null;
    if (userKey !== null) {
      if (reply.status === "same" && cached) stored = cached;
      else if (reply.status === "full" && reply.stored) {
        stored = reply.stored;
        this.#profiles.set(userKey, stored);
      } else this.#profiles.delete(userKey);
    }
    const normalized = query === null ? null : normalizeText(query) || null;
    const result = {
      profile: userKey !== null && stored ? profileAt(userKey, stored, this.#profileRate, now) : null,
      signals: signalsAt(normalized, candidateIds, reply, this.#signalsRate, now),
    };
    this.#onRead?.((performance.now() - started) / 1000);
    return result;
  }
}
