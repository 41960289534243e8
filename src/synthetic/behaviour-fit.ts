import { readLines } from "../events";
import { seededRandom } from "../shared/seeded-random";
import { type BehaviourModel, type FitReport } from "./behaviour-model";
import { fitPositionBasedModel, type Impression } from "./click-model-fit";
import { noisyCounts } from "./laplace-mechanism";
import { PRIVACY_SHARES } from "./privacy-accounting";
import { type ResultSource } from "./result-source";
import { type SimulatorItem } from "./simulator-catalog";

export interface BehaviourFitOptions {
  /** Products the log's items are looked up in (category, brand, price). */
  items: readonly SimulatorItem[];
  /** Replays logged searches to find the clicked item's rank (the log has no impressions); none: the position bias is not fitted. */
  results?: ResultSource;
  /** Total privacy budget; absent or Infinity: exact statistics. */
  epsilon?: number;
  /** δ of the query-text release (only with a finite ε). @defaultValue 1e-6 */
  delta?: number;
  /** Each user's first N events (by time) are used, the rest dropped: the sensitivity bound of every table. @defaultValue 20 */
  maxEventsPerUser?: number;
  /** Logged clicks replayed for the click-model fit at most (a seeded sample). @defaultValue 5000 */
  replayClicks?: number;
  /** Ranks fitted. @defaultValue 10 */
  depth?: number;
  /** @defaultValue 42 */
  seed?: number;
}

interface LogEvent {
  type: string;
  time: number;
  session: string;
  query?: string;
  item?: string;
}

const POSITIVE = new Set(["click", "add_to_cart", "purchase"]);
const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

function timestampOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string") return null;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : null;
}

async function readUsers(path: string): Promise<{ users: Map<string, LogEvent[]>; events: number }> {
  const users = new Map<string, LogEvent[]>();
  let events = 0;
  for await (const line of readLines(path)) {
    if (line.trim() === "") continue;
    let raw: Record<string, unknown>;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) continue;
      raw = parsed as Record<string, unknown>;
    } catch {
      continue;
    }
    // Synthetic events never teach the simulator: it fits people.
    if (raw.synthetic === true) continue;
    const user = typeof raw.user_id === "number" ? String(raw.user_id) : text(raw.user_id);
    const type = text(raw.type);
    const time = timestampOf(raw.timestamp);
    if (!user || !type || time === null) continue;
    const item = typeof raw.item_id === "number" ? String(raw.item_id) : text(raw.item_id);
    const query = text(raw.query);
    const event: LogEvent = { type, time, session: text(raw.session_id) ?? "", ...(query ? { query } : {}), ...(item ? { item } : {}) };
    events += 1;
    const list = users.get(user);
    if (list) list.push(event);
    else users.set(user, [event]);
  }
  return { users, events };
}

const increment = (map: Map<string, number>, key: string, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};

/** Histogram over 1…max from a count table keyed by the count. */
function histogram(table: ReadonlyMap<string, number>, max: number): number[] {
  return Array.from({ length: max }, (_, i) => table.get(String(i + 1)) ?? 0);
}

/**
 * Fits the simulator to a real events file. Every statistic is a count table over the clipped log
 * (each user's first `maxEventsPerUser` events), so with `epsilon` each table gets Laplace noise scaled
 * to its sensitivity and its share of ε (`PRIVACY_SHARES`; README "Synthetic data" has the accounting).
 *
 * The click model: the log has no impressions, so each replayed click's query is searched through
 * `results` (the running sidecar) and the clicked item's rank in that list is taken as where the user
 * saw it — assuming today's ranking is the one they saw. Non-private: PBM by EM on those lists with
 * one α per item; private: θ from the noised histogram of click ranks (clicks at rank r over clicks at
 * rank 1, made non-increasing), which mixes position bias with relevance.
 */
export async function fitBehaviour(path: string, options: BehaviourFitOptions): Promise<BehaviourModel> {
  const cap = options.maxEventsPerUser ?? 20;
  const depth = options.depth ?? 10;
  const epsilon = options.epsilon ?? Infinity;
  const delta = options.delta ?? 1e-6;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`maxEventsPerUser must be a positive integer, got ${cap}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  const { users, events } = await readUsers(path);
  if (users.size === 0) throw new Error(`no usable events in ${path}`);

  const queryItems = new Map<string, number>();
  const itemClicks = new Map<string, number>();
  const outcomes = new Map<string, number>();
  const sessionsPerUser = new Map<string, number>();
  const searchesPerSession = new Map<string, number>();
  const clicks: { query: string; item: string }[] = [];
  // Each user's distinct clicked items (≥ 2), for the taste concentration fit: per-user data, so non-private fits only.
  const userClicks: string[][] = [];
  let clipped = 0;
  let start = Infinity;
  let end = -Infinity;
  for (const list of users.values()) {
    list.sort((a, b) => a.time - b.time);
    clipped += Math.max(0, list.length - cap);
    const kept = list.slice(0, cap);
    const sessions = new Map<string, number>();
    const lastSearch = new Map<string, string>();
    const pairs = new Set<string>();
    const clickedBefore = new Set<string>();
    for (const event of kept) {
      start = Math.min(start, event.time);
      end = Math.max(end, event.time);
      if (!sessions.has(event.session)) sessions.set(event.session, 0);
      if (event.type === "search") {
        increment(outcomes, "searches");
        sessions.set(event.session, (sessions.get(event.session) as number) + 1);
        if (event.query) lastSearch.set(event.session, event.query);
        continue;
      }
      if (!POSITIVE.has(event.type) || !event.item) continue;
      increment(outcomes, event.type);
      const query = event.query ?? lastSearch.get(event.session);
      if (event.type !== "click") continue;
      increment(itemClicks, event.item);
      if (clickedBefore.has(event.item)) increment(outcomes, "repeat");
      clickedBefore.add(event.item);
      if (query) {
        // One user counts at most once per (query, item): the table's cells are then bounded by 1 per user.
        pairs.add(JSON.stringify([query, event.item]));
        clicks.push({ query, item: event.item });
      }
    }
    for (const pair of pairs) increment(queryItems, pair);
    if (epsilon === Infinity && clickedBefore.size >= 2) userClicks.push([...clickedBefore]);
    increment(sessionsPerUser, String(Math.min(sessions.size, cap)));
    for (const searches of sessions.values()) increment(searchesPerSession, String(Math.min(Math.max(searches, 1), cap)));
  }

  // The click ranks: replay a seeded sample of the logged clicks.
  const random = seededRandom(seed);
  const sample = clicks.length <= (options.replayClicks ?? 5000) ? clicks : sampleWithoutReplacement(clicks, options.replayClicks ?? 5000, random);
  const impressions: Impression[] = [];
  const clickRanks = new Map<string, number>();
  let replayMissed = 0;
  if (options.results) {
    const lists = await options.results.resultsFor(sample.map((c) => c.query));
    for (const click of sample) {
      const list = (lists.get(click.query) ?? []).slice(0, depth);
      const rank = list.indexOf(click.item);
      increment(clickRanks, rank < 0 ? "miss" : String(rank));
      if (rank < 0) {
        replayMissed += 1;
        continue;
      }
      impressions.push({ keys: list, clicked: [rank] });
    }
  }

  // Privacy: each table noised with its share of ε (sequential composition), then post-processed.
  const noise = seededRandom(seed ^ 0x9e3779b9);
  const share = (name: keyof typeof PRIVACY_SHARES): number => epsilon * PRIVACY_SHARES[name];
  const ranksDomain = [...Array.from({ length: depth }, (_, r) => String(r)), "miss"];
  const countDomain = Array.from({ length: cap }, (_, i) => String(i + 1));
  const releasedPairs = noisyCounts(queryItems, noise, { epsilon: share("queryItems"), sensitivity: cap, ...(epsilon < Infinity ? { delta } : {}) });
  const releasedItems = noisyCounts(itemClicks, noise, { epsilon: share("itemClicks"), sensitivity: cap, domain: options.items.map((i) => i.id) });
  const releasedRanks = noisyCounts(clickRanks, noise, { epsilon: share("clickRanks"), sensitivity: cap, domain: ranksDomain });
  const releasedOutcomes = noisyCounts(outcomes, noise, { epsilon: share("outcomes"), sensitivity: 2 * cap, domain: ["searches", "click", "add_to_cart", "purchase", "repeat"] });
  const releasedSessions = noisyCounts(sessionsPerUser, noise, { epsilon: share("sessionsPerUser"), sensitivity: 1, domain: countDomain });
  const releasedSearches = noisyCounts(searchesPerSession, noise, { epsilon: share("searchesPerSession"), sensitivity: cap, domain: countDomain });

  const queriesByItem = new Map<string, Map<string, number>>();
  for (const [pair, count] of releasedPairs) {
    const [query, item] = JSON.parse(pair) as [string, string];
    let queries = queriesByItem.get(item);
    if (!queries) queriesByItem.set(item, (queries = new Map<string, number>()));
    queries.set(query, count);
  }
  // Items clicked in the log but missing from the catalog still exist as result ids.
  const known = new Set(options.items.map((i) => i.id));
  const items = [...options.items];
  for (const id of [...releasedItems.keys()].sort()) if (!known.has(id) && (releasedItems.get(id) ?? 0) > 0) items.push({ id, title: id, category: "", brand: "", priceBand: "" });

  const outcome = (key: string): number => releasedOutcomes.get(key) ?? 0;
  const ratio = (a: number, b: number): number => (b > 0 ? Math.min(1, Math.max(0, a / b)) : 0);
  let theta: number[];
  let clickModelFit: FitReport["clickModelFit"] = "none";
  if (options.results && epsilon === Infinity && impressions.length > 0) {
    theta = fitPositionBasedModel(impressions, { depth }).relativeTheta.map((t) => Math.min(1, t));
    clickModelFit = "pbm-em";
  } else if (options.results && (releasedRanks.get("0") ?? 0) > 0) {
    theta = positionCtr(releasedRanks, depth);
    clickModelFit = "position-ctr";
  } else {
    theta = Array.from({ length: depth }, (_, r) => 1 / (r + 1) ** 0.8);
  }
  const fit: FitReport = {
    events,
    users: users.size,
    clippedEvents: clipped,
    maxEventsPerUser: cap,
    searches: Math.round(outcome("searches")),
    clicks: Math.round(outcome("click")),
    replayed: options.results ? sample.length : 0,
    replayMissed,
    clickModelFit,
    epsilon: epsilon === Infinity ? null : epsilon,
    delta: epsilon === Infinity ? null : delta,
    queries: new Set([...releasedPairs.keys()].map((pair) => (JSON.parse(pair) as [string, string])[0])).size,
  };
  return {
    items,
    itemWeights: releasedItems,
    queriesByItem,
    sessionsPerUser: histogram(releasedSessions, cap),
    searchesPerSession: histogram(releasedSearches, cap),
    funnel: { cartPerClick: ratio(outcome("add_to_cart"), outcome("click")), purchasePerCart: ratio(outcome("purchase"), outcome("add_to_cart")), repeatShare: ratio(outcome("repeat"), outcome("click")) },
    theta,
    ...(epsilon === Infinity ? { userClicks } : {}),
    ...(options.results ? { clickRanks: Array.from({ length: depth }, (_, r) => releasedRanks.get(String(r)) ?? 0) } : {}),
    window: { start: Math.floor(start / 86_400_000) * 86_400_000, end },
    fit,
  };
}

/** θ_r ≈ clicks at rank r / clicks at rank 1, clamped to [0, 1] and made non-increasing. */
function positionCtr(ranks: ReadonlyMap<string, number>, depth: number): number[] {
  const top = ranks.get("0") as number;
  const theta: number[] = [];
  for (let r = 0; r < depth; r++) theta.push(Math.min(theta[r - 1] ?? 1, Math.max(1e-3, (ranks.get(String(r)) ?? 0) / top)));
  return theta;
}

function sampleWithoutReplacement<T>(items: readonly T[], n: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}
