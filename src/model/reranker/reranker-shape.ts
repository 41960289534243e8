import { Rng } from "../rng";

/**
 * Sizes of the attention re-ranker. The math (see README "Attention re-ranker (model)"):
 *
 *   u_c   = e_c·W_u                                   learned projection of the candidate embedding
 *   a_cj  = softmax_j(u_c·v_j + γ·w_j)  over valid history items j (0 for every j when none)
 *   i_c   = Σ_j a_cj·v_j                              the user's interest as seen by this candidate
 *   p_c   = [has_emb, e_c·i_c, σ(u_c·i_c + b), max_j a_cj, q·e_c, has_history]
 *   h_c   = relu([z_c, p_c]·W₁ + b₁)                  z_c: normalized feature vector
 *   h'_c  = h_c + (Σ_k softmax_k(h_c W_q·(h_k W_k)/√A)·h_k W_v)·W_o   over valid candidates k
 *   s_c   = h'_c·w_s + b_s
 */
export interface RerankerShape {
  /** F: raw features per candidate (the feature schema's length). */
  features: number;
  /** D: width of query, candidate and history embeddings. */
  dimension: number;
  /** H: most history items one list may carry; longer histories are cut to their first H items. */
  maxHistory: number;
  /** K: width of the fused hidden vector h_c. */
  hidden: number;
  /** A: width of the listwise self-attention's queries, keys and values. */
  attention: number;
}

/** The fixed, model-computed inputs appended after the normalized features, in this order. */
export const PERSONAL_TERMS = ["has_embedding", "interest_dot", "seed_score", "max_attention", "query_similarity", "has_history"] as const;
export type PersonalTerm = (typeof PERSONAL_TERMS)[number];

/** Weight arrays, row-major, named as in the weights file. */
export interface RerankerWeights {
  /** W_u [D, D]. */
  projection: Float32Array;
  /** γ [1]: how much a history item's weight w_j adds to its attention logit. */
  historyWeight: Float32Array;
  /** b [1]: bias of the seed score σ(u·i + b). */
  personalBias: Float32Array;
  /** W₁ [F + 6, K]. */
  fusion: Float32Array;
  /** b₁ [K]. */
  fusionBias: Float32Array;
  /** W_q, W_k, W_v [K, A]. */
  contextQuery: Float32Array;
  contextKey: Float32Array;
  contextValue: Float32Array;
  /** W_o [A, K]. */
  contextOutput: Float32Array;
  /** w_s [K]. */
  score: Float32Array;
  /** b_s [1]. */
  scoreBias: Float32Array;
}

export type RerankerWeightName = keyof RerankerWeights;

/** Width of the fusion MLP's input: the features plus the personal terms. */
export function fusionInputs(shape: RerankerShape): number {
  return shape.features + PERSONAL_TERMS.length;
}

/** Name (in the file), key and shape of every weight array, in file order. */
export function rerankerWeightShapes(shape: RerankerShape): { name: string; key: RerankerWeightName; shape: number[] }[] {
  const { dimension: d, hidden: k, attention: a } = shape;
  return [
    { name: "attention/projection", key: "projection", shape: [d, d] },
    { name: "attention/history_weight", key: "historyWeight", shape: [1] },
    { name: "attention/personal_bias", key: "personalBias", shape: [1] },
    { name: "fusion/kernel", key: "fusion", shape: [fusionInputs(shape), k] },
    { name: "fusion/bias", key: "fusionBias", shape: [k] },
    { name: "context/query", key: "contextQuery", shape: [k, a] },
    { name: "context/key", key: "contextKey", shape: [k, a] },
    { name: "context/value", key: "contextValue", shape: [k, a] },
    { name: "context/output", key: "contextOutput", shape: [a, k] },
    { name: "score/kernel", key: "score", shape: [k] },
    { name: "score/bias", key: "scoreBias", shape: [1] },
  ];
}

/** @throws Error naming the first size out of range. */
export function checkRerankerShape(shape: RerankerShape): void {
  const { features, dimension, maxHistory, hidden, attention } = shape;
  if (!Number.isInteger(features) || features < 0 || features > 4096) throw new Error(`reranker features must be an integer 0..4096, got ${features}`);
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 4096) throw new Error(`reranker dimension must be an integer 1..4096, got ${dimension}`);
  if (!Number.isInteger(maxHistory) || maxHistory < 0 || maxHistory > 50) throw new Error(`reranker maxHistory must be an integer 0..50, got ${maxHistory}`);
  if (!Number.isInteger(hidden) || hidden < 1 || hidden > 1024) throw new Error(`reranker hidden must be an integer 1..1024, got ${hidden}`);
  if (!Number.isInteger(attention) || attention < 1 || attention > 1024) throw new Error(`reranker attention must be an integer 1..1024, got ${attention}`);
}

/** @throws Error when an array's length does not match its shape. */
export function checkRerankerWeights(weights: RerankerWeights, shape: RerankerShape): void {
  for (const spec of rerankerWeightShapes(shape)) {
    const expected = spec.shape.reduce((a, n) => a * n, 1);
    const actual = weights[spec.key].length;
    if (actual !== expected) throw new Error(`reranker weight ${spec.name} has ${actual} values, expected ${expected} for shape [${spec.shape.join(", ")}]`);
  }
}

/**
 * Seeded initial weights (Glorot-like scales). W_u starts as a scaled identity, so an untrained
 * model already attends to the history items most similar to the candidate; the listwise output W_o
 * starts small, so the context layer begins as a gentle perturbation of the per-candidate score.
 */
export function initRerankerWeights(shape: RerankerShape, seed: number): RerankerWeights {
  checkRerankerShape(shape);
  const rng = new Rng(seed);
  const { dimension: d, hidden: k, attention: a } = shape;
  const inputs = fusionInputs(shape);
  const normal = (length: number, std: number): Float32Array => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = rng.normal() * std;
    return out;
  };
  const projection = normal(d * d, 0.05 / Math.sqrt(d));
  // Scale 3: unit-length embeddings give logits in [-3, 3], a softmax that already prefers similar items.
  for (let i = 0; i < d; i++) projection[i * d + i] = (projection[i * d + i] as number) + 3;
  return {
    projection,
    historyWeight: new Float32Array(1),
    personalBias: new Float32Array(1),
    fusion: normal(inputs * k, Math.sqrt(2 / (inputs + k))),
    fusionBias: new Float32Array(k).fill(0.01),
    contextQuery: normal(k * a, Math.sqrt(1 / k)),
    contextKey: normal(k * a, Math.sqrt(1 / k)),
    contextValue: normal(k * a, Math.sqrt(1 / k)),
    contextOutput: normal(a * k, 0.1 / Math.sqrt(a)),
    score: normal(k, Math.sqrt(1 / k)),
    scoreBias: new Float32Array(1),
  };
}

export function cloneRerankerWeights(weights: RerankerWeights): RerankerWeights {
  const out = {} as Record<RerankerWeightName, Float32Array>;
  for (const key of Object.keys(weights) as RerankerWeightName[]) out[key] = weights[key].slice();
  return out;
}
