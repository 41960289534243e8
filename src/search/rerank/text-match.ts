import { LRUCache } from "lru-cache";
import { normalizeText, STOPWORDS, tokenize, TextFeaturizer } from "../../model";

/** Words of a query or a field considered at most: features stay linear-time on any input. */
const MAX_QUERY_WORDS = 32;
const MAX_FIELD_WORDS = 64;
/** Characters of a field read at most (normalization is linear, this bounds it per candidate). */
const MAX_FIELD_CHARS = 2000;

// One stemmer for the process: its cache is bounded (src/model TextFeaturizer).
const stemmer = new TextFeaturizer();

function words(text: string, max: number): string[] {
  return tokenize(normalizeText(text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text)).slice(0, max);
}

function stems(tokens: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const token of tokens) if (!STOPWORDS.has(token)) out.add(stemmer.stem(token));
  return out;
}

/** A query prepared once per request for matching every candidate. */
export class PreparedQuery {
  readonly tokens: readonly string[];
  readonly tokenSet: ReadonlySet<string>;
  readonly stems: ReadonlySet<string>;
  /** Tokens joined by single spaces, padded, for phrase tests. */
  readonly phrase: string;

  constructor(query: string) {
    this.tokens = words(query, MAX_QUERY_WORDS);
    this.tokenSet = new Set(this.tokens);
    this.stems = stems(this.tokens);
    this.phrase = this.tokens.join(" ");
  }
}

/** A field value's normalized words (bounded) and their stems (stopwords left out). */
interface AnalyzedField {
  readonly words: readonly string[];
  readonly stems: ReadonlySet<string>;
  /** The words joined by single spaces. */
  readonly phrase: string;
}

const NO_WORDS: AnalyzedField = Object.freeze({ words: Object.freeze([]), stems: new Set<string>(), phrase: "" });

/**
 * Field values already analyzed, by their (bounded) text: the same products' titles, brands and
 * categories come back search after search, and normalizing, tokenizing and stemming them was most of
 * the feature rows' time. Values are immutable and shared.
 */
const analyzed = new LRUCache<string, AnalyzedField>({
  max: 50_000,
  // Bounded by text too (≈ 2 bytes per character for the key and the words): long values cannot fill memory.
  maxSize: 32_000_000,
  sizeCalculation: (field, key) => 4 * key.length + field.phrase.length * 2 + 1,
});

/** The words and stems of a field value (string or array of strings). */
function analyze(value: unknown): AnalyzedField {
  const text = typeof value === "string" ? value : Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").join(" ") : null;
  if (text === null) return NO_WORDS;
  const key = text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text;
  let field = analyzed.get(key);
  if (!field) {
    const fieldWords = words(key, MAX_FIELD_WORDS);
    field = { words: fieldWords, stems: stems(fieldWords), phrase: fieldWords.join(" ") };
    analyzed.set(key, field);
  }
  return field;
}

/** Share of the query's (stemmed, stopword-free) words found in `fieldStems`; 0 for a query without such words. */
export function overlap(query: PreparedQuery, fieldStems: ReadonlySet<string>): number {
  if (query.stems.size === 0) return 0;
  let found = 0;
  for (const stem of query.stems) if (fieldStems.has(stem)) found++;
  return found / query.stems.size;
}

/** {@link overlap} against the union of several fields' stems, without building the union. */
function anyOverlap(query: PreparedQuery, fields: readonly ReadonlySet<string>[]): number {
  if (query.stems.size === 0) return 0;
  let found = 0;
  for (const stem of query.stems) if (fields.some((f) => f.has(stem))) found++;
  return found / query.stems.size;
}

export interface TextMatch {
  titleTerms: number;
  titleOverlap: number;
  brandOverlap: number;
  categoryOverlap: number;
  anyFieldOverlap: number;
  titleExact: number;
  titlePhrase: number;
  titlePrefix: number;
  brandInQuery: number;
}

/** Query–document text features of one candidate. */
export function textMatch(query: PreparedQuery, fields: Readonly<Record<string, unknown>>): TextMatch {
  const { words: title, stems: titleStems, phrase: titlePhrase } = analyze(fields.title);
  const { words: brand, stems: brandStems } = analyze(fields.brand);
  const { stems: categoryStems } = analyze(fields.category);
  const q = query.phrase;
  const queryTokens = query.tokenSet;
  return {
    titleTerms: title.length,
    titleOverlap: overlap(query, titleStems),
    brandOverlap: overlap(query, brandStems),
    categoryOverlap: overlap(query, categoryStems),
    anyFieldOverlap: anyOverlap(query, [titleStems, brandStems, categoryStems]),
    titleExact: q !== "" && titlePhrase === q ? 1 : 0,
    titlePhrase: q !== "" && ` ${titlePhrase} `.includes(` ${q} `) ? 1 : 0,
    titlePrefix: q !== "" && (titlePhrase === q || titlePhrase.startsWith(`${q} `)) ? 1 : 0,
    brandInQuery: brand.length > 0 && brand.every((w) => queryTokens.has(w)) ? 1 : 0,
  };
}
