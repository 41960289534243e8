import { type SearchFilters } from "./search-request";

/** Fields BM25 matches on, with boosts: the title carries most of a product's meaning. */
export const BM25_FIELDS = ["title^3", "title.exact^1.5", "brand^2", "category^1.5", "description^0.5"] as const;

type QueryClause = Record<string, unknown>;

/** Filter clauses shared by every retriever (BM25 and kNN must see the same candidate set). */
export function filterClauses(filters: SearchFilters): QueryClause[] {
  const clauses: QueryClause[] = [];
  const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
  if (filters.brand) clauses.push({ terms: { "brand.keyword": asList(filters.brand).map((b) => b.toLowerCase()) } });
  if (filters.category) {
    const should = asList(filters.category).flatMap((c) => [
      { term: { "category.keyword": c.toLowerCase() } },
      { prefix: { category_path: c } },
    ]);
    clauses.push({ bool: { should, minimum_should_match: 1 } });
  }
  if (filters.price) clauses.push({ range: { price: filters.price } });
  if (filters.synthetic !== undefined) {
    clauses.push(filters.synthetic ? { term: { synthetic: true } } : { bool: { must_not: { term: { synthetic: true } } } });
  }
  return clauses;
}

/**
 * Longest word (characters between whitespace) given a fuzzy variant. Fuzzy matching a long term walks a
 * Levenshtein automaton as big as the term over the whole term dictionary: a 1,000-character word cost
 * OpenSearch about half a second of CPU. No real product word comes near this length.
 */
export const MAX_FUZZY_WORD_LENGTH = 24;

/** The words of `q` short enough to be matched fuzzily, or `q` itself when all of them are. */
function fuzzyText(q: string): string {
  const words = q.split(/\s/).filter((word) => word !== "");
  const short = words.filter((word) => word.length <= MAX_FUZZY_WORD_LENGTH);
  return short.length === words.length ? q : short.join(" ");
}

/**
 * A lexical query: BM25 over title/brand/category/description. Exact terms score fully; a fuzzy
 * variant at a lower weight rescues queries with typos without outranking exact matches. Words longer
 * than {@link MAX_FUZZY_WORD_LENGTH} are left out of the fuzzy variant (they still count in the exact
 * one); when no word is short enough there is no fuzzy variant.
 */
export function bm25Query(q: string, filters: SearchFilters): QueryClause {
  const matchOn = (query: string, extra: Record<string, unknown>) => ({
    multi_match: { query, fields: [...BM25_FIELDS], type: "best_fields", tie_breaker: 0.3, ...extra },
  });
  const fuzzy = fuzzyText(q);
  const should = [matchOn(q, {})];
  if (fuzzy !== "") should.push(matchOn(fuzzy, { fuzziness: "AUTO", prefix_length: 1, max_expansions: 20, boost: 0.3 }));
  return {
    bool: {
      should,
      minimum_should_match: 1,
      filter: filterClauses(filters),
    },
  };
}
