import { type FusionMethod } from "../config";

export interface RankedCandidate {
  id: string;
  score: number;
}

export interface FusionOptions {
  method: FusionMethod;
  /** minmax: weight of the normalized BM25 score. */
  bm25Weight: number;
  /** minmax: weight of the normalized kNN score. */
  knnWeight: number;
  /** rrf: the rank constant k. */
  rrfK: number;
}

export interface FusedCandidate {
  id: string;
  score: number;
  /** Each retriever's own score (null when that retriever did not return the document). */
  bm25: number | null;
  knn: number | null;
}

function minMax(list: readonly RankedCandidate[]): Map<string, number> {
  const scores = list.map((c) => c.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  // One candidate, or all tied: each is as good as the best.
  return new Map(list.map((c) => [c.id, max > min ? (c.score - min) / (max - min) : 1]));
}

function reciprocalRanks(list: readonly RankedCandidate[], k: number): Map<string, number> {
  return new Map(list.map((c, rank) => [c.id, 1 / (k + rank + 1)]));
}

/** One retriever's list as fusion scores it before weighting: min-max-normalized scores, or reciprocal ranks for rrf. */
export function normalizedScores(list: readonly RankedCandidate[], options: Pick<FusionOptions, "method" | "rrfK">): Map<string, number> {
  return options.method === "rrf" ? reciprocalRanks(list, options.rrfK) : minMax(list);
}

/**
 * Merges the BM25 and kNN candidate lists into one ranking, either by weighted min-max-normalized
 * scores or by reciprocal rank fusion. Ties break by BM25 score, then id, so results are stable.
 */
export function fuseCandidates(bm25: readonly RankedCandidate[], knn: readonly RankedCandidate[], options: FusionOptions): FusedCandidate[] {
  const rawBm25 = new Map(bm25.map((c) => [c.id, c.score]));
  const rawKnn = new Map(knn.map((c) => [c.id, c.score]));
  const useRrf = options.method === "rrf";
  const lexical = normalizedScores(bm25, options);
  const semantic = normalizedScores(knn, options);
  const lexicalWeight = useRrf ? 1 : options.bm25Weight;
  const semanticWeight = useRrf ? 1 : options.knnWeight;
  const ids = new Set([...rawBm25.keys(), ...rawKnn.keys()]);
  const fused = [...ids].map((id) => ({
    id,
    score: lexicalWeight * (lexical.get(id) ?? 0) + semanticWeight * (semantic.get(id) ?? 0),
    bm25: rawBm25.get(id) ?? null,
    knn: rawKnn.get(id) ?? null,
  }));
  return fused.sort((a, b) => b.score - a.score || (b.bm25 ?? -1) - (a.bm25 ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
