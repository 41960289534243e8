import { AttentionKernel, fourLanes, KernelLayout } from "./attention-kernel";
import { type FeatureNormalizer } from "./feature-schema";
import { type CandidateExplanation, type InputContribution } from "./rerank-explanation";
import { historyWeight, type RerankList } from "./rerank-inputs";
import { checkRerankerShape, checkRerankerWeights, fusionInputs, PERSONAL_TERMS, type PersonalTerm, type RerankerShape, type RerankerWeights } from "./reranker-shape";

const TOP_ATTENDED = 3;

/** A list's history items that have a vector, in order. */
interface ValidHistory {
  readonly vectors: ArrayLike<number>[];
  /** w_j, as float32. */
  readonly weights: number[];
  /** Each item's index in the caller's history. */
  readonly index: number[];
  /** W_u v_j when known; filled in for the fresh ones. */
  readonly projections: (Float32Array | undefined)[];
  /** Positions (in `vectors`) of the vectors never projected before. */
  readonly fresh: number[];
}

/** Offsets (in floats) of one list's operands in the kernel's memory, and the padded widths. */
interface ListOperands {
  /** History items rounded up to four: the width of each history block of the similarity columns. */
  readonly historyStride: number;
  /** Columns of [W_u v | v | q]: 2·historyStride + 4. */
  readonly similarityStride: number;
  readonly freshAt: number;
  readonly freshProjectedAt: number;
  readonly historyAt: number;
  readonly embeddingsAt: number;
  readonly similarityAt: number;
  readonly inputsAt: number;
  readonly hiddenAt: number;
  readonly projectedAt: number;
  readonly keysAt: number;
  readonly valuesAt: number;
  readonly contextAt: number;
  readonly rowAt: number;
  readonly end: number;
}

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
    const { dimension: d, hidden: k, attention: a } = this.shape;
    const n = list.candidates.length;
    if (n === 0) return explain ? { scores: new Float32Array(0), explanations: [] } : { scores: new Float32Array(0) };
    if (list.queryEmbedding && list.queryEmbedding.length !== d) throw new Error(`the query embedding has length ${list.queryEmbedding.length}, the model's dimension is ${d}`);
    const history = this.validHistory(list);
    const hv = history.vectors.length;
    const ops = this.operandsFor(n, hv, history.fresh.length);
    const m = this.kernel.reserve(ops.end);

    this.layOutHistory(m, ops, history, list.queryEmbedding);
    this.layOutCandidates(m, ops, list);
    this.kernel.matmul(ops.embeddingsAt, ops.historyAt, ops.similarityAt, n, d, ops.similarityStride);
    const attention = explain ? new Float64Array(n * hv) : new Float64Array(hv);
    this.fusionInputsInto(m, ops, list, history, attention, explain);

    // h = relu([x, 1]·[W₁; b₁]); then per candidate its listwise query, key, value and own score.
    const { inputStride: is, hiddenStride: kh, projectionStride: ps } = this;
    this.kernel.matmul(ops.inputsAt, this.fusionAt, ops.hiddenAt, n, is, kh, true);
    this.kernel.matmul(ops.hiddenAt, this.projectionAt, ops.projectedAt, n, kh, ps);
    const n4 = fourLanes(n);
    m.fill(0, ops.keysAt, ops.keysAt + a * n4);
    m.fill(0, ops.valuesAt, ops.valuesAt + n4);
    for (let c = 0; c < n; c++) {
      const pc = ops.projectedAt + c * ps;
      for (let z = 0; z < a; z++) m[ops.keysAt + z * n4 + c] = m[pc + a + z] as number;
      m[ops.valuesAt + c] = m[pc + 2 * a] as number;
    }
    this.kernel.listwise(ops.projectedAt, ps, ops.keysAt, ops.valuesAt, ops.contextAt, ops.rowAt, n, a);
    const scores = new Float32Array(n);
    const bias = this.weights.scoreBias[0] as number;
    for (let c = 0; c < n; c++) scores[c] = (m[ops.projectedAt + c * ps + 2 * a + 1] as number) + (m[ops.contextAt + c] as number) + bias;
    if (!explain) return { scores };

    const inputs = this.inputs;
    const x = new Float32Array(n * inputs);
    const hidden = new Float64Array(n * k);
    const context = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      x.set(m.subarray(ops.inputsAt + c * is, ops.inputsAt + c * is + inputs), c * inputs);
      for (let u = 0; u < k; u++) hidden[c * k + u] = m[ops.hiddenAt + c * kh + u] as number;
      context[c] = m[ops.contextAt + c] as number;
    }
    return { scores, explanations: this.explain(n, hv, x, hidden, attention, context, history.index) };
  }

  /** The list's history items with a vector (at most maxHistory): vectors, weights w_j, index in the list, and which have no cached W_u v. */
  private validHistory(list: RerankList): ValidHistory {
    const { dimension: d, maxHistory } = this.shape;
    const history = list.history ?? [];
    const limit = Math.min(maxHistory, history.length);
    const valid: ValidHistory = { vectors: [], weights: [], index: [], projections: [], fresh: [] };
    for (let j = 0; j < limit; j++) {
      const item = history[j];
      if (!item?.embedding) continue;
      if (item.embedding.length !== d) throw new Error(`history item ${j}: the embedding has length ${item.embedding.length}, the model's dimension is ${d}`);
      const projection = this.projected.get(item.embedding);
      if (!projection) valid.fresh.push(valid.vectors.length);
      valid.projections.push(projection);
      valid.vectors.push(item.embedding);
      valid.weights.push(Math.fround(historyWeight(item)));
      valid.index.push(j);
    }
    return valid;
  }

  /** Where one list's operands go in the kernel's memory, after the model's weights. */
  private operandsFor(n: number, hv: number, fresh: number): ListOperands {
    const { dimension: d, attention: a } = this.shape;
    const hv4 = fourLanes(hv);
    const similarityStride = 2 * hv4 + 4;
    const n4 = fourLanes(n);
    const layout = new KernelLayout(this.operandsAt);
    return {
      historyStride: hv4,
      similarityStride,
      freshAt: layout.take(fresh * d),
      freshProjectedAt: layout.take(fresh * this.dimensionStride),
      historyAt: layout.take(d * similarityStride),
      embeddingsAt: layout.take(n * d),
      similarityAt: layout.take(n * similarityStride),
      inputsAt: layout.take(n * this.inputStride),
      hiddenAt: layout.take(n * this.hiddenStride),
      projectedAt: layout.take(n * this.projectionStride),
      keysAt: layout.take(a * n4),
      valuesAt: layout.take(n4),
      contextAt: layout.take(n4),
      rowAt: layout.take(n4),
      end: layout.end,
    };
  }

  /**
   * The columns [W_u v_1 … W_u v_H | v_1 … v_H | q] (d × similarityStride, each block padded to four).
   * History vectors not seen before are projected in one product and kept by the vector's identity.
   */
  private layOutHistory(m: Float32Array, ops: ListOperands, history: ValidHistory, query: ArrayLike<number> | null | undefined): void {
    const d = this.shape.dimension;
    const ds = this.dimensionStride;
    const { fresh, vectors, projections } = history;
    if (fresh.length > 0) {
      fresh.forEach((j, i) => m.set(vectors[j] as ArrayLike<number>, ops.freshAt + i * d));
      this.kernel.matmul(ops.freshAt, this.historyProjectionAt, ops.freshProjectedAt, fresh.length, d, ds);
      fresh.forEach((j, i) => {
        const t = m.slice(ops.freshProjectedAt + i * ds, ops.freshProjectedAt + i * ds + d);
        const v = vectors[j] as ArrayLike<number>;
        // Only typed arrays are kept (what serving passes); a plain number[] is projected every time.
        if (v instanceof Float32Array) this.projected.set(v, t);
        projections[j] = t;
      });
    }
    const { historyAt: at, similarityStride: sc, historyStride: hv4 } = ops;
    m.fill(0, at, at + d * sc);
    vectors.forEach((v, j) => {
      const t = projections[j] as Float32Array;
      for (let r = 0; r < d; r++) {
        m[at + r * sc + j] = t[r] as number;
        m[at + r * sc + hv4 + j] = v[r] as number;
      }
    });
    if (query) for (let r = 0; r < d; r++) m[at + r * sc + 2 * hv4] = query[r] as number;
  }

  /** The candidates' vectors as rows (zeros without one). */
  private layOutCandidates(m: Float32Array, ops: ListOperands, list: RerankList): void {
    const d = this.shape.dimension;
    list.candidates.forEach(({ embedding }, c) => {
      const at = ops.embeddingsAt + c * d;
      if (!embedding) {
        m.fill(0, at, at + d);
        return;
      }
      if (embedding.length !== d) throw new Error(`candidate ${c}: the embedding has length ${embedding.length}, the model's dimension is ${d}`);
      m.set(embedding, at);
    });
  }

  /**
   * Each candidate's fusion inputs [z_c, p_c, 1]: its normalized features, then the personal terms from
   * its attention over the history (softmax_j of e_c·W_u v_j + γ·w_j, read from the similarity rows).
   * `attention` gets the weights, every candidate's when `explain`.
   */
  private fusionInputsInto(m: Float32Array, ops: ListOperands, list: RerankList, history: ValidHistory, attention: Float64Array, explain: boolean): void {
    const f = this.shape.features;
    const w = this.weights;
    const gamma = w.historyWeight[0] as number;
    const personalBias = w.personalBias[0] as number;
    const { inputs, inputStride: is } = this;
    const { similarityStride: sc, historyStride: hv4 } = ops;
    const hw = history.weights;
    const hv = hw.length;
    list.candidates.forEach((candidate, c) => {
      const xi = ops.inputsAt + c * is;
      this.normalizer.normalizeInto(candidate.features, m, xi);
      m.fill(0, xi + inputs, xi + is);
      m[xi + inputs] = 1;
      const row = ops.similarityAt + c * sc;
      let interestDot = 0;
      let projected = 0;
      let maxAttention = 0;
      if (hv > 0) {
        const at = explain ? c * hv : 0;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < hv; j++) {
          const logit = (m[row + j] as number) + gamma * (hw[j] as number);
          attention[at + j] = logit;
          if (logit > max) max = logit;
        }
        let total = 0;
        for (let j = 0; j < hv; j++) {
          const p = Math.exp((attention[at + j] as number) - max);
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
      m[p] = candidate.embedding ? 1 : 0;
      m[p + 1] = interestDot;
      m[p + 2] = 1 / (1 + Math.exp(-(projected + personalBias)));
      m[p + 3] = maxAttention;
      m[p + 4] = m[row + 2 * hv4] as number;
      m[p + 5] = hv > 0 ? 1 : 0;
    });
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
