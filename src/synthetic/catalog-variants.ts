import { type Product, type RawRecord } from "../indexing";
import { seededRandom } from "../shared/seeded-random";
import { replaceWord, rewriteSynonym, rewriteUnits, rewriteWordOrder } from "./title-rewrite";

export interface VariantOptions {
  /** Variants per product. @defaultValue 2 */
  variants?: number;
  /** @defaultValue 42 */
  seed?: number;
}

/** Distinct values, sorted, with each value's position (so drawing "another value" need not filter the list). */
interface Pool {
  values: string[];
  at: Map<string, number>;
}

/** The catalog's own values that variants recombine: brands and each attribute's values. */
interface ValuePools {
  brands: Pool;
  attributes: Map<string, Pool>;
}

const EMPTY_POOL: Pool = { values: [], at: new Map() };

function poolOf(values: Iterable<string>): Pool {
  const sorted = [...values].sort();
  return { values: sorted, at: new Map(sorted.map((value, i) => [value, i])) };
}

function poolsOf(products: readonly Product[]): ValuePools {
  const brands = new Set<string>();
  const attributes = new Map<string, Set<string>>();
  for (const product of products) {
    if (product.brand) brands.add(product.brand);
    for (const [key, value] of Object.entries(product.attributes ?? {})) {
      let values = attributes.get(key);
      if (!values) attributes.set(key, (values = new Set()));
      values.add(value);
    }
  }
  return { brands: poolOf(brands), attributes: new Map([...attributes].map(([key, values]) => [key, poolOf(values)])) };
}

/** A value of the pool other than `current`, uniformly; undefined when there is none (one draw either way). */
function other(pool: Pool, current: string | undefined, random: () => number): string | undefined {
  const skip = current === undefined ? undefined : pool.at.get(current);
  if (skip === undefined) return pool.values[Math.floor(random() * pool.values.length)];
  const k = Math.floor(random() * (pool.values.length - 1));
  return pool.values[k < skip ? k : k + 1];
}

/**
 * Product variants for catalog augmentation: each variant recombines the product's attributes with
 * values the catalog itself has (another brand, colour, size, capacity… — each swapped with probability
 * ½ and replaced in the title where the title names it), then rewrites the title by one rule (synonym,
 * word order or unit formatting). Every variant is `"synthetic": true` with `variant_of` = the product's
 * id and id `<id>-v<n>`; the same seed gives the same variants.
 */
export function* catalogVariants(products: readonly Product[], options: VariantOptions = {}): Generator<RawRecord> {
  const count = options.variants ?? 2;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`variants must be a positive integer, got ${count}`);
  const pools = poolsOf(products);
  const random = seededRandom(options.seed ?? 42);
  for (const product of products) {
    for (let n = 1; n <= count; n++) {
      let title = product.title;
      let description = product.description;
      let brand = product.brand;
      if (brand && random() < 0.5) {
        const swapped = other(pools.brands, brand, random);
        if (swapped) {
          title = replaceWord(title, brand, swapped);
          if (description) description = replaceWord(description, brand, swapped);
          brand = swapped;
        }
      }
      const attributes: Record<string, string> = { ...(product.attributes ?? {}) };
      for (const [key, value] of Object.entries(attributes)) {
        if (random() >= 0.5) continue;
        const swapped = other(pools.attributes.get(key) ?? EMPTY_POOL, value, random);
        if (!swapped) continue;
        attributes[key] = swapped;
        title = replaceWord(title, value, swapped);
      }
      // One rule, picked at random; when it finds nothing to change, the next one, so a title changes when any rule can.
      const rules = [() => rewriteSynonym(title, random), () => rewriteWordOrder(title), () => rewriteUnits(title, (n % 3) as 0 | 1 | 2)];
      const first = Math.floor(random() * rules.length);
      for (let r = 0; r < rules.length; r++) {
        const rewritten = (rules[(first + r) % rules.length] as () => string)();
        if (rewritten !== title) {
          title = rewritten;
          break;
        }
      }
      const price = product.price !== undefined ? Math.round(product.price * (0.9 + 0.3 * random()) * 100) / 100 : undefined;
      yield {
        id: `${product.id}-v${n}`,
        title,
        ...(description ? { description } : {}),
        ...(brand ? { brand } : {}),
        ...(product.category ? { category: product.category.join("/") } : {}),
        ...(price !== undefined ? { price } : {}),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        synthetic: true,
        variant_of: product.id,
      };
    }
  }
}
