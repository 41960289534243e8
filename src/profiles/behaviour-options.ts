import { type SidecarConfig } from "../config";
import { type EventType } from "../events";

/** Top-K caps that bound every Redis structure the profiles and signals keep. */
export interface BehaviourCaps {
  /** Items kept in a user's item affinities. @defaultValue 100 */
  itemAffinities: number;
  /** Category paths kept in a user's category affinities. @defaultValue 50 */
  categoryAffinities: number;
  /** Brands kept in a user's brand affinities. @defaultValue 50 */
  brandAffinities: number;
  /** Price bands kept (there are 15 bands, so this only guards against a change of bands). @defaultValue 20 */
  priceBandAffinities: number;
  /** Sessions whose last query a user keeps at once. @defaultValue 8 */
  sessions: number;
  /** Items in the global popularity set. @defaultValue 100000 */
  popularItems: number;
  /** Queries whose (decayed) search count is kept. @defaultValue 100000 */
  trackedQueries: number;
  /** Clicked items kept per query. @defaultValue 100 */
  clickedItemsPerQuery: number;
  /** Co-interacted items kept per item. @defaultValue 50 */
  coItemsPerItem: number;
  /** Most recent items of the user (within the window) that a new interaction is paired with. @defaultValue 5 */
  coPairsPerEvent: number;
}

export const DEFAULT_CAPS: Readonly<BehaviourCaps> = Object.freeze({
  itemAffinities: 100,
  categoryAffinities: 50,
  brandAffinities: 50,
  priceBandAffinities: 20,
  sessions: 8,
  popularItems: 100_000,
  trackedQueries: 100_000,
  clickedItemsPerQuery: 100,
  coItemsPerItem: 50,
  coPairsPerEvent: 5,
});

/**
 * How much one event of each type counts in affinities, the interest vector and popularity: growing
 * intent. A search is not an interaction with an item; it feeds query counts and session attribution.
 */
export const EVENT_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
  search: 0,
  view: 1,
  click: 2,
  add_to_cart: 4,
  purchase: 8,
});

/**
 * Beta(α, β) prior of the query→item click-through rate: `ctr = (clicks + α) / (searches + α + β)`.
 * Prior mean 0.05 with the strength of 10 searches, so one lucky click on a rare query does not
 * outrank a steady click-getter of a frequent one.
 */
export const CTR_PRIOR = Object.freeze({ alpha: 0.5, beta: 9.5 });

export interface BehaviourOptions {
  /** Prefix of every Redis key written or read. @defaultValue "rel:" */
  keyPrefix?: string;
  /** Interactions kept in a profile's recent list (distinct item+type, newest first). @defaultValue 50 */
  recentItems?: number;
  /** Half-life of profile affinities and the interest vector. @defaultValue 30 */
  profileHalfLifeDays?: number;
  /** A profile's keys expire this long after its last update. @defaultValue 180 */
  profileTtlDays?: number;
  /** Half-life of popularity, query clicks and co-interactions. @defaultValue 14 */
  signalsHalfLifeDays?: number;
  /** Per-query and per-item signal keys expire this long after their last update. @defaultValue 90 */
  signalsTtlDays?: number;
  /** How long an applied event's marker is kept; should be at least the events' retention. @defaultValue 90 */
  appliedMarkerTtlDays?: number;
  /** A click without a query is attributed to its session's last search within this window. @defaultValue 30 */
  sessionWindowMinutes?: number;
  /** Two items interacted with by one user this close in time count as a co-interaction. @defaultValue 24 */
  coInteractionWindowHours?: number;
  /** Profiles kept in the in-process cache. @defaultValue 10000 */
  profileCacheSize?: number;
  /** Item facts (category, brand, price, embedding) kept in the in-process cache. @defaultValue 20000 */
  itemFactsCacheSize?: number;
  /** How long cached item facts are trusted (products get re-enriched). @defaultValue 300000 */
  itemFactsTtlMs?: number;
  /** Deadline of the item-facts `_mget`. @defaultValue 2000 */
  itemFactsTimeoutMs?: number;
  caps?: Partial<BehaviourCaps>;
}

export type ResolvedBehaviourOptions = Readonly<Required<Omit<BehaviourOptions, "caps">> & { caps: Readonly<BehaviourCaps> }>;

function positive(name: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
  return value;
}

/** Fills defaults and checks every value, saying which one is wrong. */
export function resolveBehaviourOptions(options: BehaviourOptions = {}): ResolvedBehaviourOptions {
  const keyPrefix = options.keyPrefix ?? "rel:";
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(keyPrefix)) {
    throw new TypeError(`keyPrefix must be 1–64 characters of A–Z a–z 0–9 : _ . -, got "${keyPrefix}"`);
  }
  const caps = { ...DEFAULT_CAPS, ...(options.caps ?? {}) };
  for (const [name, value] of Object.entries(caps)) positive(`caps.${name}`, value, true);
  return Object.freeze({
    keyPrefix,
    recentItems: positive("recentItems", options.recentItems ?? 50, true),
    profileHalfLifeDays: positive("profileHalfLifeDays", options.profileHalfLifeDays ?? 30, false),
    profileTtlDays: positive("profileTtlDays", options.profileTtlDays ?? 180, false),
    signalsHalfLifeDays: positive("signalsHalfLifeDays", options.signalsHalfLifeDays ?? 14, false),
    signalsTtlDays: positive("signalsTtlDays", options.signalsTtlDays ?? 90, false),
    appliedMarkerTtlDays: positive("appliedMarkerTtlDays", options.appliedMarkerTtlDays ?? 90, false),
    sessionWindowMinutes: positive("sessionWindowMinutes", options.sessionWindowMinutes ?? 30, false),
    coInteractionWindowHours: positive("coInteractionWindowHours", options.coInteractionWindowHours ?? 24, false),
    profileCacheSize: positive("profileCacheSize", options.profileCacheSize ?? 10_000, true),
    itemFactsCacheSize: positive("itemFactsCacheSize", options.itemFactsCacheSize ?? 20_000, true),
    itemFactsTtlMs: positive("itemFactsTtlMs", options.itemFactsTtlMs ?? 300_000, true),
    itemFactsTimeoutMs: positive("itemFactsTimeoutMs", options.itemFactsTimeoutMs ?? 2000, true),
    caps: Object.freeze(caps),
  });
}

/** The sidecar config's profile and signal settings as sink options; markers live as long as events are kept. */
export function behaviourOptionsFromConfig(
  config: Pick<
    SidecarConfig,
    "profileRecentItems" | "profileHalfLifeDays" | "profileTtlDays" | "profileCacheSize" | "signalsHalfLifeDays" | "signalsTtlDays" | "eventRetentionDays"
  >,
): BehaviourOptions {
  return {
    recentItems: config.profileRecentItems,
    profileHalfLifeDays: config.profileHalfLifeDays,
    profileTtlDays: config.profileTtlDays,
    profileCacheSize: config.profileCacheSize,
    signalsHalfLifeDays: config.signalsHalfLifeDays,
    signalsTtlDays: config.signalsTtlDays,
    appliedMarkerTtlDays: config.eventRetentionDays,
  };
}
