import { type BehaviourSignals, type CandidateSignals } from "../../profiles";
import { type Candidate, type RetrieverName } from "../candidate";
import { brandKey, categoryPaths, type UserAffinities, zeroSignals } from "./behaviour-features";
import { FEATURE_INDEX, FEATURE_NAMES, type FeatureName } from "./feature-list";
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

/** One raw (un-normalized) row per candidate, in {@link FEATURE_NAMES} order. Linear in candidates × bounded field words. */
export function candidateFeatures(inputs: FeatureInputs): Float64Array[] {
  const { query, candidates, signals, affinities } = inputs;
  let maxBm25 = 0;
  for (const c of candidates) maxBm25 = Math.max(maxBm25, c.retrievers.bm25?.score ?? 0);
  const searches = signals?.querySearches ?? 0;
  return candidates.map((candidate, i) => {
    const row = new Float64Array(FEATURE_NAMES.length);
    const set = (name: FeatureName, value: number) => {
      row[FEATURE_INDEX[name]] = Number.isFinite(value) ? value : 0;
    };
    const retriever = (name: RetrieverName) => candidate.retrievers[name];
    for (const name of ["bm25", "knn", "personal_knn"] as const) {
      const r = retriever(name);
      set(`${name}_score`, r?.score ?? 0);
      set(`${name}_rr`, rr(r?.rank));
      set(`${name}_found`, r ? 1 : 0);
    }
    set("bm25_score_rel", maxBm25 > 0 ? (retriever("bm25")?.score ?? 0) / maxBm25 : 0);
    set("fused_score", candidate.score);
    set("fused_rr", rr(candidate.rank));

    const fields = candidate.fields;
    const text = textMatch(query, fields);
    set("query_terms", query.tokens.length);
    set("title_overlap", text.titleOverlap);
    set("brand_overlap", text.brandOverlap);
    set("category_overlap", text.categoryOverlap);
    set("any_field_overlap", text.anyFieldOverlap);
    set("title_exact", text.titleExact);
    set("title_phrase", text.titlePhrase);
    set("title_prefix", text.titlePrefix);
    set("brand_in_query", text.brandInQuery);

    const price = fields.price;
    const paths = categoryPaths(fields);
    set("title_terms", text.titleTerms);
    set("log_price", typeof price === "number" && price >= 0 ? Math.log1p(price) : 0);
    set("has_price", typeof price === "number" && price >= 0 ? 1 : 0);
    set("category_depth", paths.length);
    set("synthetic", fields.synthetic === true ? 1 : 0);

    const s: CandidateSignals = signals?.candidates[i] ?? zeroSignals(candidate.id);
    set("log_popularity", Math.log1p(Math.max(0, s.popularity)));
    set("log_query_clicks", Math.log1p(Math.max(0, s.queryClicks)));
    set("query_ctr", signals ? s.queryCtr : 0);
    set("log_query_searches", Math.log1p(Math.max(0, searches)));
    set("log_co_interaction", Math.log1p(Math.max(0, s.coInteraction)));
    set("affinity_item", affinities.item(candidate.id));
    set("affinity_category", affinities.category(paths));
    set("affinity_brand", affinities.brand(brandKey(fields)));
    set("affinity_price_band", affinities.priceBand(price));
    set("history_items", inputs.historyItems);
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
