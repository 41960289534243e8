import { readLines } from "../../events";

/** A line longer than this is not one event (CONTRACTS §3); it is counted unreadable, not parsed. */
const MAX_LINE_CHARS = 64 * 1024;
const POSITIVE_TYPES = new Set(["click", "add_to_cart", "purchase"]);

/** What one events file looks like, as distributions the quality report compares. */
export interface EventStatistics {
  events: number;
  unreadable: number;
  sessions: number;
  /** Numeric distributions, one value per unit named in {@link NUMERIC_UNITS}. */
  numeric: Record<NumericStatistic, number[]>;
  /** Event type → count. */
  types: Map<string, number>;
  /** Category of the clicked/carted/purchased item (as `categoryOf` names it) → count (empty without a catalog). */
  categories: Map<string, number>;
  /** Item → positive interactions. */
  items: Map<string, number>;
  /** One vector per session for the classifier two-sample test, in {@link SESSION_VECTOR} order. */
  sessionVectors: Float64Array[];
}

export const NUMERIC_STATISTICS = ["session_length", "searches_per_session", "query_words", "clicks_per_search", "click_position", "hour_of_day"] as const;
export type NumericStatistic = (typeof NUMERIC_STATISTICS)[number];

/** What one value of each numeric statistic stands for. */
export const NUMERIC_UNITS: Readonly<Record<NumericStatistic, string>> = Object.freeze({
  session_length: "events per session",
  searches_per_session: "searches per session",
  query_words: "words per search query",
  clicks_per_search: "clicks/carts/purchases after each search, before the next one in the session",
  click_position: "the event's `position` (1-based), where events carry one",
  hour_of_day: "UTC hour of each event",
});

export const SESSION_VECTOR = ["log_events", "searches", "positives", "carts_and_purchases", "mean_query_words", "positives_per_search", "hour_sin", "hour_cos", "distinct_items_share", "log_minutes"] as const;

interface Event {
  type: string;
  itemId?: string;
  query?: string;
  time: number;
  position?: number;
}

function parseEvent(text: string): { session: string; event: Event } | null {
  if (text.length > MAX_LINE_CHARS) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  if (typeof o.type !== "string" || typeof o.user_id !== "string") return null;
  const time = typeof o.timestamp === "number" ? o.timestamp : typeof o.timestamp === "string" ? Date.parse(o.timestamp) : Number.NaN;
  if (!Number.isFinite(time)) return null;
  const session = `${o.user_id}\u0000${typeof o.session_id === "string" ? o.session_id : ""}`;
  return {
    session,
    event: {
      type: o.type,
      time,
      ...(typeof o.item_id === "string" ? { itemId: o.item_id } : {}),
      ...(typeof o.query === "string" ? { query: o.query } : {}),
      ...(typeof o.position === "number" && Number.isFinite(o.position) ? { position: o.position } : {}),
    },
  };
}

const words = (query: string): number => query.split(/\s+/).filter((w) => w.length > 0).length;
const increment = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

/** Per-session figures and the session's vector. */
function summarizeSession(events: Event[], into: EventStatistics, categoryOf: (itemId: string) => string | undefined): void {
  events.sort((a, b) => a.time - b.time);
  const n = into.numeric;
  let searches = 0;
  let positives = 0;
  let carts = 0;
  let queryWords = 0;
  let sinceSearch: number | null = null;
  let hourSin = 0;
  let hourCos = 0;
  const items = new Set<string>();
  for (const event of events) {
    const hour = new Date(event.time).getUTCHours();
    n.hour_of_day.push(hour);
    hourSin += Math.sin((2 * Math.PI * hour) / 24);
    hourCos += Math.cos((2 * Math.PI * hour) / 24);
    increment(into.types, event.type);
    if (event.itemId) items.add(event.itemId);
    if (event.type === "search") {
      if (sinceSearch !== null) n.clicks_per_search.push(sinceSearch);
      sinceSearch = 0;
      searches++;
      const w = words(event.query ?? "");
      n.query_words.push(w);
      queryWords += w;
    } else if (POSITIVE_TYPES.has(event.type)) {
      positives++;
      if (event.type !== "click") carts++;
      if (sinceSearch !== null) sinceSearch++;
      if (event.position !== undefined) n.click_position.push(event.position);
      if (event.itemId) {
        increment(into.items, event.itemId);
        const category = categoryOf(event.itemId);
        if (category) increment(into.categories, category);
      }
    }
  }
  if (sinceSearch !== null) n.clicks_per_search.push(sinceSearch);
  n.session_length.push(events.length);
  n.searches_per_session.push(searches);
  const minutes = ((events.at(-1)?.time ?? 0) - (events[0]?.time ?? 0)) / 60_000;
  into.sessionVectors.push(
    Float64Array.from([
      Math.log1p(events.length),
      searches,
      positives,
      carts,
      searches > 0 ? queryWords / searches : 0,
      positives / Math.max(1, searches),
      hourSin / events.length,
      hourCos / events.length,
      items.size / events.length,
      Math.log1p(Math.max(0, minutes)),
    ]),
  );
}

/**
 * Reads an events file (NDJSON, `.gz` accepted) into the report's distributions. A session is one
 * (user_id, session_id) pair; events without a session id fall into their user's one session.
 * Unusable lines (not JSON, no type, user or timestamp, over-long) are counted, not fatal.
 */
export async function eventStatistics(path: string, categoryOf: (itemId: string) => string | undefined = () => undefined): Promise<EventStatistics> {
  const sessions = new Map<string, Event[]>();
  const stats: EventStatistics = {
    events: 0,
    unreadable: 0,
    sessions: 0,
    numeric: Object.fromEntries(NUMERIC_STATISTICS.map((name) => [name, []])) as unknown as Record<NumericStatistic, number[]>,
    types: new Map(),
    categories: new Map(),
    items: new Map(),
    sessionVectors: [],
  };
  for await (const text of readLines(path)) {
    if (text.trim() === "") continue;
    const parsed = parseEvent(text);
    if (!parsed) {
      stats.unreadable++;
      continue;
    }
    stats.events++;
    const list = sessions.get(parsed.session);
    if (list) list.push(parsed.event);
    else sessions.set(parsed.session, [parsed.event]);
  }
  for (const events of sessions.values()) summarizeSession(events, stats, categoryOf);
  stats.sessions = sessions.size;
  return stats;
}

/** Share of the positive interactions that went to the most popular 10 % of the interacted items (at least one item); null without any. */
export function topDecileShare(items: ReadonlyMap<string, number>): number | null {
  const counts = [...items.values()].sort((a, b) => b - a);
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const top = Math.max(1, Math.ceil(counts.length / 10));
  return counts.slice(0, top).reduce((s, c) => s + c, 0) / total;
}
