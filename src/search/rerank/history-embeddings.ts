import { LRUCache } from "lru-cache";
import { type OpenSearchGateway } from "../../opensearch";

export interface HistoryEmbeddingsOptions {
  gateway: OpenSearchGateway;
  productsAlias: string;
  /** Item vectors kept in process. @defaultValue 20000 */
  cacheSize?: number;
  /** How long a cached vector is trusted (products get re-enriched). @defaultValue 300000 */
  ttlMs?: number;
}

/** LRU values cannot be null: an item without a usable vector is cached as this. */
const NONE = Object.freeze({ none: true as const });

interface MgetBody {
  docs?: { _id: string; found?: boolean; _source?: Record<string, unknown> }[];
}

/**
 * The stored vectors of history items: an in-process LRU in front of ONE `_mget` on the products
 * alias for the misses. A vector made by another model version than the serving one is not used
 * (it lives in another space); such an item is masked out of the history.
 */
export class HistoryEmbeddings {
  readonly #gateway: OpenSearchGateway;
  readonly #alias: string;
  readonly #cache: LRUCache<string, Float32Array | typeof NONE>;

  constructor(options: HistoryEmbeddingsOptions) {
    if (!options.productsAlias) throw new TypeError("HistoryEmbeddings needs the products alias");
    this.#gateway = options.gateway;
    this.#alias = options.productsAlias;
    this.#cache = new LRUCache({ max: options.cacheSize ?? 20_000, ttl: options.ttlMs ?? 300_000 });
  }

  /** The vector of each id made by `modelVersion` (null when the item or its vector is missing). At most one `_mget`. */
  async vectorsFor(ids: readonly string[], modelVersion: string, timeoutMs: number): Promise<Map<string, Float32Array | null>> {
    const out = new Map<string, Float32Array | null>();
    const misses: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.#cache.get(`${modelVersion}\u0000${id}`);
      if (cached === undefined) misses.push(id);
      else out.set(id, "none" in cached ? null : cached);
    }
    if (misses.length === 0) return out;
    const response = await this.#gateway.request<MgetBody>(
      "POST",
      `/${encodeURIComponent(this.#alias)}/_mget`,
      { ids: misses },
      { timeoutMs, retries: 0, ignore: [404], querystring: { _source_includes: "embedding,model_version" } },
    );
    const found = new Map<string, Float32Array>();
    for (const doc of response.body.docs ?? []) {
      const source = doc._source;
      const vector = source?.embedding;
      if (doc.found && source && source.model_version === modelVersion && Array.isArray(vector) && vector.length > 0 && vector.every((x) => typeof x === "number")) {
        found.set(doc._id, Float32Array.from(vector));
      }
    }
    for (const id of misses) {
      const vector = found.get(id) ?? null;
      this.#cache.set(`${modelVersion}\u0000${id}`, vector ?? NONE);
      out.set(id, vector);
    }
    return out;
  }
}
