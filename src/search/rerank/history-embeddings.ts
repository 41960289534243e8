import { CachedMget, type OpenSearchGateway } from "../../opensearch";

export interface HistoryEmbeddingsOptions {
  gateway: OpenSearchGateway;
  productsAlias: string;
  /** Item vectors kept in process. @defaultValue 20000 */
  cacheSize?: number;
  /** How long a cached vector is trusted (products get re-enriched). @defaultValue 300000 */
  ttlMs?: number;
}

/**
 * The stored vectors of history items: an in-process LRU in front of ONE `_mget` on the products
 * alias for the misses. A vector made by another model version than the serving one is not used
 * (it lives in another space); such an item is masked out of the history.
 */
export class HistoryEmbeddings {
  readonly #reader: CachedMget<Float32Array>;

  constructor(options: HistoryEmbeddingsOptions) {
    if (!options.productsAlias) throw new TypeError("HistoryEmbeddings needs the products alias");
    this.#reader = new CachedMget({ gateway: options.gateway, alias: options.productsAlias, cacheSize: options.cacheSize ?? 20_000, ttlMs: options.ttlMs ?? 300_000 });
  }

  /** The vector of each id made by `modelVersion` (null when the item or its vector is missing). At most one `_mget`. */
  vectorsFor(ids: readonly string[], modelVersion: string, timeoutMs: number): Promise<Map<string, Float32Array | null>> {
    return this.#reader.read(ids, {
      fields: "embedding,model_version",
      timeoutMs,
      retries: 0,
      key: (id) => `${modelVersion}\u0000${id}`,
      parse: (source) => {
        const vector = source.embedding;
        return source.model_version === modelVersion && Array.isArray(vector) && vector.length > 0 && vector.every((x) => typeof x === "number")
          ? Float32Array.from(vector)
          : null;
      },
    });
  }
}
