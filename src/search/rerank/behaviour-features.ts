import { priceBand, type Affinity, type CandidateSignals, type UserProfile } from "../../profiles";

/** A user's affinities as shares of their total per kind, ready to look candidates up in. */
export class UserAffinities {
  readonly #items: ReadonlyMap<string, number>;
  readonly #categories: ReadonlyMap<string, number>;
  readonly #brands: ReadonlyMap<string, number>;
  readonly #priceBands: ReadonlyMap<string, number>;

  /** `excludedItems` get no item affinity (a training example must not see its own answer). */
  constructor(profile: UserProfile | null, excludedItems: ReadonlySet<string> = new Set()) {
    const a = profile?.affinities;
    this.#items = shares((a?.items ?? []).filter((x) => !excludedItems.has(x.key)));
    this.#categories = shares(a?.categories ?? []);
    this.#brands = shares(a?.brands ?? []);
    this.#priceBands = shares(a?.priceBands ?? []);
  }

  item(id: string): number {
    return this.#items.get(id) ?? 0;
  }

  /** The affinity of the deepest category path of the candidate the user has one for. */
  category(paths: readonly string[]): number {
    for (let i = paths.length - 1; i >= 0; i--) {
      const share = this.#categories.get(paths[i] as string);
      if (share !== undefined) return share;
    }
    return 0;
  }

  brand(brand: string | null): number {
    return brand === null ? 0 : (this.#brands.get(brand) ?? 0);
  }

  priceBand(price: unknown): number {
    const band = priceBand(price);
    return band === null ? 0 : (this.#priceBands.get(band) ?? 0);
  }
}

/** Each key's weight over the kind's total, so heavy and light users' affinities compare. */
function shares(entries: readonly Affinity[]): Map<string, number> {
  let total = 0;
  for (const e of entries) if (e.weight > 0) total += e.weight;
  return new Map(total > 0 ? entries.map((e) => [e.key, Math.max(0, e.weight) / total]) : []);
}

/** Category path prefixes, root first, as profiles key category affinities (src/profiles item facts). */
export function categoryPaths(fields: Readonly<Record<string, unknown>>): string[] {
  const paths = fields.category_path;
  if (Array.isArray(paths) && paths.every((p) => typeof p === "string")) return paths.slice(0, 16);
  const category = fields.category;
  const parts = (Array.isArray(category) ? category.filter((c): c is string => typeof c === "string") : typeof category === "string" ? category.split("/") : [])
    .map((c) => c.trim())
    .filter((c) => c !== "")
    .slice(0, 16);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Lowercased brand, as profiles key brand affinities. */
export function brandKey(fields: Readonly<Record<string, unknown>>): string | null {
  const brand = fields.brand;
  return typeof brand === "string" && brand.trim() !== "" ? brand.trim().toLowerCase() : null;
}

/** Signals of a candidate when Redis could not be read, or the candidate has none. */
export function zeroSignals(itemId: string): CandidateSignals {
  return { itemId, popularity: 0, queryClicks: 0, queryCtr: 0, coInteraction: 0 };
}
