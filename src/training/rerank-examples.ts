import { readLines } from "../events";
import { type JudgmentSet } from "../eval";
import { queryKey } from "../model/query-key";
import { type SyntheticRows } from "./rerank-list-file";

/** One query to ask the sidecar for candidates, with the grades that label them. */
export interface RerankExample {
  query: string;
  /** Searched as this (raw) user; none: no history. */
  userId?: string;
  /** Epoch ms: the history the features see ends strictly before it (the search's own time, for events). */
  asOf?: number;
  /** Items kept out of the history and co-interaction features, so the profile never contains the label. */
  excludeItems: string[];
  /** Item id → grade (> 0 is relevant); every other candidate is 0. */
  grades: Map<string, number>;
  /** Validation split key: the normalized query, so one query's lists never straddle the split. */
  group: string;
}

/** Judgments (CONTRACTS §4) as examples: one per (query, user_id) group, labeled by its grades. */
export function examplesFromJudgments(set: JudgmentSet): RerankExample[] {
  return set.groups.map((group) => ({
    query: group.query,
    ...(group.userId ? { userId: group.userId } : {}),
    excludeItems: [],
    grades: new Map(group.grades),
    group: queryKey(group.query),
  }));
}

/** Grades of the positive event types: more intent, more gain. */
const POSITIVE_EVENT_GRADES: Readonly<Record<string, number>> = Object.freeze({ click: 1, add_to_cart: 2, purchase: 3 });

export interface EventExamplesOptions {
  /** Events marked `"synthetic": true`: kept, left out, or the only ones read. Wins over `includeSynthetic`. @defaultValue "include" */
  synthetic?: SyntheticRows;
  /** Older spelling: false is `synthetic: "exclude"`. @defaultValue true */
  includeSynthetic?: boolean;
}

/** What reading the events file found. */
export interface EventExamplesSummary {
  lines: number;
  searches: number;
  positives: number;
  /** Positives with no earlier search of the same user and session and no `query` of their own. */
  unattributed: number;
  /** Lines that are not a usable event (bad JSON, no user, no timestamp, unknown type). */
  skipped: number;
  /** Synthetic lines left out (`synthetic: "exclude"`). */
  synthetic: number;
  /** Real (not synthetic) lines left out (`synthetic: "only"`). */
  real: number;
}

interface Search {
  query: string;
  timestamp: number;
  grades: Map<string, number>;
}

interface Positive {
  itemId: string;
  grade: number;
  timestamp: number;
  query?: string;
}

function timestampOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string" || value.trim() === "") return null;
  const asNumber = Number(value);
  if (Number.isFinite(asNumber)) return asNumber;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : null;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

/**
 * Reads an events file (NDJSON, `.gz` accepted; CONTRACTS §3) into examples: a click, add-to-cart or
 * purchase is a positive for the latest `search` of the same user and session at or before it (a
 * positive with none but a `query` of its own stands for its search). Each search with positives is one
 * example, as of the search's time and with its positives excluded from the history. Every other
 * candidate is a negative: the file has no impressions, so "skipped" means "retrieved and not chosen".
 */
export async function examplesFromEvents(path: string, options: EventExamplesOptions = {}): Promise<{ examples: RerankExample[]; summary: EventExamplesSummary }> {
  const mode: SyntheticRows = options.synthetic ?? (options.includeSynthetic === false ? "exclude" : "include");
  const summary: EventExamplesSummary = { lines: 0, searches: 0, positives: 0, unattributed: 0, skipped: 0, synthetic: 0, real: 0 };
  // (user, session) → its searches and positives, in file order (sorted by time below).
  const sessions = new Map<string, { userId: string; searches: Search[]; positives: Positive[] }>();
  for await (const line of readLines(path)) {
    if (line.trim() === "") continue;
    summary.lines += 1;
    let event: Record<string, unknown>;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      event = parsed as Record<string, unknown>;
    } catch {
      summary.skipped += 1;
      continue;
    }
    if (event.synthetic === true && mode === "exclude") {
      summary.synthetic += 1;
      continue;
    }
    if (event.synthetic !== true && mode === "only") {
      summary.real += 1;
      continue;
    }
    const userId = text(event.user_id);
    const timestamp = timestampOf(event.timestamp);
    const type = text(event.type);
    if (!userId || timestamp === null || !type) {
      summary.skipped += 1;
      continue;
    }
    const key = JSON.stringify([userId, text(event.session_id) ?? null]);
    let session = sessions.get(key);
    if (!session) sessions.set(key, (session = { userId, searches: [], positives: [] }));
    const query = text(event.query);
    const itemId = typeof event.item_id === "number" ? String(event.item_id) : text(event.item_id);
    if (type === "search" && query) {
      summary.searches += 1;
      session.searches.push({ query, timestamp, grades: new Map() });
    } else if (POSITIVE_EVENT_GRADES[type] !== undefined && itemId) {
      summary.positives += 1;
      session.positives.push({ itemId, grade: POSITIVE_EVENT_GRADES[type], timestamp, ...(query ? { query } : {}) });
    } else if (type !== "view") {
      summary.skipped += 1;
    }
  }

  const examples: RerankExample[] = [];
  for (const { userId, searches, positives } of sessions.values()) {
    searches.sort((a, b) => a.timestamp - b.timestamp);
    positives.sort((a, b) => a.timestamp - b.timestamp);
    const standalone: Search[] = [];
    for (const positive of positives) {
      let search: Search | undefined;
      for (const candidate of searches) {
        if (candidate.timestamp > positive.timestamp) break;
        search = candidate;
      }
      if (!search && positive.query) {
        // The click carries the query it followed; its own time stands for the search's.
        search = standalone.find((s) => s.query === positive.query) ?? { query: positive.query, timestamp: positive.timestamp, grades: new Map() };
        if (!standalone.includes(search)) standalone.push(search);
      }
      if (!search) {
        summary.unattributed += 1;
        continue;
      }
      search.grades.set(positive.itemId, Math.max(search.grades.get(positive.itemId) ?? 0, positive.grade));
    }
    for (const search of [...searches, ...standalone]) {
      if (search.grades.size === 0) continue;
      examples.push({ query: search.query, userId, asOf: search.timestamp, excludeItems: [...search.grades.keys()], grades: search.grades, group: queryKey(search.query) });
    }
  }
  return { examples, summary };
}
