/**
 * One logged result list: the attractiveness key of each shown result, top first (the caller decides
 * the key: query + item for the textbook PBM, the item alone when each query was shown one ranking
 * only), and the 0-based positions that were clicked.
 */
export interface Impression {
  keys: readonly string[];
  clicked: readonly number[];
}

export interface PbmFitOptions {
  /** Ranks fitted; results below are ignored. @defaultValue 10 */
  depth?: number;
  /** EM iterations at most. @defaultValue 200 */
  iterations?: number;
  /** Stop when no parameter moves more than this. @defaultValue 1e-6 */
  tolerance?: number;
  /** Starting θ and α (EM's fixed point depends on it only through the scale, see {@link PbmFit.theta}). @defaultValue 0.5 */
  initial?: number;
}

export interface PbmFit {
  /**
   * θ_r per 0-based rank as EM found it. The PBM's likelihood is unchanged by θ·c, α/c, so only the
   * ratios θ_r/θ_0 are identified; {@link relativeTheta} gives those.
   */
  theta: number[];
  /** θ_r / θ_0: the position bias relative to the top result. */
  relativeTheta: number[];
  alpha: Map<string, number>;
  iterations: number;
  impressions: number;
}

/**
 * Fits the position-based model P(click at r) = θ_r·α_key by expectation–maximization (Chuklin,
 * Markov and de Rijke, "Click Models for Web Search", 2015, §4.2): a click means examined and
 * attractive; for a non-click, P(examined | no click) = θ(1−α)/(1−θα) and P(attractive | no click) =
 * (1−θ)α/(1−θα); the M-step averages those posteriors per rank and per key. θ and α are told apart only
 * when keys are seen at several ranks.
 */
export function fitPositionBasedModel(impressions: readonly Impression[], options: PbmFitOptions = {}): PbmFit {
  const depth = options.depth ?? 10;
  const maxIterations = options.iterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const initial = options.initial ?? 0.5;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`PBM depth must be a positive integer, got ${depth}`);
  if (!(initial > 0 && initial < 1)) throw new RangeError(`PBM initial value must be in (0, 1), got ${initial}`);

  // Flatten to (rank, key index, clicked) observations once.
  const keyIndex = new Map<string, number>();
  const ranks: number[] = [];
  const keys: number[] = [];
  const clicks: number[] = [];
  for (const impression of impressions) {
    const clicked = new Set(impression.clicked);
    const shown = Math.min(depth, impression.keys.length);
    for (let r = 0; r < shown; r++) {
      const key = impression.keys[r] as string;
      let k = keyIndex.get(key);
      if (k === undefined) keyIndex.set(key, (k = keyIndex.size));
      ranks.push(r);
      keys.push(k);
      clicks.push(clicked.has(r) ? 1 : 0);
    }
  }
  const theta = new Float64Array(depth).fill(initial);
  const alpha = new Float64Array(keyIndex.size).fill(initial);
  const thetaSum = new Float64Array(depth);
  const thetaCount = new Float64Array(depth);
  const alphaSum = new Float64Array(keyIndex.size);
  const alphaCount = new Float64Array(keyIndex.size);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations += 1;
    thetaSum.fill(0);
    thetaCount.fill(0);
    alphaSum.fill(0);
    alphaCount.fill(0);
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i] as number;
      const k = keys[i] as number;
      const t = theta[r] as number;
      const a = alpha[k] as number;
      thetaCount[r] = (thetaCount[r] as number) + 1;
      alphaCount[k] = (alphaCount[k] as number) + 1;
      if (clicks[i] === 1) {
        thetaSum[r] = (thetaSum[r] as number) + 1;
        alphaSum[k] = (alphaSum[k] as number) + 1;
      } else {
        const miss = 1 - t * a;
        thetaSum[r] = (thetaSum[r] as number) + (t * (1 - a)) / miss;
        alphaSum[k] = (alphaSum[k] as number) + ((1 - t) * a) / miss;
      }
    }
    let moved = 0;
    for (let r = 0; r < depth; r++) {
      if (thetaCount[r] === 0) continue;
      const next = clampOpen((thetaSum[r] as number) / (thetaCount[r] as number));
      moved = Math.max(moved, Math.abs(next - (theta[r] as number)));
      theta[r] = next;
    }
    for (let k = 0; k < alpha.length; k++) {
      const next = clampOpen((alphaSum[k] as number) / (alphaCount[k] as number));
      moved = Math.max(moved, Math.abs(next - (alpha[k] as number)));
      alpha[k] = next;
    }
    if (moved < tolerance) break;
  }
  const top = theta[0] as number;
  const alphaByKey = new Map<string, number>();
  for (const [key, k] of keyIndex) alphaByKey.set(key, alpha[k] as number);
  return { theta: [...theta], relativeTheta: [...theta].map((t) => t / top), alpha: alphaByKey, iterations, impressions: impressions.length };
}

/** EM's posteriors of 0 or 1 would freeze a parameter for good; keep them strictly inside (0, 1). */
function clampOpen(value: number): number {
  return Math.min(1 - 1e-9, Math.max(1e-9, value));
}

export interface CascadeFit {
  alpha: Map<string, number>;
  impressions: number;
}

/**
 * The cascade model's maximum-likelihood α per key: clicks over examinations, where a list is examined
 * down to its first click (all of it, up to `depth`, when nothing was clicked) — the classic one-click
 * cascade (Craswell et al., 2008).
 */
export function fitCascadeModel(impressions: readonly Impression[], depth = 10): CascadeFit {
  const clicked = new Map<string, number>();
  const examined = new Map<string, number>();
  for (const impression of impressions) {
    const first = impression.clicked.length > 0 ? Math.min(...impression.clicked) : Infinity;
    const last = Math.min(depth, impression.keys.length, first + 1);
    for (let r = 0; r < last; r++) {
      const key = impression.keys[r] as string;
      examined.set(key, (examined.get(key) ?? 0) + 1);
      if (r === first) clicked.set(key, (clicked.get(key) ?? 0) + 1);
    }
  }
  const alpha = new Map<string, number>();
  for (const [key, n] of examined) alpha.set(key, (clicked.get(key) ?? 0) / n);
  return { alpha, impressions: impressions.length };
}
