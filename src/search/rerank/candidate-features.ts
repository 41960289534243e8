import { type BehaviourSignals, type CandidateSignals } from "../../profiles";
import { RETRIEVER_NAMES, type Candidate } from "../candidate";
import { brandKey, categoryPaths, type UserAffinities, zeroSignals } from "./behaviour-features";
import { FEATURE_INDEX, FEATURE_NAMES } from "./feature-list";
import { textMatch, type PreparedQuery } from "./text-match";

/** Everything one list's features are computed from. */
export interface FeatureInputs {
  query: PreparedQuery;
  /** Candidates in retrieval order. */
  candidates: readonly Candidate[];
  /** Signals per candidate in the same order; null when Redis could not be read (all zero). */
  signals: BehaviourSignals | null;
  affinities: UserAffinities;
  /** History items the model attends over (after as_of / exclude trimming). */
  historyItems: number;
}

function rr(rank: number | undefined): number {
  return rank === undefined ? 0 : 1 / rank;
}

/** A feature value as stored: non-finite values (a NaN score, an infinite log) become 0. */
function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

const F = FEATURE_INDEX;
/** Each retriever's three columns, looked up once (not by a built name per candidate). */
const RETRIEVER_COLUMNS = RETRIEVER_NAMES.map((name) => ({
  name,
  score: FEATURE_INDEX[`${name}_score`],
  rr: FEATURE_INDEX[`${name}_rr`],
  found: FEATURE_INDEX[`${name}_found`],
}));

/** One raw (un-normalized) row per candidate, in {@link FEATURE_NAMES} order. Linear in candidates × bounded field words. */
export function candidateFeatures(inputs: FeatureInputs): Float64Array[] {
  const { query, candidates, signals, affinities } = inputs;
  let maxBm25 = 0;
  for (const c of candidates) maxBm25 = Math.max(maxBm25, c.retrievers.bm25?.score ?? 0);
  const searches = signals?.querySearches ?? 0;
  const logSearches = finite(Math.log1p(Math.max(0, searches)));
  return candidates.map((candidate, i) => {
    const row = new Float64Array(FEATURE_NAMES.length);
    for (const column of RETRIEVER_COLUMNS) {
      const r = candidate.retrievers[column.name];
      if (!r) continue;
      row[column.score] = finite(r.score);
      row[column.rr] = finite(rr(r.rank));
      row[column.found] = 1;
    }
    row[F.bm25_score_rel] = maxBm25 > 0 ? finite((candidate.retrievers.bm25?.score ?? 0) / maxBm25) : 0;
    row[F.fused_score] = finite(candidate.score);
    row[F.fused_rr] = finite(rr(candidate.rank));

    const fields = candidate.fields;
    const text = textMatch(query, fields);
    row[F.query_terms] = query.tokens.length;
    row[F.title_overlap] = finite(text.titleOverlap);
    row[F.brand_overlap] = finite(text.brandOverlap);
    row[F.category_overlap] = finite(text.categoryOverlap);
    row[F.any_field_overlap] = finite(text.anyFieldOverlap);
    row[F.title_exact] = finite(text.titleExact);
    row[F.title_phrase] = finite(text.titlePhrase);
    row[F.title_prefix] = finite(text.titlePrefix);
    row[F.brand_in_query] = finite(text.brandInQuery);

    const price = fields.price;
    const priced = typeof price === "number" && price >= 0;
    const paths = categoryPaths(fields);
    row[F.title_terms] = finite(text.titleTerms);
    row[F.log_price] = priced ? finite(Math.log1p(price)) : 0;
    row[F.has_price] = priced ? 1 : 0;
    row[F.category_depth] = paths.length;
    row[F.synthetic] = fields.synthetic === true ? 1 : 0;

    const s: CandidateSignals = signals?.candidates[i] ?? zeroSignals(candidate.id);
    row[F.log_popularity] = finite(Math.log1p(Math.max(0, s.popularity)));
    row[F.log_query_clicks] = finite(Math.log1p(Math.max(0, s.queryClicks)));
    row[F.query_ctr] = signals ? finite(s.queryCtr) : 0;
    row[F.log_query_searches] = logSearches;
    row[F.log_co_interaction] = finite(Math.log1p(Math.max(0, s.coInteraction)));
    row[F.affinity_item] = finite(affinities.item(candidate.id));
    row[F.affinity_category] = finite(affinities.category(paths));
    row[F.affinity_brand] = finite(affinities.brand(brandKey(fields)));
    row[F.affinity_price_band] = finite(affinities.priceBand(price));
    row[F.history_items] = finite(inputs.historyItems);
    return row;
  });
}

/**
 * Rows in the order a model's schema names its features: by name, so a model trained on an older
 * feature list still scores; a name this server does not compute is NaN ("typical" after normalization).
 */
export function projectRows(rows: readonly Float64Array[], modelFeatures: readonly string[]): readonly ArrayLike<number>[] {
  const at = columnsOf(modelFeatures);
  if (at === null) return rows;
  return rows.map((row) => Float64Array.from(at, (i) => (i < 0 ? Number.NaN : (row[i] as number))));
}

/** Per model feature list (a model keeps one array for its life): null when it is {@link FEATURE_NAMES}, else each name's column here (−1: not computed). */
const columnsByModel = new WeakMap<readonly string[], readonly number[] | null>();

/** The columns a model's features are read from, worked out once per model rather than once per search. */
function columnsOf(modelFeatures: readonly string[]): readonly number[] | null {
  let columns = columnsByModel.get(modelFeatures);
  if (columns === undefined) {
    const same = modelFeatures.length === FEATURE_NAMES.length && modelFeatures.every((name, i) => name === FEATURE_NAMES[i]);
    columns = same ? null : modelFeatures.map((name) => (FEATURE_INDEX as Readonly<Record<string, number>>)[name] ?? -1);
    columnsByModel.set(modelFeatures, columns);
  }
  return columns;
}
