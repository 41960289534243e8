import { LRUCache } from "lru-cache";
import { type OpenSearchGateway } from "./gateway";

export interface CachedMgetOptions {
  gateway: OpenSearchGateway;
  alias: string;
  /** Values kept in process. */
  cacheSize: number;
  /** How long a cached value is trusted. */
  ttlMs: number;
}

/** How one {@link CachedMget.read} fetches and keeps. */
export interface CachedMgetRead<T> {
  /** `_source_includes` of the `_mget` (comma-separated). */
  fields: string;
  timeoutMs: number;
  retries: number;
  /** The value of a found document's source; null when it has none (cached as null too). */
  parse: (source: Record<string, unknown>) => T | null;
  /** The cache key of an id. @defaultValue the id */
  key?: (id: string) => string;
}

/** LRU values cannot be null: an id without a value is cached as this. */
const ABSENT = Object.freeze({ absent: true as const });

interface MgetBody {
  docs?: { _id: string; found?: boolean; _source?: Record<string, unknown> }[];
}

/**
 * Values read from the documents of an alias by id: an in-process LRU in front of ONE `_mget` per read
 * for the misses. An id the alias does not hold (or a missing alias) has no value, and is cached so.
 */
export class CachedMget<T extends object> {
  readonly #gateway: OpenSearchGateway;
  readonly #alias: string;
  readonly #cache: LRUCache<string, T | typeof ABSENT>;

  constructor(options: CachedMgetOptions) {
    this.#gateway = options.gateway;
    this.#alias = options.alias;
    this.#cache = new LRUCache({ max: options.cacheSize, ttl: options.ttlMs });
  }

  /** The value of each id (null when there is none); at most one `_mget`. */
  async read(ids: readonly string[], read: CachedMgetRead<T>): Promise<Map<string, T | null>> {
    const key = read.key ?? ((id: string) => id);
    const out = new Map<string, T | null>();
    const misses: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.#cache.get(key(id));
      if (cached === undefined) misses.push(id);
      else out.set(id, cached === ABSENT ? null : (cached as T));
    }
    if (misses.length === 0) return out;
    const response = await this.#gateway.request<MgetBody>(
      "POST",
      `/${encodeURIComponent(this.#alias)}/_mget`,
      { ids: misses },
      { timeoutMs: read.timeoutMs, retries: read.retries, ignore: [404], querystring: { _source_includes: read.fields } },
    );
    const found = new Map<string, T>();
    for (const doc of response.body.docs ?? []) {
      if (!doc.found || !doc._source) continue;
      const value = read.parse(doc._source);
      if (value !== null) found.set(doc._id, value);
    }
    for (const id of misses) {
      const value = found.get(id) ?? null;
      this.#cache.set(key(id), value ?? ABSENT);
      out.set(id, value);
    }
    return out;
  }

  /** Forgets cached values: all, or those under some keys. */
  forget(keys?: readonly string[]): void {
    if (!keys) this.#cache.clear();
    else for (const key of keys) this.#cache.delete(key);
  }
}
