import { type CandidateNeeds } from "../candidate";

/**
 * The re-ranker's raw features, in the order every candidate row carries them: the one list the
 * serving stage, `POST /v1/candidates` and `relevance train reranker` share. Append new names at the
 * end; a model trained on an older list still scores (features are matched by name, a missing one is
 * read as "typical", i.e. 0 after normalization).
 */
export const FEATURE_NAMES = [
  // Retrieval: each retriever's score and reciprocal rank (0 when it did not find the candidate) and a found-by flag.
  "bm25_score",
  "bm25_score_rel",
  "bm25_rr",
  "bm25_found",
  "knn_score",
  "knn_rr",
  "knn_found",
  "personal_knn_score",
  "personal_knn_rr",
  "personal_knn_found",
  "fused_score",
  "fused_rr",
  // Query–document text (normalized, stemmed words).
  "query_terms",
  "title_overlap",
  "brand_overlap",
  "category_overlap",
  "any_field_overlap",
  "title_exact",
  "title_phrase",
  "title_prefix",
  "brand_in_query",
  // The document itself.
  "title_terms",
  "log_price",
  "has_price",
  "category_depth",
  "synthetic",
  // Behaviour (decayed): everyone's, then this user's.
  "log_popularity",
  "log_query_clicks",
  "query_ctr",
  "log_query_searches",
  "log_co_interaction",
  "affinity_item",
  "affinity_category",
  "affinity_brand",
  "affinity_price_band",
  "history_items",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Index of each feature in a row. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.freeze(
  Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i])) as Record<FeatureName, number>,
);

/** Source fields the features read; retrieval fetches exactly these (plus the stored embedding). */
export const FEATURE_FIELDS = ["title", "brand", "category", "category_path", "price", "synthetic"] as const;

/** What the re-rank stage declares: the feature fields and the candidates' embeddings (the model attends with them). */
export const RERANK_CANDIDATE_NEEDS: CandidateNeeds = Object.freeze({ fields: Object.freeze([...FEATURE_FIELDS]), embedding: true });
