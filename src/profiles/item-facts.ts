import { CachedMget, type OpenSearchGateway } from "../opensearch";
import { priceBand } from "./price-band";

/** What a profile update needs to know about an item, read from the products alias. */
export interface ItemFacts {
  /** Category path prefixes, root first (`["Tools", "Tools/Hand Tools"]`). */
  readonly categories: readonly string[];
  /** Lowercased brand. */
  readonly brand: string | null;
  readonly priceBand: string | null;
  readonly embedding: Float32Array | null;
  /** Version of the model that made `embedding`. */
  readonly modelVersion: string | null;
}

export interface ItemFactsSourceOptions {
  gateway: OpenSearchGateway;
  productsAlias: string;
  /** @defaultValue 20000 */
  cacheSize?: number;
  /** @defaultValue 300000 */
  ttlMs?: number;
  /** @defaultValue 2000 */
  timeoutMs?: number;
}

const SOURCE_FIELDS = "category,category_path,brand,price,embedding,model_version";

/**
 * Item facts for profile updates: an in-process LRU in front of ONE `_mget` per batch for the misses.
 * Items the alias does not hold (or a missing alias) have no facts; they still count in recent items,
 * item affinities and signals.
 */
export class ItemFactsSource {
  readonly #timeoutMs: number;
  readonly #reader: CachedMget<ItemFacts>;

  constructor(options: ItemFactsSourceOptions) {
    if (!options.productsAlias) throw new TypeError("ItemFactsSource needs the products alias");
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#reader = new CachedMget({ gateway: options.gateway, alias: options.productsAlias, cacheSize: options.cacheSize ?? 20_000, ttlMs: options.ttlMs ?? 300_000 });
  }

  /** Facts of each id (null when the products alias does not have it); at most one `_mget`. */
  factsFor(ids: readonly string[]): Promise<Map<string, ItemFacts | null>> {
    return this.#reader.read(ids, { fields: SOURCE_FIELDS, timeoutMs: this.#timeoutMs, retries: 1, parse: toItemFacts });
  }

  /** Forgets cached facts (all, or of some items), e.g. after products were re-enriched. */
  forget(ids?: readonly string[]): void {
    this.#reader.forget(ids);
  }
}

function categoryPrefixes(source: Record<string, unknown>): string[] {
  const paths = source.category_path;
  if (Array.isArray(paths) && paths.every((p) => typeof p === "string")) return paths;
  const category = source.category;
  const parts = Array.isArray(category)
    ? category.filter((c): c is string => typeof c === "string")
    : typeof category === "string"
      ? category.split("/").map((c) => c.trim())
      : [];
  const clean = parts.filter((c) => c !== "");
  return clean.map((_, i) => clean.slice(0, i + 1).join("/"));
}

function toItemFacts(source: Record<string, unknown>): ItemFacts {
  const embedding = source.embedding;
  const vector =
    Array.isArray(embedding) && embedding.length > 0 && embedding.every((x) => typeof x === "number") ? Float32Array.from(embedding) : null;
  const brand = typeof source.brand === "string" && source.brand.trim() !== "" ? source.brand.trim().toLowerCase() : null;
  return {
    categories: categoryPrefixes(source),
    brand,
    priceBand: priceBand(source.price),
    embedding: vector,
    modelVersion: vector && typeof source.model_version === "string" ? source.model_version : null,
  };
}
