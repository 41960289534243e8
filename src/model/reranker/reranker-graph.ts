import * as tf from "@tensorflow/tfjs";
import { type FeatureNormalizer } from "./feature-schema";
import { packLists, type PackedLists, type RerankList } from "./rerank-inputs";
import { checkRerankerShape, checkRerankerWeights, rerankerWeightShapes, type RerankerShape, type RerankerWeightName, type RerankerWeights } from "./reranker-shape";

/** The weights as tensors (or trainable variables), keyed like `RerankerWeights`. */
export type RerankerTensors = Record<RerankerWeightName, tf.Tensor>;

/** One packed batch as tensors. */
export interface PackedTensors {
  features: tf.Tensor3D;
  hasEmbedding: tf.Tensor2D;
  candidateEmbeddings: tf.Tensor3D;
  candidateMask: tf.Tensor2D;
  queryEmbeddings: tf.Tensor2D;
  historyEmbeddings: tf.Tensor3D;
  historyWeights: tf.Tensor2D;
  historyMask: tf.Tensor2D;
}

/** Subtracted from the logits of masked positions: far below any real logit, still finite in float32. */
const MASK_PENALTY = 1e9;

/** (mask − 1)·1e9 as [B, 1, X]: 0 where mask is 1, −1e9 where it is 0. */
function maskBias(mask: tf.Tensor2D): tf.Tensor3D {
  return tf.expandDims(tf.mul(tf.sub(mask, 1), MASK_PENALTY), 1);
}

export function packedTensors(packed: PackedLists, shape: RerankerShape): PackedTensors {
  const { lists: b, candidates: n, history: h } = packed;
  const { features: f, dimension: d } = shape;
  return {
    features: tf.tensor3d(packed.features, [b, n, f]),
    hasEmbedding: tf.tensor2d(packed.hasEmbedding, [b, n]),
    candidateEmbeddings: tf.tensor3d(packed.candidateEmbeddings, [b, n, d]),
    candidateMask: tf.tensor2d(packed.candidateMask, [b, n]),
    queryEmbeddings: tf.tensor2d(packed.queryEmbeddings, [b, d]),
    historyEmbeddings: tf.tensor3d(packed.historyEmbeddings, [b, h, d]),
    historyWeights: tf.tensor2d(packed.historyWeights, [b, h]),
    historyMask: tf.tensor2d(packed.historyMask, [b, h]),
  };
}

export function rerankerTensors(weights: RerankerWeights, shape: RerankerShape): RerankerTensors {
  checkRerankerWeights(weights, shape);
  const out = {} as RerankerTensors;
  for (const spec of rerankerWeightShapes(shape)) out[spec.key] = tf.tensor(weights[spec.key], spec.shape);
  return out;
}

/** [B, N, X] · [X, Y] → [B, N, Y]. */
function dense3d(x: tf.Tensor3D, kernel: tf.Tensor): tf.Tensor3D {
  const [b, n, width] = x.shape;
  const out = tf.matMul(tf.reshape(x, [b * n, width]), kernel);
  return tf.reshape(out, [b, n, kernel.shape[1] as number]);
}

/**
 * The whole forward pass: scores [B, N] (padding positions hold meaningless values; mask them).
 * No tidy scope of its own, so it can sit inside a gradient computation.
 */
export function rerankerGraph(input: PackedTensors, w: RerankerTensors, shape: RerankerShape): tf.Tensor2D {
  const e = input.candidateEmbeddings;
  const v = input.historyEmbeddings;
  const [b, n] = e.shape;

  // Target attention over the history: logits [B, N, H], masked softmax, zero when no item is valid.
  const u = dense3d(e, w.projection);
  const similarity = tf.matMul(u, v, false, true);
  const logits = tf.add(similarity, tf.mul(tf.expandDims(input.historyWeights, 1), w.historyWeight));
  const masked = tf.add(logits, maskBias(input.historyMask));
  const hasHistory = tf.max(input.historyMask, 1, true);
  const attention = tf.mul(tf.softmax(masked), tf.expandDims(hasHistory, 2));
  const interest = tf.matMul(attention, v);

  const interestDot = tf.sum(tf.mul(e, interest), 2);
  const seedScore = tf.sigmoid(tf.add(tf.sum(tf.mul(u, interest), 2), w.personalBias));
  const maxAttention = tf.max(attention, 2);
  const querySimilarity = tf.sum(tf.mul(e, tf.expandDims(input.queryEmbeddings, 1)), 2);
  const personal = tf.stack([input.hasEmbedding, interestDot, seedScore, maxAttention, querySimilarity, tf.mul(tf.onesLike(interestDot), hasHistory)], 2) as tf.Tensor3D;

  // Fusion MLP → h [B, N, K].
  const fused = tf.concat([input.features, personal], 2);
  const hidden = tf.relu(tf.add(dense3d(fused, w.fusion), w.fusionBias)) as tf.Tensor3D;

  // Listwise context: one masked self-attention layer with a residual.
  const q = dense3d(hidden, w.contextQuery);
  const k = dense3d(hidden, w.contextKey);
  const values = dense3d(hidden, w.contextValue);
  const scale = 1 / Math.sqrt(shape.attention);
  const contextLogits = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), maskBias(input.candidateMask));
  const context = dense3d(tf.matMul(tf.softmax(contextLogits), values), w.contextOutput);
  const final = tf.add(hidden, context);
  const scores = tf.add(tf.reshape(tf.matMul(tf.reshape(final, [b * n, shape.hidden]), tf.reshape(w.score, [shape.hidden, 1])), [b, n]), w.scoreBias);
  return scores as tf.Tensor2D;
}

/**
 * The model as TensorFlow.js tensors on the active backend: the reference forward pass. Serving
 * normally uses the equivalent `FastReranker`; this one is what it is tested against, and what runs
 * on native TensorFlow.
 */
export class TfjsReranker {
  private readonly tensors: RerankerTensors;

  constructor(
    weights: RerankerWeights,
    readonly shape: RerankerShape,
    private readonly normalizer: FeatureNormalizer,
  ) {
    checkRerankerShape(shape);
    if (normalizer.size !== shape.features) throw new Error(`the feature schema has ${normalizer.size} features, the model ${shape.features}`);
    this.tensors = rerankerTensors(weights, shape);
  }

  /** Scores of every candidate, one array per list, all lists in one padded batch. @throws Error when an input does not fit the model. */
  async score(lists: readonly RerankList[]): Promise<Float32Array[]> {
    if (lists.length === 0) return [];
    const packed = packLists(lists, this.shape, this.normalizer);
    const out = tf.tidy(() => rerankerGraph(packedTensors(packed, this.shape), this.tensors, this.shape));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    const n = packed.candidates;
    return lists.map((list, li) => data.slice(li * n, li * n + list.candidates.length));
  }

  dispose(): void {
    tf.dispose(Object.values(this.tensors));
  }
}
