import { type PipelineName } from "./search-request";

/** A JSON value in a hit's `explain`. */
export type ExplainValue = number | string | boolean | null | readonly ExplainValue[] | { readonly [key: string]: ExplainValue };

/** Per-stage explanation of one hit: retrieval scores (`bm25`, `knn`, `fused`), then what the re-ranker adds. */
export type HitExplain = Readonly<Record<string, ExplainValue>>;

export interface SearchHit {
  id: string;
  score: number;
  source: Record<string, unknown>;
  /** Per-stage scores, present when the request asked for `explain`. */
  explain?: HitExplain;
}

/** What re-ranked the hits, and why it did not when it could not (`degraded`). */
export interface RerankInfo {
  model: string | null;
  version: string | null;
  backend: string | null;
  degraded: string | null;
}

export interface SearchResponse {
  hits: SearchHit[];
  total: number;
  took_ms: number;
  pipeline: PipelineName;
  /** The embedding model whose query vector retrieved the kNN candidates; null when kNN took no part. */
  embeddings: { model: string; version: string } | null;
  rerank: RerankInfo;
}
