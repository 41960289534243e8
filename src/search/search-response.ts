import { type PipelineName } from "./search-request";

export interface SearchHit {
  id: string;
  score: number;
  source: Record<string, unknown>;
  /** Per-stage scores, present when the request asked for `explain`. */
  explain?: Record<string, number | null>;
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
