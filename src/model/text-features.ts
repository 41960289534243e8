import { PorterStemmer } from "natural/lib/natural/stemmers";
import { type Product } from "../indexing/product";
import { fnv1a32 } from "./hash";
import { normalizeText, STOPWORDS, tokenize } from "./text-normalize";

/** How text becomes hashed features. Saved in a model's manifest: a model is only valid with the options it was trained with. */
export interface FeatureOptions {
  /** Number of hash buckets (rows of the embedding table). @defaultValue 262144 (2^18) */
  buckets: number;
  /** Weight of each stemmed word. @defaultValue 1 */
  unigramWeight: number;
  /** Weight of each pair of adjacent stemmed words. @defaultValue 0.5 */
  bigramWeight: number;
  /** Total weight of one word's character trigrams (of `#word#`), spread evenly over them. @defaultValue 1 */
  trigramWeight: number;
  /** Words read per field; the rest is ignored (long descriptions add little). @defaultValue 64 */
  maxWordsPerField: number;
  /** Multiplier per product field; fields share the hash space so query words match any of them. */
  fieldWeights: FieldWeights;
}

export interface FieldWeights {
  /** @defaultValue 1 */
  title: number;
  /** @defaultValue 0.5 */
  brand: number;
  /** @defaultValue 0.5 */
  category: number;
  /** @defaultValue 0.25 */
  description: number;
  /** @defaultValue 0.25 */
  attributes: number;
}

export const DEFAULT_FEATURE_OPTIONS: Readonly<FeatureOptions> = Object.freeze({
  buckets: 1 << 18,
  unigramWeight: 1,
  bigramWeight: 0.5,
  trigramWeight: 1,
  maxWordsPerField: 64,
  fieldWeights: Object.freeze({ title: 1, brand: 0.5, category: 0.5, description: 0.25, attributes: 0.25 }),
});

/** A text as a sparse bag: distinct bucket ids and their weights, summing to 1. */
export interface SparseFeatures {
  readonly ids: Int32Array;
  readonly weights: Float32Array;
}


// Distinct seeds keep the three feature kinds apart in the shared bucket space.
const UNIGRAM_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x9e3779b9;
const TRIGRAM_SEED = 0x85ebca6b;
/** A text with no usable word still gets one feature, so its vector is never zero (cosine k-NN rejects zero vectors). */
const EMPTY_TEXT = "<empty>";
/**
 * Longer words are neither stemmed nor cached. The Porter stemmer is quadratic in a word's length
 * (4 s for one 16,000-letter word), and caching such words would let one document fill memory; no
 * real word comes near this length.
 */
const MAX_STEMMED_WORD_LENGTH = 64;

export function resolveFeatureOptions(options: Partial<FeatureOptions> = {}): FeatureOptions {
  const resolved: FeatureOptions = {
    ...DEFAULT_FEATURE_OPTIONS,
    ...options,
    fieldWeights: { ...DEFAULT_FEATURE_OPTIONS.fieldWeights, ...(options.fieldWeights ?? {}) },
  };
  if (!Number.isInteger(resolved.buckets) || resolved.buckets < 16 || resolved.buckets > 1 << 24) {
    throw new Error(`feature buckets must be an integer in [16, 2^24], got ${resolved.buckets}`);
  }
  if (!Number.isInteger(resolved.maxWordsPerField) || resolved.maxWordsPerField < 1) {
    throw new Error(`maxWordsPerField must be a positive integer, got ${resolved.maxWordsPerField}`);
  }
  for (const [name, value] of Object.entries({ ...resolved.fieldWeights, unigramWeight: resolved.unigramWeight, bigramWeight: resolved.bigramWeight, trigramWeight: resolved.trigramWeight })) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`feature weight ${name} must be a number ≥ 0, got ${value}`);
  }
  return resolved;
}

/**
 * Turns queries and products into hashed sparse features: stemmed word unigrams and bigrams plus
 * character trigrams of the unstemmed words, so a typo still shares most trigrams with the right word.
 */
export class TextFeaturizer {
  readonly options: FeatureOptions;
  // Stemming dominates featurization time; catalogs repeat words a lot.
  private readonly stems = new Map<string, string>();
  private readonly trigramIds = new Map<string, readonly number[]>();

  constructor(options: Partial<FeatureOptions> = {}) {
    this.options = resolveFeatureOptions(options);
  }

  /** Normalized, tokenized words (stopwords kept) — also the vocabulary unit for spelling correction. */
  words(text: string): string[] {
    return tokenize(normalizeText(text));
  }

  stem(word: string): string {
    if (word.length > MAX_STEMMED_WORD_LENGTH) return word;
    let stem = this.stems.get(word);
    if (stem === undefined) {
      stem = /^[a-z]{4,}$/.test(word) ? PorterStemmer.stem(word) : word;
      if (this.stems.size < 500_000) this.stems.set(word, stem);
    }
    return stem;
  }

  queryFeatures(text: string): SparseFeatures {
    const bag = new Map<number, number>();
    this.addText(bag, text, 1);
    return this.finish(bag);
  }

  productFeatures(product: Product): SparseFeatures {
    const bag = new Map<number, number>();
    const weights = this.options.fieldWeights;
    this.addText(bag, product.title, weights.title);
    if (product.brand) this.addText(bag, product.brand, weights.brand);
    if (product.category && product.category.length > 0) this.addText(bag, product.category.join(" "), weights.category);
    if (product.description) this.addText(bag, product.description, weights.description);
    if (product.attributes) {
      const text = Object.entries(product.attributes)
        .map(([key, value]) => `${key} ${value}`)
        .join(" ");
      this.addText(bag, text, weights.attributes);
    }
    return this.finish(bag);
  }

  private finish(bag: Map<number, number>): SparseFeatures {
    if (bag.size === 0) bag.set(this.bucket(EMPTY_TEXT, UNIGRAM_SEED), 1);
    return normalizeBag(bag);
  }

  private bucket(text: string, seed: number): number {
    return fnv1a32(text, seed) % this.options.buckets;
  }

  private trigrams(word: string): readonly number[] {
    let ids = this.trigramIds.get(word);
    if (ids === undefined) {
      const padded = `#${word}#`;
      const list: number[] = [];
      for (let i = 0; i + 3 <= padded.length; i++) list.push(this.bucket(padded.slice(i, i + 3), TRIGRAM_SEED));
      ids = list;
      if (this.trigramIds.size < 500_000 && word.length <= MAX_STEMMED_WORD_LENGTH) this.trigramIds.set(word, ids);
    }
    return ids;
  }

  private addText(bag: Map<number, number>, text: string, fieldWeight: number): void {
    if (fieldWeight <= 0 || text === "") return;
    const { unigramWeight, bigramWeight, trigramWeight, maxWordsPerField } = this.options;
    const words = this.words(text).slice(0, maxWordsPerField);
    let previous: string | undefined;
    for (const word of words) {
      if (STOPWORDS.has(word)) {
        previous = undefined;
        continue;
      }
      const stem = this.stem(word);
      add(bag, this.bucket(stem, UNIGRAM_SEED), unigramWeight * fieldWeight);
      if (previous !== undefined && bigramWeight > 0) add(bag, this.bucket(`${previous} ${stem}`, BIGRAM_SEED), bigramWeight * fieldWeight);
      previous = stem;
      if (trigramWeight > 0) {
        const ids = this.trigrams(word);
        const each = (trigramWeight * fieldWeight) / ids.length;
        for (const id of ids) add(bag, id, each);
      }
    }
  }
}

function add(bag: Map<number, number>, id: number, weight: number): void {
  bag.set(id, (bag.get(id) ?? 0) + weight);
}

function normalizeBag(bag: Map<number, number>): SparseFeatures {
  const ids = new Int32Array(bag.size);
  const weights = new Float32Array(bag.size);
  let total = 0;
  for (const weight of bag.values()) total += weight;
  let i = 0;
  for (const [id, weight] of bag) {
    ids[i] = id;
    weights[i] = weight / total;
    i++;
  }
  return { ids, weights };
}
