import { type FeatureNormalizer } from "./feature-schema";
import { type CandidateExplanation, type InputContribution } from "./rerank-explanation";
import { historyWeight, type RerankList } from "./rerank-inputs";
import { checkRerankerShape, checkRerankerWeights, fusionInputs, PERSONAL_TERMS, type PersonalTerm, type RerankerShape, type RerankerWeights } from "./reranker-shape";

const TOP_ATTENDED = 3;

/**
 * The re-ranker's forward pass on plain typed arrays — the same math as `rerankerGraph`, one list
 * at a time, without tensor allocation or backend dispatch. Two rewrites keep it cheap, both exact:
 * - u_c·v_j = e_c·(W_u v_j): the history is projected once per list, not once per candidate, and
 *   u_c·i_c = Σ_j a_cj·(u_c·v_j) needs no u_c at all;
 * - the listwise term (Σ_k α_ck·h_k W_v)·W_o·w_s = Σ_k α_ck·(h_k·W_v W_o w_s): one scalar per
 *   candidate instead of an A-wide value vector.
 */
export class FastReranker {
  private readonly inputs: number;
  /** W_v·W_o·w_s [K]. */
  private readonly valueToScore: Float64Array;
  /** W_o·w_s [A]. */
  private readonly contextToScore: Float64Array;
  /** W₁ transposed [K, F + 6]: each hidden unit's weights contiguous, for its dot product with the inputs. */
  private readonly fusionByUnit: Float64Array;
  /** The schema's feature names, for explanations. */
  private readonly featureNames: readonly string[];
  /**
   * W_u v per history vector, by the vector's identity: serving hands the same (cached) Float32Array of
   * an item to every list it is in, so a user's history is projected once, not once per search. Weakly
   * held, Float32Arrays only; a caller that changes a vector in place must pass a new array.
   */
  private readonly projected = new WeakMap<ArrayLike<number>, Float64Array>();

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
    this.contextToScore = new Float64Array(a);
    for (let i = 0; i < a; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (weights.contextOutput[i * k + j] as number) * (weights.score[j] as number);
      this.contextToScore[i] = s;
    }
    const inputs = this.inputs;
    this.fusionByUnit = new Float64Array(k * inputs);
    for (let i = 0; i < inputs; i++) for (let u = 0; u < k; u++) this.fusionByUnit[u * inputs + i] = weights.fusion[i * k + u] as number;
    this.valueToScore = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < a; j++) s += (weights.contextValue[i * a + j] as number) * (this.contextToScore[j] as number);
      this.valueToScore[i] = s;
    }
  }

  /** Scores (and, with `explain`, explanations) of one list's candidates, in input order. @throws Error when an input does not fit the model. */
  score(list: RerankList, explain = false): { scores: Float32Array; explanations?: CandidateExplanation[] } {
    const { dimension: d, features: f, hidden: k, attention: a, maxHistory } = this.shape;
    const w = this.weights;
    const n = list.candidates.length;
    if (n === 0) return explain ? { scores: new Float32Array(0), explanations: [] } : { scores: new Float32Array(0) };

    // Valid history items: v_j, t_j = W_u v_j, w_j, and their index in the caller's list.
    const history = list.history ?? [];
    const limit = Math.min(maxHistory, history.length);
    const v = new Float64Array(limit * d);
    const t = new Float64Array(limit * d);
    const hw = new Float64Array(limit);
    const historyIndex: number[] = [];
    for (let j = 0; j < limit; j++) {
      const item = history[j];
      if (!item?.embedding) continue;
      if (item.embedding.length !== d) throw new Error(`history item ${j}: the embedding has length ${item.embedding.length}, the model's dimension is ${d}`);
      const slot = historyIndex.length;
      for (let r = 0; r < d; r++) v[slot * d + r] = Math.fround(item.embedding[r] as number);
      hw[slot] = Math.fround(historyWeight(item));
      historyIndex.push(j);
    }
    const hv = historyIndex.length;
    for (let j = 0; j < hv; j++) t.set(this.projectionOf(history[historyIndex[j] as number]?.embedding as ArrayLike<number>, v, j * d), j * d);
    const gamma = w.historyWeight[0] as number;
    const personalBias = w.personalBias[0] as number;
    const query = new Float32Array(d);
    if (list.queryEmbedding) {
      if (list.queryEmbedding.length !== d) throw new Error(`the query embedding has length ${list.queryEmbedding.length}, the model's dimension is ${d}`);
      query.set(list.queryEmbedding);
    }

    const inputs = this.inputs;
    const x = new Float32Array(n * inputs);
    const hidden = new Float64Array(n * k);
    const e = new Float64Array(d);
    const logits = new Float64Array(hv);
    const dots = new Float64Array(hv);
    const sims = new Float64Array(hv);
    const attention = explain ? new Float64Array(n * hv) : new Float64Array(hv);
    for (let c = 0; c < n; c++) {
      const candidate = list.candidates[c] as RerankList["candidates"][number];
      const xi = c * inputs;
      this.normalizer.normalizeInto(candidate.features, x, xi);
      e.fill(0);
      let hasEmbedding = 0;
      if (candidate.embedding) {
        if (candidate.embedding.length !== d) throw new Error(`candidate ${c}: the embedding has length ${candidate.embedding.length}, the model's dimension is ${d}`);
        for (let r = 0; r < d; r++) e[r] = Math.fround(candidate.embedding[r] as number);
        hasEmbedding = 1;
      }
      let interestDot = 0;
      let projected = 0;
      let maxAttention = 0;
      if (hv > 0) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < hv; j++) {
          // Four independent accumulators per dot product: ~10% faster here than one (more work in flight per cycle).
          const base = j * d;
          let sim = 0;
          let dot = 0;
          let sim1 = 0;
          let dot1 = 0;
          let sim2 = 0;
          let dot2 = 0;
          let sim3 = 0;
          let dot3 = 0;
          let r = 0;
          for (; r + 3 < d; r += 4) {
            const e0 = e[r] as number;
            const e1 = e[r + 1] as number;
            const e2 = e[r + 2] as number;
            const e3 = e[r + 3] as number;
            const b = base + r;
            sim += e0 * (t[b] as number);
            dot += e0 * (v[b] as number);
            sim1 += e1 * (t[b + 1] as number);
            dot1 += e1 * (v[b + 1] as number);
            sim2 += e2 * (t[b + 2] as number);
            dot2 += e2 * (v[b + 2] as number);
            sim3 += e3 * (t[b + 3] as number);
            dot3 += e3 * (v[b + 3] as number);
          }
          for (; r < d; r++) {
            const er = e[r] as number;
            sim += er * (t[base + r] as number);
            dot += er * (v[base + r] as number);
          }
          sim += sim1 + sim2 + sim3;
          dot += dot1 + dot2 + dot3;
          const logit = sim + gamma * (hw[j] as number);
          logits[j] = logit;
          sims[j] = sim;
          dots[j] = dot;
          if (logit > max) max = logit;
        }
        let total = 0;
        for (let j = 0; j < hv; j++) {
          const p = Math.exp((logits[j] as number) - max);
          logits[j] = p;
          total += p;
        }
        const at = explain ? c * hv : 0;
        for (let j = 0; j < hv; j++) {
          const p = (logits[j] as number) / total;
          attention[at + j] = p;
          interestDot += p * (dots[j] as number);
          projected += p * (sims[j] as number);
          if (p > maxAttention) maxAttention = p;
        }
      }
      let querySimilarity = 0;
      for (let r = 0; r < d; r++) querySimilarity += (e[r] as number) * (query[r] as number);
      const p = xi + f;
      x[p] = hasEmbedding;
      x[p + 1] = interestDot;
      x[p + 2] = 1 / (1 + Math.exp(-(projected + personalBias)));
      x[p + 3] = maxAttention;
      x[p + 4] = querySimilarity;
      x[p + 5] = hv > 0 ? 1 : 0;
      // h_c = relu(x·W₁ + b₁), one contiguous dot product per hidden unit.
      const hc = c * k;
      const byUnit = this.fusionByUnit;
      for (let u = 0; u < k; u++) {
        const base = u * inputs;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let i = 0;
        for (; i + 3 < inputs; i += 4) {
          s0 += (x[xi + i] as number) * (byUnit[base + i] as number);
          s1 += (x[xi + i + 1] as number) * (byUnit[base + i + 1] as number);
          s2 += (x[xi + i + 2] as number) * (byUnit[base + i + 2] as number);
          s3 += (x[xi + i + 3] as number) * (byUnit[base + i + 3] as number);
        }
        for (; i < inputs; i++) s0 += (x[xi + i] as number) * (byUnit[base + i] as number);
        const h = (w.fusionBias[u] as number) + (s0 + s1 + s2 + s3);
        hidden[hc + u] = h > 0 ? h : 0;
      }
    }

    // Listwise context: q_c (pre-scaled by 1/√A), k_c [N, A] and the per-candidate scalar value h_c·W_v W_o w_s.
    const scale = 1 / Math.sqrt(a);
    const q = new Float64Array(n * a);
    const keys = new Float64Array(n * a);
    const values = new Float64Array(n);
    const direct = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const hc = c * k;
      const qc = c * a;
      let value = 0;
      let own = 0;
      for (let u = 0; u < k; u++) {
        const hu = hidden[hc + u] as number;
        if (hu === 0) continue;
        value += hu * (this.valueToScore[u] as number);
        own += hu * (w.score[u] as number);
        const row = u * a;
        const scaled = hu * scale;
        for (let z = 0; z < a; z++) {
          q[qc + z] = (q[qc + z] as number) + scaled * (w.contextQuery[row + z] as number);
          keys[qc + z] = (keys[qc + z] as number) + hu * (w.contextKey[row + z] as number);
        }
      }
      values[c] = value;
      direct[c] = own;
    }
    const context = listwiseContext(n, a, q, keys, values);
    const scores = new Float32Array(n);
    for (let c = 0; c < n; c++) scores[c] = (direct[c] as number) + (context[c] as number) + (w.scoreBias[0] as number);
    if (!explain) return { scores };
    return { scores, explanations: this.explain(n, hv, x, hidden, attention, context, historyIndex) };
  }

  /** W_u·v of one history vector (its float32 values at `v[offset…]`), computed once per vector object. */
  private projectionOf(embedding: ArrayLike<number>, v: Float64Array, offset: number): Float64Array {
    const known = this.projected.get(embedding);
    if (known) return known;
    const d = this.shape.dimension;
    const projection = this.weights.projection;
    const t = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let s = 0;
      const row = r * d;
      for (let c = 0; c < d; c++) s += (projection[row + c] as number) * (v[offset + c] as number);
      t[r] = s;
    }
    // Only typed arrays are kept (what serving passes); a plain number[] is projected every time.
    if (embedding instanceof Float32Array) this.projected.set(embedding, t);
    return t;
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

/**
 * Σ_o softmax_o(q_c·k_o)·value_o for every candidate c (q pre-scaled). Two candidates at a time: each
 * key is loaded once for both dot products (≈ 20% faster on 200–250 candidates than one at a time).
 */
function listwiseContext(n: number, a: number, q: Float64Array, keys: Float64Array, values: Float64Array): Float64Array {
  const context = new Float64Array(n);
  const rowA = new Float64Array(n);
  const rowB = new Float64Array(n);
  let c = 0;
  for (; c + 1 < n; c += 2) {
    const qa = c * a;
    const qb = qa + a;
    let maxA = Number.NEGATIVE_INFINITY;
    let maxB = Number.NEGATIVE_INFINITY;
    for (let o = 0; o < n; o++) {
      const ko = o * a;
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      let z = 0;
      for (; z + 1 < a; z += 2) {
        const k0 = keys[ko + z] as number;
        const k1 = keys[ko + z + 1] as number;
        a0 += (q[qa + z] as number) * k0;
        a1 += (q[qa + z + 1] as number) * k1;
        b0 += (q[qb + z] as number) * k0;
        b1 += (q[qb + z + 1] as number) * k1;
      }
      if (z < a) {
        const kz = keys[ko + z] as number;
        a0 += (q[qa + z] as number) * kz;
        b0 += (q[qb + z] as number) * kz;
      }
      const sa = a0 + a1;
      const sb = b0 + b1;
      rowA[o] = sa;
      rowB[o] = sb;
      if (sa > maxA) maxA = sa;
      if (sb > maxB) maxB = sb;
    }
    context[c] = softmaxWeighted(rowA, maxA, values, n);
    context[c + 1] = softmaxWeighted(rowB, maxB, values, n);
  }
  if (c < n) {
    const qa = c * a;
    let max = Number.NEGATIVE_INFINITY;
    for (let o = 0; o < n; o++) {
      const ko = o * a;
      let s = 0;
      for (let z = 0; z < a; z++) s += (q[qa + z] as number) * (keys[ko + z] as number);
      rowA[o] = s;
      if (s > max) max = s;
    }
    context[c] = softmaxWeighted(rowA, max, values, n);
  }
  return context;
}

/** Σ_o softmax(row)_o·values_o, given the row's maximum. */
function softmaxWeighted(row: Float64Array, max: number, values: Float64Array, n: number): number {
  let total = 0;
  let weighted = 0;
  for (let o = 0; o < n; o++) {
    const p = Math.exp((row[o] as number) - max);
    total += p;
    weighted += p * (values[o] as number);
  }
  return weighted / total;
}
