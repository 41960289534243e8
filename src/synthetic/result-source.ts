import { type SidecarClient } from "../client";
import { mapWithConcurrency } from "../shared/concurrency";
import { type SimulatorItem } from "./simulator-catalog";

/** Where a simulated search gets its ranked result list: item ids, best first. */
export interface ResultSource {
  /** Names the ranking in summaries (`sidecar:hybrid`, `offline-overlap`). */
  readonly name: string;
  /** The ranked ids of every query (each asked once; the answers are cached by the source). */
  resultsFor(queries: readonly string[]): Promise<Map<string, string[]>>;
}

export interface SidecarResultsOptions {
  /** The `pipeline` of `POST /v1/search`. @defaultValue "hybrid" */
  pipeline?: string;
  /** Results per query (the depth users can click). @defaultValue 10 */
  size?: number;
  /** Searches in flight. @defaultValue 8 */
  concurrency?: number;
}

/**
 * Result lists from the running sidecar (`POST /v1/search`, anonymous: the same list for every user,
 * so one cached answer per (query, pipeline) serves every simulated search of that query).
 */
export class SidecarResults implements ResultSource {
  readonly name: string;
  readonly #cache = new Map<string, string[]>();
  readonly #pipeline: string;
  readonly #size: number;
  readonly #concurrency: number;

  constructor(
    readonly client: SidecarClient,
    options: SidecarResultsOptions = {},
  ) {
    this.#pipeline = options.pipeline ?? "hybrid";
    this.#size = options.size ?? 10;
    this.#concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(this.#size) || this.#size < 1 || this.#size > 100) throw new RangeError(`result size must be an integer in 1..100, got ${this.#size}`);
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${this.#concurrency}`);
    this.name = `sidecar:${this.#pipeline}`;
  }

  /** Searches sent to the sidecar so far (cached answers, loaded ones included, cost none). */
  searches = 0;

  /** The cache's identity: lists cached under another pipeline or size must not be reused. */
  get cacheKey(): { pipeline: string; size: number } {
    return { pipeline: this.#pipeline, size: this.#size };
  }

  /** Seeds the cache with lists asked before (e.g. by an earlier run against the same index state). */
  preload(lists: Iterable<readonly [string, readonly string[]]>): void {
    for (const [query, ids] of lists) this.#cache.set(query, [...ids]);
  }

  /** Every cached list, to keep for a later run. */
  cached(): [string, string[]][] {
    return [...this.#cache];
  }

  async resultsFor(queries: readonly string[]): Promise<Map<string, string[]>> {
    const missing = [...new Set(queries)].filter((q) => !this.#cache.has(q));
    await mapWithConcurrency(missing, this.#concurrency, async (query) => {
      const answer = await this.client.search({ q: query, pipeline: this.#pipeline, size: this.#size });
      this.searches += 1;
      this.#cache.set(
        query,
        answer.hits.map((hit) => String(hit.id)),
      );
    });
    return new Map(queries.map((q) => [q, this.#cache.get(q) ?? []]));
  }
}

/** Lowercased letter/digit runs; `split` on one character class is linear. */
function tokens(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/**
 * The offline fallback, for runs without a sidecar (tests, a first look): a BM25-like word-overlap
 * ranking of the catalog's titles, brands and categories — Σ idf of the query words an item contains,
 * ties by id. Not the sidecar's ranking: click positions simulated on it say nothing about the real one.
 */
export class OfflineOverlapResults implements ResultSource {
  readonly name = "offline-overlap";
  readonly #postings = new Map<string, string[]>();
  readonly #idf = new Map<string, number>();
  readonly #size: number;

  constructor(items: readonly SimulatorItem[], size = 10) {
    this.#size = size;
    for (const item of items) {
      for (const token of new Set(tokens(`${item.title} ${item.brand} ${item.category}`))) {
        const list = this.#postings.get(token);
        if (list) list.push(item.id);
        else this.#postings.set(token, [item.id]);
      }
    }
    for (const [token, list] of this.#postings) this.#idf.set(token, Math.log(1 + (items.length - list.length + 0.5) / (list.length + 0.5)));
  }

  resultsFor(queries: readonly string[]): Promise<Map<string, string[]>> {
    return Promise.resolve(new Map(queries.map((q) => [q, this.rank(q)])));
  }

  rank(query: string): string[] {
    const scores = new Map<string, number>();
    for (const token of new Set(tokens(query))) {
      const idf = this.#idf.get(token) ?? 0;
      for (const id of this.#postings.get(token) ?? []) scores.set(id, (scores.get(id) ?? 0) + idf);
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, this.#size)
      .map(([id]) => id);
  }
}
