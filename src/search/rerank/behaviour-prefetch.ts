import { type BehaviourReader, type InterestVector, type QuerySignals, type UserProfile } from "../../profiles";
import { type SearchContext } from "../search-context";
import { historyOf } from "./rerank-history";
import { withTimeout } from "./with-timeout";

export interface BehaviourPrefetchOptions {
  behaviour: BehaviourReader;
  /** Cap of each Redis read (within what is left of the deadline). @defaultValue 250 */
  timeoutMs?: number;
}

/** The Redis reads of one search that do not need its candidates, under way. */
export interface PrefetchedBehaviour {
  /** The user's profile (`personal` with a user), else null: nothing is read. */
  readonly profile: Promise<UserProfile | null> | null;
  /** The query's signals with co-interactions against the profile's recent items (none without a profile); rejects when the profile read did. */
  readonly query: Promise<QuerySignals>;
}

/**
 * Starts a re-ranked search's Redis reads when the search starts, so they run while OpenSearch
 * retrieves: the user's profile (personal retrieval needs its interest vector first), then the query's
 * signals — its searches, clicked items and the co-interactions of the profile's recent items. After
 * retrieval only the candidates' popularity is left to read. Started once per search (the first caller
 * starts it, later ones get the same reads), keyed weakly by the search's context: nothing outlives the request.
 */
export class BehaviourPrefetch {
  readonly #behaviour: BehaviourReader;
  readonly #timeoutMs: number;
  readonly #started = new WeakMap<SearchContext, PrefetchedBehaviour>();

  constructor(options: BehaviourPrefetchOptions) {
    this.#behaviour = options.behaviour;
    this.#timeoutMs = options.timeoutMs ?? 250;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${this.#timeoutMs}`);
  }

  /** The interest vector of the user's profile as this process last read it (no I/O; a fresh read may differ), or null. */
  lastReadInterest(userKey: string): InterestVector | null {
    return this.#behaviour.lastReadInterest(userKey);
  }

  /** The search's reads, started now unless they were already; `personal` reads the profile (when the search has a user). */
  start(context: SearchContext, personal: boolean): PrefetchedBehaviour {
    const started = this.#started.get(context);
    if (started) return started;
    const behaviour = this.#behaviour;
    const userKey = personal ? context.userKey : null;
    const profile = userKey === null ? null : withTimeout(behaviour.profile(userKey), context.deadline.callTimeoutMs(this.#timeoutMs), "the profile read");
    const query = (profile ?? Promise.resolve(null)).then((read) =>
      withTimeout(behaviour.querySignals(context.request.q, recentItemIds(read)), context.deadline.callTimeoutMs(this.#timeoutMs), "the signals read"),
    );
    // Whoever awaits them reports a failure; an unawaited one (the search failed first) must not be unhandled.
    profile?.catch(() => undefined);
    query.catch(() => undefined);
    const reads = { profile, query };
    this.#started.set(context, reads);
    return reads;
  }
}

/** Every recent item of the profile (newest first, one per item): what co-interactions are counted against. */
export function recentItemIds(profile: UserProfile | null, trim: { asOf?: number; excludeItems?: ReadonlySet<string> } = {}): string[] {
  // Only the ids are used: the recency weights (and so the half-life) do not matter here.
  return historyOf(profile, { ...trim, limit: Number.MAX_SAFE_INTEGER, halfLifeDays: 1 }).map((e) => e.itemId);
}
