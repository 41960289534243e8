import { AttentionKernel, fourLanes, KernelLayout } from "./attention-kernel";
import { type FeatureNormalizer } from "./feature-schema";
import { type CandidateExplanation, type InputContribution } from "./rerank-explanation";
import { historyWeight, type RerankList } from "./rerank-inputs";
import { checkRerankerShape, checkRerankerWeights, fusionInputs, PERSONAL_TERMS, type PersonalTerm, type RerankerShape, type RerankerWeights } from "./reranker-shape";

const TOP_ATTENDED = 3;

/**
 * The re-ranker's forward pass on typed arrays — the same math as `rerankerGraph`, one list at a time,
 * without tensor allocation or backend dispatch. Its dense parts run in a WebAssembly SIMD kernel
 * (attention-kernel.wat): the candidates' dot products with the history and the query, the fusion
 * layer, the listwise projections and the listwise softmax; the per-candidate history softmax stays
 * here. Rewrites that keep it cheap, all exact:
 * - u_c·v_j = e_c·(W_u v_j): the history is projected once per vector, not once per candidate, and
 *   u_c·i_c = Σ_j a_cj·(u_c·v_j) needs no u_c at all;
 * - one product E·[W_u v_1 … W_u v_H, v_1 … v_H, q] gives every candidate's attention logits, its dot
 *   products with the history items and its query similarity;
 * - b₁ is a row of W₁ fed by a constant-1 input, so the fusion layer is one product with the ReLU;
 * - the listwise term (Σ_k α_ck·h_k W_v)·W_o·w_s = Σ_k α_ck·(h_k·W_v W_o w_s): one scalar per
 *   candidate instead of an A-wide value vector, which one product with [W_q/√A, W_k, W_v W_o w_s, w_s]
 *   gives beside the queries, the keys and the candidate's own score h_c·w_s.
 */
export class FastReranker {
  private readonly inputs: number;
  /** Floats per fusion input row in the kernel: the inputs, the constant 1 of the bias, padding. */
  private readonly inputStride: number;
  /** Hidden units rounded up to four (padding units are 0). */
  private readonly hiddenStride: number;
  /** Columns of the projection of the hidden units: W_q/√A | W_k | W_v W_o w_s | w_s, padded. */
  private readonly projectionStride: number;
  /** The model dimension rounded up to four. */
  private readonly dimensionStride: number;
  /** Where W_uᵀ (dimension × dimensionStride), [W₁; b₁] (inputStride × hiddenStride) and the projection (hiddenStride × projectionStride) sit in the kernel's memory. */
  private readonly historyProjectionAt: number;
  private readonly fusionAt: number;
  private readonly projectionAt: number;
  /** The first float of each call's operands. */
  private readonly operandsAt: number;
  private readonly kernel = new AttentionKernel();
  /** The schema's feature names, for explanations. */
  private readonly featureNames: readonly string[];
  /**
   * W_u v per history vector, by the vector's identity: serving hands the same (cached) Float32Array of
   * an item to every list it is in, so a user's history is projected once, not once per search. Weakly
   * held, Float32Arrays only; a caller that changes a vector in place must pass a new array.
   */
  private readonly projected = new WeakMap<ArrayLike<number>, Float32Array>();

  constructor(
    private readonly weights: RerankerWeights,
    readonly shape: RerankerShape,
    private readonly normalizer: FeatureNormalizer,
  ) {
    checkRerankerShape(shape);
    checkRerankerWeights(weights, shape);
    if (normalizer.size !== shape.features) throw new Error(`the feature schema has ${normalizer.size} features, the model ${shape.features}`);
    this.inputs = fusionInputs(shape);
    this.featureNames = normalizer.schema.features.map((s) => s.name);
    const { hidden: k, attention: a } = shape;
    const inputs = this.inputs;
    this.inputStride = fourLanes(inputs + 1);
    this.hiddenStride = fourLanes(k);
    this.projectionStride = fourLanes(2 * a + 2);
    this.dimensionStride = fourLanes(shape.dimension);
    const layout = new KernelLayout();
    this.historyProjectionAt = layout.take(shape.dimension * this.dimensionStride);
    this.fusionAt = layout.take(this.inputStride * this.hiddenStride);
    this.projectionAt = layout.take(this.hiddenStride * this.projectionStride);
    this.operandsAt = layout.end;
    const memory = this.kernel.reserve(layout.end);
    const d = shape.dimension;
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) memory[this.historyProjectionAt + c * this.dimensionStride + r] = weights.projection[r * d + c] as number;
    const kh = this.hiddenStride;
    for (let i = 0; i < inputs; i++) for (let u = 0; u < k; u++) memory[this.fusionAt + i * kh + u] = weights.fusion[i * k + u] as number;
    for (let u = 0; u < k; u++) memory[this.fusionAt + inputs * kh + u] = weights.fusionBias[u] as number;
    // W_o·w_s [A], then W_v·W_o·w_s [K], in float64 before the one rounding to float32.
    const contextToScore = new Float64Array(a);
    for (let i = 0; i < a; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (weights.contextOutput[i * k + j] as number) * (weights.score[j] as number);
      contextToScore[i] = s;
    }
    const scale = 1 / Math.sqrt(a);
    const ps = this.projectionStride;
    for (let u = 0; u < k; u++) {
      const row = this.projectionAt + u * ps;
      for (let z = 0; z < a; z++) {
        memory[row + z] = (weights.contextQuery[u * a + z] as number) * scale;
        memory[row + a + z] = weights.contextKey[u * a + z] as number;
      }
      let value = 0;
      for (let z = 0; z < a; z++) value += (weights.contextValue[u * a + z] as number) * (contextToScore[z] as number);
      memory[row + 2 * a] = value;
      memory[row + 2 * a + 1] = weights.score[u] as number;
    }
  }

  /** Scores (and, with `explain`, explanations) of one list's candidates, in input order. @throws Error when an input does not fit the model. */
  score(list: RerankList, explain = false): { scores: Float32Array; explanations?: CandidateExplanation[] } {
    const { dimension: d, features: f, hidden: k, attention: a, maxHistory } = this.shape;
    const w = this.weights;
    const n = list.candidates.length;
    if (n === 0) return explain ? { scores: new Float32Array(0), explanations: [] } : { scores: new Float32Array(0) };
    if (list.queryEmbedding && list.queryEmbedding.length !== d) throw new Error(`the query embedding has length ${list.queryEmbedding.length}, the model's dimension is ${d}`);

    // Valid history items: their vectors, weights w_j and index in the caller's list.
    const history = list.history ?? [];
    const limit = Math.min(maxHistory, history.length);
    const vectors: ArrayLike<number>[] = [];
    const hw: number[] = [];
    const historyIndex: number[] = [];
    for (let j = 0; j < limit; j++) {
      const item = history[j];
      if (!item?.embedding) continue;
      if (item.embedding.length !== d) throw new Error(`history item ${j}: the embedding has length ${item.embedding.length}, the model's dimension is ${d}`);
      vectors.push(item.embedding);
      hw.push(Math.fround(historyWeight(item)));
      historyIndex.push(j);
    }
    const hv = historyIndex.length;
    const hv4 = fourLanes(hv);
    const projections = vectors.map((v) => this.projected.get(v));
    const fresh = projections.flatMap((t, j) => (t ? [] : [j]));

    // Operands: [W_u v_j | v_j | q] as columns (d × sc), the candidates' vectors, and what the products fill in.
    const sc = 2 * hv4 + 4;
    const n4 = fourLanes(n);
    const is = this.inputStride;
    const kh = this.hiddenStride;
    const ps = this.projectionStride;
    const ds = this.dimensionStride;
    const layout = new KernelLayout(this.operandsAt);
    const freshAt = layout.take(fresh.length * d);
    const freshProjectedAt = layout.take(fresh.length * ds);
    const historyAt = layout.take(d * sc);
    const embeddingsAt = layout.take(n * d);
    const similarityAt = layout.take(n * sc);
    const inputsAt = layout.take(n * is);
    const hiddenAt = layout.take(n * kh);
    const projectedAt = layout.take(n * ps);
    const keysAt = layout.take(a * n4);
    const valuesAt = layout.take(n4);
    const contextAt = layout.take(n4);
    const rowAt = layout.take(n4);
    const m = this.kernel.reserve(layout.end);

    // History vectors not seen before: W_u v in one product, kept by the vector's identity.
    if (fresh.length > 0) {
      fresh.forEach((j, i) => m.set(vectors[j] as ArrayLike<number>, freshAt + i * d));
      this.kernel.matmul(freshAt, this.historyProjectionAt, freshProjectedAt, fresh.length, d, ds);
      fresh.forEach((j, i) => {
        const t = m.slice(freshProjectedAt + i * ds, freshProjectedAt + i * ds + d);
        const v = vectors[j] as ArrayLike<number>;
        // Only typed arrays are kept (what serving passes); a plain number[] is projected every time.
        if (v instanceof Float32Array) this.projected.set(v, t);
        projections[j] = t;
      });
    }
    m.fill(0, historyAt, historyAt + d * sc);
    for (let j = 0; j < hv; j++) {
      const v = vectors[j] as ArrayLike<number>;
      const t = projections[j] as Float32Array;
      for (let r = 0; r < d; r++) {
        m[historyAt + r * sc + j] = t[r] as number;
        m[historyAt + r * sc + hv4 + j] = v[r] as number;
      }
    }
    if (list.queryEmbedding) for (let r = 0; r < d; r++) m[historyAt + r * sc + 2 * hv4] = list.queryEmbedding[r] as number;
    const hasEmbedding = new Uint8Array(n);
    for (let c = 0; c < n; c++) {
      const embedding = (list.candidates[c] as RerankList["candidates"][number]).embedding;
      if (embedding) {
        if (embedding.length !== d) throw new Error(`candidate ${c}: the embedding has length ${embedding.length}, the model's dimension is ${d}`);
        m.set(embedding, embeddingsAt + c * d);
        hasEmbedding[c] = 1;
      } else m.fill(0, embeddingsAt + c * d, embeddingsAt + (c + 1) * d);
    }
    this.kernel.matmul(embeddingsAt, historyAt, similarityAt, n, d, sc);

    // Per candidate: its normalized features, then the personal terms from its history attention.
    const gamma = w.historyWeight[0] as number;
    const personalBias = w.personalBias[0] as number;
    const attention = explain ? new Float64Array(n * hv) : new Float64Array(hv);
    const inputs = this.inputs;
    for (let c = 0; c < n; c++) {
      const xi = inputsAt + c * is;
      this.normalizer.normalizeInto((list.candidates[c] as RerankList["candidates"][number]).features, m, xi);
      m.fill(0, xi + inputs, xi + is);
      m[xi + inputs] = 1;
      const row = similarityAt + c * sc;
      let interestDot = 0;
      let projected = 0;
      let maxAttention = 0;
      if (hv > 0) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < hv; j++) {
          const logit = (m[row + j] as number) + gamma * (hw[j] as number);
          if (logit > max) max = logit;
        }
        const at = explain ? c * hv : 0;
        let total = 0;
        for (let j = 0; j < hv; j++) {
          const p = Math.exp((m[row + j] as number) + gamma * (hw[j] as number) - max);
          attention[at + j] = p;
          total += p;
        }
        for (let j = 0; j < hv; j++) {
          const p = (attention[at + j] as number) / total;
          attention[at + j] = p;
          interestDot += p * (m[row + hv4 + j] as number);
          projected += p * (m[row + j] as number);
          if (p > maxAttention) maxAttention = p;
        }
      }
      const p = xi + f;
      m[p] = hasEmbedding[c] as number;
      m[p + 1] = interestDot;
      m[p + 2] = 1 / (1 + Math.exp(-(projected + personalBias)));
      m[p + 3] = maxAttention;
      m[p + 4] = m[row + 2 * hv4] as number;
      m[p + 5] = hv > 0 ? 1 : 0;
    }

    // h = relu([x, 1]·[W₁; b₁]); then per candidate its listwise query, key, value and own score.
    this.kernel.matmul(inputsAt, this.fusionAt, hiddenAt, n, is, kh, true);
    this.kernel.matmul(hiddenAt, this.projectionAt, projectedAt, n, kh, ps);
    m.fill(0, keysAt, keysAt + a * n4);
    m.fill(0, valuesAt, valuesAt + n4);
    for (let c = 0; c < n; c++) {
      const pc = projectedAt + c * ps;
      for (let z = 0; z < a; z++) m[keysAt + z * n4 + c] = m[pc + a + z] as number;
      m[valuesAt + c] = m[pc + 2 * a] as number;
    }
    this.kernel.listwise(projectedAt, ps, keysAt, valuesAt, contextAt, rowAt, n, a);
    const scores = new Float32Array(n);
    const bias = w.scoreBias[0] as number;
    for (let c = 0; c < n; c++) scores[c] = (m[projectedAt + c * ps + 2 * a + 1] as number) + (m[contextAt + c] as number) + bias;
    if (!explain) return { scores };
    const x = new Float32Array(n * inputs);
    const hidden = new Float64Array(n * k);
    const context = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      x.set(m.subarray(inputsAt + c * is, inputsAt + c * is + inputs), c * inputs);
      for (let u = 0; u < k; u++) hidden[c * k + u] = m[hiddenAt + c * kh + u] as number;
      context[c] = m[contextAt + c] as number;
    }
    return { scores, explanations: this.explain(n, hv, x, hidden, attention, context, historyIndex) };
  }

  private explain(n: number, hv: number, x: Float32Array, hidden: Float64Array, attention: Float64Array, context: Float64Array, historyIndex: readonly number[]): CandidateExplanation[] {
    const { features: f, hidden: k } = this.shape;
    const w = this.weights;
    const inputs = this.inputs;
    const gradient = new Float64Array(k);
    const out: CandidateExplanation[] = [];
    for (let c = 0; c < n; c++) {
      const hc = c * k;
      let bias = w.scoreBias[0] as number;
      for (let u = 0; u < k; u++) {
        const active = (hidden[hc + u] as number) > 0;
        gradient[u] = active ? (w.score[u] as number) : 0;
        if (active) bias += (w.fusionBias[u] as number) * (w.score[u] as number);
      }
      const contributions: InputContribution[] = [];
      for (let i = 0; i < inputs; i++) {
        const value = x[c * inputs + i] as number;
        let g = 0;
        const rowStart = i * k;
        for (let u = 0; u < k; u++) g += (w.fusion[rowStart + u] as number) * (gradient[u] as number);
        contributions.push({ value, contribution: value * g });
      }
      const personal = {} as Record<PersonalTerm, InputContribution>;
      PERSONAL_TERMS.forEach((term, i) => (personal[term] = contributions[f + i] as InputContribution));
      const attended: { index: number; weight: number }[] = [];
      for (let j = 0; j < hv; j++) attended.push({ index: historyIndex[j] as number, weight: attention[c * hv + j] as number });
      attended.sort((p, r) => r.weight - p.weight || p.index - r.index);
      out.push({
        features: this.featureNames.map((name, i) => ({ name, ...(contributions[i] as InputContribution) })),
        personal,
        bias,
        context: context[c] as number,
        attended: attended.slice(0, TOP_ATTENDED),
      });
    }
    return out;
  }
}
