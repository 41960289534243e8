import { type EventType } from "../events";
import { type LuaReply } from "../redis";
import { CTR_PRIOR } from "./behaviour-options";
import { decayedWeight } from "./time-decay";

/** One-letter codes of item interactions in the recent list (`<code><itemId>`). */
export const TYPE_CODES: Readonly<Record<Exclude<EventType, "search">, string>> = Object.freeze({
  view: "v",
  click: "c",
  add_to_cart: "a",
  purchase: "p",
});
const TYPE_OF_CODE = new Map(Object.entries(TYPE_CODES).map(([type, code]) => [code, type as EventType]));

export interface RecentInteraction {
  readonly itemId: string;
  readonly type: EventType;
  /** Epoch ms of the latest interaction of this type with this item. */
  readonly timestamp: number;
}

/** An affinity entry with its weight decayed to the time of the read (Σ type weight · 2^(−age/half-life)). */
export interface Affinity {
  readonly key: string;
  readonly weight: number;
}

export interface InterestVector {
  readonly modelVersion: string;
  readonly dimension: number;
  /** Events averaged into the vector since it was last started over. */
  readonly events: number;
  /** Decayed, type-weighted mean of the interacted items' embeddings. */
  readonly vector: Float32Array;
}

export interface UserProfile {
  readonly userKey: string;
  /** Grows by one with every update batch that changed the profile. */
  readonly version: number;
  /** Epoch ms of the last update. */
  readonly updatedAt: number;
  readonly eventCount: number;
  /** Of those, events marked synthetic: a profile built (partly) by the synthetic data engine says so. */
  readonly syntheticEvents: number;
  /** Newest first, at most the configured number; one entry per (item, type). */
  readonly recent: readonly RecentInteraction[];
  readonly affinities: {
    readonly items: readonly Affinity[];
    readonly categories: readonly Affinity[];
    readonly brands: readonly Affinity[];
    readonly priceBands: readonly Affinity[];
  };
  /** Null until an interacted item had an embedding of the active model. Compare `modelVersion` with the serving model before use. */
  readonly interest: InterestVector | null;
}

/** Behaviour signals of one candidate, decayed to the time of the read. */
export interface CandidateSignals {
  readonly itemId: string;
  /** Σ type weight of all users' interactions, decayed. */
  readonly popularity: number;
  /** Decayed clicks on this item after searches for the query. */
  readonly queryClicks: number;
  /** Beta-smoothed share of the query's searches that clicked this item (the prior mean without a query). */
  readonly queryCtr: number;
  /** Decayed co-interaction count with the recent items (summed over them). */
  readonly coInteraction: number;
}

export interface BehaviourSignals {
  /** Normalized query text, or null when there was none. */
  readonly query: string | null;
  /** Decayed number of searches for the query. */
  readonly querySearches: number;
  /** One entry per candidate, in the candidates' order. */
  readonly candidates: readonly CandidateSignals[];
}

/** A profile as Redis holds it (epoch-scaled scores); decayed on every read, cached between reads. */
export interface StoredProfile {
  readonly token: string;
  readonly version: number;
  readonly updatedAt: number;
  readonly eventCount: number;
  readonly syntheticEvents: number;
  readonly epoch: number;
  readonly recent: readonly RecentInteraction[];
  readonly items: readonly (readonly [string, number])[];
  readonly categories: readonly (readonly [string, number])[];
  readonly brands: readonly (readonly [string, number])[];
  readonly priceBands: readonly (readonly [string, number])[];
  readonly interest: InterestVector | null;
}

/** Stored (epoch-scaled) signal scores of a candidate list, in the candidates' order; decayed by {@link signalsAt}. */
export interface RawSignals {
  signalsEpoch: number | null;
  popularity: (number | null)[];
  querySearches: number;
  queryClicks: (number | null)[];
  coInteraction: number[];
}

export interface ReadReply extends RawSignals {
  status: "none" | "same" | "full";
  stored: StoredProfile | null;
}

/**
 * What the signals of any candidate list for one query and set of recent items need, read before the
 * candidates are known ({@link BehaviourReader.querySignals}); scores as stored (epoch-scaled).
 */
export interface QuerySignals {
  /** Normalized query text, or null when there was none. */
  readonly query: string | null;
  readonly signalsEpoch: number | null;
  readonly querySearches: number;
  /** Stored click score per clicked item of the query. */
  readonly queryClicks: ReadonlyMap<string, number>;
  /** Stored co-interaction sum per item co-interacted with the recent items. */
  readonly coInteraction: ReadonlyMap<string, number>;
}

function text(reply: LuaReply | undefined): string {
  return Buffer.isBuffer(reply) ? reply.toString("utf8") : typeof reply === "number" ? String(reply) : "";
}

function list(reply: LuaReply | undefined): LuaReply[] {
  return Array.isArray(reply) ? reply : [];
}

function numberOrNull(reply: LuaReply | undefined): number | null {
  if (reply === null || reply === undefined) return null;
  const value = Number(text(reply));
  return Number.isFinite(value) ? value : null;
}

function pairs(reply: LuaReply | undefined): [string, number][] {
  const flat = list(reply);
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([text(flat[i]), Number(text(flat[i + 1]))]);
  return out;
}

function decodeStored(reply: LuaReply[]): StoredProfile {
  const meta = new Map<string, string>();
  const metaFlat = list(reply[2]);
  for (let i = 0; i + 1 < metaFlat.length; i += 2) meta.set(text(metaFlat[i]), text(metaFlat[i + 1]));
  const num = (field: string) => Number(meta.get(field) ?? 0);
  const recent = pairs(reply[3]).flatMap(([member, timestamp]) => {
    const type = TYPE_OF_CODE.get(member.slice(0, 1));
    return type ? [{ itemId: member.slice(1), type, timestamp }] : [];
  });
  const vectorBytes = reply[8];
  const dimension = num("vd");
  let interest: InterestVector | null = null;
  if (Buffer.isBuffer(vectorBytes) && dimension > 0 && vectorBytes.length === dimension * 4) {
    const vector = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) vector[i] = vectorBytes.readFloatLE(i * 4);
    interest = { modelVersion: meta.get("vm") ?? "", dimension, events: num("ve"), vector };
  }
  return {
    token: text(reply[1]),
    version: num("v"),
    updatedAt: num("u"),
    eventCount: num("n"),
    syntheticEvents: num("y"),
    epoch: num("t0"),
    recent,
    items: pairs(reply[4]),
    categories: pairs(reply[5]),
    brands: pairs(reply[6]),
    priceBands: pairs(reply[7]),
    interest,
  };
}

export function decodeReadReply(reply: LuaReply): ReadReply {
  const parts = list(reply);
  const status = text(parts[0]);
  if (status !== "none" && status !== "same" && status !== "full") throw new Error(`read-behaviour script answered an unknown status "${status}"`);
  return {
    status,
    stored: status === "full" ? decodeStored(parts) : null,
    signalsEpoch: numberOrNull(parts[9]),
    popularity: list(parts[10]).map(numberOrNull),
    querySearches: numberOrNull(parts[11]) ?? 0,
    queryClicks: list(parts[12]).map(numberOrNull),
    coInteraction: list(parts[13]).map((x) => numberOrNull(x) ?? 0),
  };
}

/** Decodes the read-query-signals script's reply (see src/profiles/read-script.ts). */
export function decodeQuerySignals(query: string | null, reply: LuaReply): QuerySignals {
  const parts = list(reply);
  const coJson: unknown = JSON.parse(text(parts[3]) || "{}");
  const coInteraction = new Map<string, number>();
  if (coJson !== null && typeof coJson === "object") {
    for (const [item, sum] of Object.entries(coJson)) {
      const value = typeof sum === "string" ? Number(sum) : NaN;
      if (Number.isFinite(value)) coInteraction.set(item, value);
    }
  }
  return {
    query,
    signalsEpoch: numberOrNull(parts[0]),
    querySearches: numberOrNull(parts[1]) ?? 0,
    queryClicks: new Map(pairs(parts[2])),
    coInteraction,
  };
}

/** The raw signals of `candidateIds` from a query's signals and their stored popularity (in the same order). */
export function candidateRawSignals(query: QuerySignals, candidateIds: readonly string[], popularity: readonly (number | null)[]): RawSignals {
  return {
    signalsEpoch: query.signalsEpoch,
    popularity: [...popularity],
    querySearches: query.querySearches,
    queryClicks: candidateIds.map((id) => query.queryClicks.get(id) ?? null),
    coInteraction: candidateIds.map((id) => query.coInteraction.get(id) ?? 0),
  };
}

/** The profile as of `now`: affinity weights decayed and sorted, strongest first. */
export function profileAt(userKey: string, stored: StoredProfile, rate: number, now: number): UserProfile {
  const decay = (entries: readonly (readonly [string, number])[]): Affinity[] =>
    entries
      .map(([key, score]) => ({ key, weight: decayedWeight(score, rate, stored.epoch, now) }))
      .sort((a, b) => b.weight - a.weight);
  return {
    userKey,
    version: stored.version,
    updatedAt: stored.updatedAt,
    eventCount: stored.eventCount,
    syntheticEvents: stored.syntheticEvents,
    recent: stored.recent,
    affinities: {
      items: decay(stored.items),
      categories: decay(stored.categories),
      brands: decay(stored.brands),
      priceBands: decay(stored.priceBands),
    },
    interest: stored.interest,
  };
}

/** Candidate signals as of `now` from the script's raw scores. */
export function signalsAt(query: string | null, candidateIds: readonly string[], reply: RawSignals, rate: number, now: number): BehaviourSignals {
  const epoch = reply.signalsEpoch;
  const decay = (score: number | null | undefined) => (epoch === null || score === null || score === undefined ? 0 : decayedWeight(score, rate, epoch, now));
  const searches = decay(reply.querySearches);
  return {
    query,
    querySearches: searches,
    candidates: candidateIds.map((itemId, i) => {
      const clicks = decay(reply.queryClicks[i]);
      return {
        itemId,
        popularity: decay(reply.popularity[i]),
        queryClicks: clicks,
        queryCtr: (clicks + CTR_PRIOR.alpha) / (Math.max(searches, clicks) + CTR_PRIOR.alpha + CTR_PRIOR.beta),
        coInteraction: decay(reply.coInteraction[i]),
      };
    }),
  };
}

/** What the re-ranker and the profile route read; {@link RedisBehaviourSink} implements it. */
export interface BehaviourReader {
  /** The user's profile, or null when there is none. */
  profile(userKey: string): Promise<UserProfile | null>;
  /** The interest vector of the user's profile as this process last read it (no I/O; it may have changed since), or null. */
  lastReadInterest(userKey: string): InterestVector | null;
  /** Signals of each candidate for a query, co-interactions taken against `recentItemIds`. One round trip. */
  signalsFor(query: string | null, candidateIds: readonly string[], recentItemIds?: readonly string[]): Promise<BehaviourSignals>;
  /**
   * Everything the signals of a candidate list need but the candidates' popularity — the query's searches
   * and clicked items, the co-interactions of `recentItemIds` — in one round trip, so it can run while the
   * candidates are retrieved; {@link candidateSignals} then reads only popularity.
   */
  querySignals(query: string | null, recentItemIds: readonly string[]): Promise<QuerySignals>;
  /** The candidates' signals from a query's signals: one `ZMSCORE` of their popularity. Equal to {@link signalsFor} with the same query and recent items. */
  candidateSignals(query: QuerySignals, candidateIds: readonly string[]): Promise<BehaviourSignals>;
  /** Profile and signals in one round trip, co-interactions taken against the profile's recent items. */
  profileAndSignals(
    userKey: string | null,
    query: string | null,
    candidateIds: readonly string[],
  ): Promise<{ profile: UserProfile | null; signals: BehaviourSignals }>;
}
