/** The retrievers a candidate can come from, in the order a candidate's index and version are taken from; `personal_knn` is kNN on the user's interest vector (the `personal` pipeline). */
export const RETRIEVER_NAMES = ["bm25", "knn", "personal_knn"] as const;
export type RetrieverName = (typeof RETRIEVER_NAMES)[number];

/** A document's version as search saw it: `_seq_no` and `_primary_term` change with every write and are never reused within an index. */
export interface DocVersion {
  readonly seqNo: number;
  readonly primaryTerm: number;
}

/** What one retriever said about a candidate. */
export interface RetrieverScore {
  /** The retriever's own score (BM25 score, kNN similarity). */
  readonly score: number;
  /** 1-based position in that retriever's list. */
  readonly rank: number;
}

/**
 * One retrieved document on its way through the stages, before paging. It carries only what later
 * stages declared they need ({@link CandidateNeeds}): never the full `_source`, which the page stage
 * fetches for the returned page only.
 */
export interface Candidate {
  readonly id: string;
  /**
   * The concrete index the hit came from (not the alias): while the alias spans an old and a new index
   * during a reindex, the page stage fetches the very document that was scored.
   */
  readonly index: string;
  /** Retrieval score: the fused score for hybrid retrieval, the single retriever's score otherwise. */
  readonly score: number;
  /** 1-based position in retrieval (fused) order. */
  readonly rank: number;
  /** Per-retriever score and rank, present only for the retrievers that found this candidate. */
  readonly retrievers: Readonly<Partial<Record<RetrieverName, RetrieverScore>>>;
  /** The version of the document search scored, when retrieval asked for it (keys the cache of {@link fields} and {@link embedding}). */
  readonly version?: DocVersion;
  /** The source fields later stages declared (e.g. title, brand, category, price, synthetic); absent ones are left out. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The stored item vector, when a stage asked for embeddings and the document has one. */
  readonly embedding?: Float32Array;
}

/** What a stage needs on each candidate; the retrieve stage asks OpenSearch for exactly the union of these. */
export interface CandidateNeeds {
  /** Source fields to carry in {@link Candidate.fields}. */
  readonly fields: readonly string[];
  /** Whether {@link Candidate.embedding} must be filled. */
  readonly embedding: boolean;
}

/** Ids and scores only. */
export const NO_CANDIDATE_NEEDS: CandidateNeeds = Object.freeze({ fields: Object.freeze([]), embedding: false });

/** The union of several stages' needs (fields deduplicated, in first-seen order). */
export function mergeCandidateNeeds(...needs: readonly CandidateNeeds[]): CandidateNeeds {
  return {
    fields: [...new Set(needs.flatMap((n) => n.fields))],
    embedding: needs.some((n) => n.embedding),
  };
}
