import { type Candidate, type CandidateNeeds, type RetrieverName } from "./candidate";
import { type SearchContext } from "./search-context";
import { type HitExplain, type RerankInfo, type SearchHit } from "./search-response";

/** Unpaged candidates in retrieval order, and how many documents matched. */
export interface Retrieval {
  readonly candidates: readonly Candidate[];
  /** The answer's `total`: BM25 matches, exact up to 10,000 (OpenSearch's default track_total_hits), at least the candidates. */
  readonly total: number;
  /**
   * The retrievers whose lists were fused, failed ones included (e.g. `["bm25", "knn"]` for hybrid even
   * when kNN failed and degraded): one name means no fusion. Shapes the retrieval part of `explain`.
   */
  readonly retrievers: readonly RetrieverName[];
}

/** Finds candidates: no paging, and only the ids, scores and the fields/embeddings in `needs`. */
export interface RetrieveStage {
  readonly kind: "retrieve";
  readonly name: string;
  retrieve(context: SearchContext, needs: CandidateNeeds): Promise<Retrieval>;
}

/** A candidate in its final place, with its final score. */
export interface RankedCandidate {
  readonly candidate: Candidate;
  /** The answer's hit `score`. */
  readonly score: number;
  /** This stage's part of the hit's `explain` (merged after the retrieval part), when the request asked for it. */
  readonly explain?: HitExplain;
}

export interface Reranked {
  /** Every candidate it was given, reordered. */
  readonly ranked: readonly RankedCandidate[];
  /** The answer's `rerank` apart from `degraded`, which comes from the context's diagnostics. */
  readonly info: Omit<RerankInfo, "degraded">;
}

/**
 * Reorders the candidates (all of them, before paging). When it cannot (model late or failing, profile
 * unreadable) it answers in retrieval order and says why with `context.diagnostics.degrade`.
 */
export interface RerankStage {
  readonly kind: "rerank";
  readonly name: string;
  /** Candidate fields and embeddings this stage reads; retrieval fetches them. */
  readonly needs: CandidateNeeds;
  /** Called when the search starts, before retrieval: starts work that does not need the candidates (e.g. Redis reads) so it overlaps retrieval. Must not throw. */
  prepare?(context: SearchContext): void;
  rerank(context: SearchContext, candidates: readonly Candidate[]): Promise<Reranked>;
}

/** Slices `from`/`size` out of the final order and fetches `_source` (without `embedding`) for that page only. */
export interface PageStage {
  readonly kind: "page";
  readonly name: string;
  readonly needs: CandidateNeeds;
  page(context: SearchContext, ranked: readonly RankedCandidate[]): Promise<SearchHit[]>;
}

export type SearchStage = RetrieveStage | RerankStage | PageStage;
