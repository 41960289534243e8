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
  readonly stems: ReadonlySet<string>;
  /** Tokens joined by single spaces, padded, for phrase tests. */
  readonly phrase: string;

  constructor(query: string) {
    this.tokens = words(query, MAX_QUERY_WORDS);
    this.stems = stems(this.tokens);
    this.phrase = this.tokens.join(" ");
  }
}

/** Stemmed words of a field value (string or array of strings), bounded. */
export function fieldWords(value: unknown): string[] {
  if (typeof value === "string") return words(value, MAX_FIELD_WORDS);
  if (Array.isArray(value)) return words(value.filter((v): v is string => typeof v === "string").join(" "), MAX_FIELD_WORDS);
  return [];
}

/** Share of the query's (stemmed, stopword-free) words found in `fieldStems`; 0 for a query without such words. */
export function overlap(query: PreparedQuery, fieldStems: ReadonlySet<string>): number {
  if (query.stems.size === 0) return 0;
  let found = 0;
  for (const stem of query.stems) if (fieldStems.has(stem)) found++;
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
  const title = fieldWords(fields.title);
  const brand = fieldWords(fields.brand);
  const category = fieldWords(fields.category);
  const titleStems = stems(title);
  const brandStems = stems(brand);
  const categoryStems = stems(category);
  const any = new Set([...titleStems, ...brandStems, ...categoryStems]);
  const titlePhrase = title.join(" ");
  const q = query.phrase;
  const queryTokens = new Set(query.tokens);
  return {
    titleTerms: title.length,
    titleOverlap: overlap(query, titleStems),
    brandOverlap: overlap(query, brandStems),
    categoryOverlap: overlap(query, categoryStems),
    anyFieldOverlap: overlap(query, any),
    titleExact: q !== "" && titlePhrase === q ? 1 : 0,
    titlePhrase: q !== "" && ` ${titlePhrase} `.includes(` ${q} `) ? 1 : 0,
    titlePrefix: q !== "" && (titlePhrase === q || titlePhrase.startsWith(`${q} `)) ? 1 : 0,
    brandInQuery: brand.length > 0 && brand.every((w) => queryTokens.has(w)) ? 1 : 0,
  };
}
