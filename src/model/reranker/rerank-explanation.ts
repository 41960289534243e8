import { type PersonalTerm } from "./reranker-shape";

/** One fusion input's share of a candidate's score. */
export interface InputContribution {
  /** The model input: the normalized feature, or the personal term's value. */
  value: number;
  /** Gradient × input along the per-candidate path (see `CandidateExplanation`). */
  contribution: number;
}

/**
 * Why a candidate scored what it did. The score splits exactly into
 *
 *   score = Σ features[i].contribution + Σ personal[t].contribution + bias + context
 *
 * Contributions are gradient × input of the per-candidate path h_c·w_s through the ReLU MLP, which
 * for a ReLU layer is the exact linear attribution of the first layer: input x_i contributes
 * x_i · Σ_k W₁[i,k]·[pre_k > 0]·w_s[k]. Features are measured from 0 after normalization, i.e. from
 * the training mean (zscore) or minimum (minmax). `context` is what the listwise self-attention
 * added (the other candidates' influence), `bias` the constant part (b₁ through the active units, b_s).
 */
export interface CandidateExplanation {
  features: (InputContribution & { name: string })[];
  personal: Record<PersonalTerm, InputContribution>;
  bias: number;
  context: number;
  /** The history items this candidate attended to most (index into the list's `history`), best first; at most 3. */
  attended: { index: number; weight: number }[];
}

/** The model's answer for one list. */
export interface RerankResult {
  /** One score per candidate, in input order; higher is better. */
  scores: Float32Array;
  /** Candidate indices, best first (ties keep the input order). */
  order: number[];
  /** With `explain`: one per candidate, in input order. */
  explanations?: CandidateExplanation[];
}

/** Candidate indices by descending score; equal scores keep retrieval order. */
export function rankOrder(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}
