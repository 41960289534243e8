import { LRUCache } from "lru-cache";
import { type QueryEmbedder } from "./query-embedder";

/** Queries differing only in case or spacing share a vector. */
export function normalizeQuery(q: string): string {
  return q.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * Query vectors by (model version, normalized query): popular queries are embedded once, and a
 * promoted model never sees the old model's vectors.
 */
export class QueryVectorCache {
  readonly #cache: LRUCache<string, Float32Array>;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 10_000) {
    this.#cache = new LRUCache({ max: maxEntries });
  }

  async vectorFor(embedder: QueryEmbedder, q: string): Promise<Float32Array> {
    const normalized = normalizeQuery(q);
    const key = `${embedder.version}\u0000${normalized}`;
    const cached = this.#cache.get(key);
    if (cached) {
      this.hits += 1;
      return cached;
    }
    this.misses += 1;
    // Misspellings the model never saw in training land far from their products; correct them first.
    const [vector] = await embedder.embedQueries([embedder.correctQuery?.(normalized) ?? normalized]);
    if (!vector) throw new Error(`embedder ${embedder.name}@${embedder.version} returned no vector`);
    this.#cache.set(key, vector);
    return vector;
  }
}
