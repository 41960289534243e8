import { type FeatureNormalizer } from "./feature-schema";
import { type RerankerShape } from "./reranker-shape";

/** One retrieved candidate, in retrieval order. */
export interface RerankCandidate {
  /** Raw feature values, in the feature schema's order (normalized by the model). */
  features: ArrayLike<number>;
  /** The item's embedding (length D); missing → zeros and `has_embedding` = 0. */
  embedding?: ArrayLike<number> | null;
}

/** One item of the user's recent history. */
export interface RerankHistoryItem {
  /** Length D; null masks the item out (for example an item no longer in the catalog). */
  embedding: ArrayLike<number> | null;
  /** Recency/type weight w_j, added as γ·w_j to the item's attention logit. @defaultValue 1 */
  weight?: number;
}

/** One ranked list: a query, its candidates and (optionally) the user's history. */
export interface RerankList {
  /** Length D; missing → zeros (query similarity 0 for every candidate). */
  queryEmbedding?: ArrayLike<number> | null;
  candidates: readonly RerankCandidate[];
  /** Most recent first; only the first `maxHistory` items are used. Empty or missing: the non-personal model. */
  history?: readonly RerankHistoryItem[];
}

/** A list with graded relevance per candidate (0 = not relevant), for training and validation. */
export interface LabeledRerankList extends RerankList {
  labels: readonly number[];
  /** Lists with the same key (the same query for different users) fall on the same side of the validation split. @defaultValue the list's position */
  group?: string;
  /** Holds generated (synthetic) rows: trained on when its group is on the training side, never validated on. @defaultValue false */
  synthetic?: boolean;
  /** Validated on when its group is on the validation side, never trained on (e.g. real lists when training on synthetic ones only: TSTR). @defaultValue false */
  validationOnly?: boolean;
}

/**
 * Lists padded to one [B, N, …] batch, as the TensorFlow.js graph reads it. Padding candidates and
 * masked history items have mask 0; every row has at least one history slot so no tensor is empty.
 */
export interface PackedLists {
  lists: number;
  /** N: most candidates of any list. */
  candidates: number;
  /** Most history slots of any list (≥ 1). */
  history: number;
  /** [B, N, F], normalized. */
  features: Float32Array;
  /** [B, N]. */
  hasEmbedding: Float32Array;
  /** [B, N, D]. */
  candidateEmbeddings: Float32Array;
  /** [B, N]: 1 for a real candidate, 0 for padding. */
  candidateMask: Float32Array;
  /** [B, D]. */
  queryEmbeddings: Float32Array;
  /** [B, H, D]. */
  historyEmbeddings: Float32Array;
  /** [B, H]. */
  historyWeights: Float32Array;
  /** [B, H]: 1 for a usable history item. */
  historyMask: Float32Array;
}

function checkEmbedding(what: string, embedding: ArrayLike<number>, dimension: number): void {
  if (embedding.length !== dimension) throw new Error(`${what} has length ${embedding.length}, the model's dimension is ${dimension}`);
}

/** @throws Error naming the first input whose size does not fit the model. */
export function packLists(lists: readonly RerankList[], shape: RerankerShape, normalizer: FeatureNormalizer): PackedLists {
  const { dimension: d, features: f, maxHistory } = shape;
  const b = lists.length;
  let n = 1;
  let h = 1;
  for (const list of lists) {
    n = Math.max(n, list.candidates.length);
    h = Math.max(h, Math.min(maxHistory, list.history?.length ?? 0));
  }
  const packed: PackedLists = {
    lists: b,
    candidates: n,
    history: h,
    features: new Float32Array(b * n * f),
    hasEmbedding: new Float32Array(b * n),
    candidateEmbeddings: new Float32Array(b * n * d),
    candidateMask: new Float32Array(b * n),
    queryEmbeddings: new Float32Array(b * d),
    historyEmbeddings: new Float32Array(b * h * d),
    historyWeights: new Float32Array(b * h),
    historyMask: new Float32Array(b * h),
  };
  lists.forEach((list, li) => {
    if (list.queryEmbedding) {
      checkEmbedding(`list ${li}: the query embedding`, list.queryEmbedding, d);
      packed.queryEmbeddings.set(list.queryEmbedding, li * d);
    }
    list.candidates.forEach((candidate, c) => {
      const row = li * n + c;
      packed.candidateMask[row] = 1;
      normalizer.normalizeInto(candidate.features, packed.features, row * f);
      if (candidate.embedding) {
        checkEmbedding(`list ${li}, candidate ${c}: the embedding`, candidate.embedding, d);
        packed.candidateEmbeddings.set(candidate.embedding, row * d);
        packed.hasEmbedding[row] = 1;
      }
    });
    const history = list.history ?? [];
    for (let j = 0; j < Math.min(maxHistory, history.length); j++) {
      const item = history[j] as RerankHistoryItem;
      if (!item.embedding) continue;
      checkEmbedding(`list ${li}, history item ${j}: the embedding`, item.embedding, d);
      const slot = li * h + j;
      packed.historyEmbeddings.set(item.embedding, slot * d);
      packed.historyWeights[slot] = historyWeight(item);
      packed.historyMask[slot] = 1;
    }
  });
  return packed;
}

/** w_j, with a non-finite weight read as the default 1. */
export function historyWeight(item: RerankHistoryItem): number {
  const w = item.weight ?? 1;
  return Number.isFinite(w) ? w : 1;
}
