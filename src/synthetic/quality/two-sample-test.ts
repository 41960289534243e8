import { bootstrapInterval } from "../../eval";
import { Rng } from "../../model/rng";

/** Area under the ROC curve of `scores` for `labels` (1 positive, 0 negative), ties counted half (Mann–Whitney U); null without both classes. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, indices?: ArrayLike<number>): number | null {
  const n = indices ? indices.length : scores.length;
  const order = Array.from({ length: n }, (_, i) => (indices ? (indices[i] as number) : i));
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface TwoSampleTestOptions {
  /** @defaultValue 5 */
  folds?: number;
  /** Rows per class at most (a seeded sample), bounding the cost. @defaultValue 5000 */
  maxPerClass?: number;
  /** Gradient-descent passes of the logistic regression. @defaultValue 300 */
  iterations?: number;
  /** L2 penalty. @defaultValue 0.001 */
  l2?: number;
  /** @defaultValue 1000 */
  resamples?: number;
  /** @defaultValue 42 */
  seed?: number;
}

export interface TwoSampleTestResult {
  /** Cross-validated AUC of telling synthetic (1) from real (0): 0.5 is indistinguishable, 1 is fully separable. */
  auc: number;
  /** 95 % percentile-bootstrap interval of the AUC over the out-of-fold predictions. */
  ci95: [number, number];
  folds: number;
  real: number;
  synthetic: number;
  classifier: "logistic-regression (features and their squares, standardized per fold)";
}

/** Standardized features and their squares, with the training fold's mean and std. */
function expand(rows: readonly ArrayLike<number>[], train: readonly number[]): (row: ArrayLike<number>) => Float64Array {
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const i of train) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + ((rows[i] as ArrayLike<number>)[k] as number) / train.length;
  for (const i of train) for (let k = 0; k < d; k++) std[k] = (std[k] as number) + (((rows[i] as ArrayLike<number>)[k] as number) - (mean[k] as number)) ** 2 / train.length;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(std[k] as number) || 1;
  return (row) => {
    const out = new Float64Array(2 * d);
    for (let k = 0; k < d; k++) {
      const z = ((row[k] as number) - (mean[k] as number)) / (std[k] as number);
      out[k] = z;
      out[d + k] = z * z;
    }
    return out;
  };
}

function fitLogistic(x: readonly Float64Array[], y: readonly number[], iterations: number, l2: number): { w: Float64Array; b: number } {
  const d = x[0]?.length ?? 0;
  const w = new Float64Array(d);
  let b = 0;
  const rate = 0.5;
  const gradient = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    gradient.fill(0);
    let gb = 0;
    x.forEach((row, i) => {
      let s = b;
      for (let k = 0; k < d; k++) s += (w[k] as number) * (row[k] as number);
      const err = 1 / (1 + Math.exp(-s)) - (y[i] as number);
      gb += err;
      for (let k = 0; k < d; k++) gradient[k] = (gradient[k] as number) + err * (row[k] as number);
    });
    for (let k = 0; k < d; k++) w[k] = (w[k] as number) - rate * ((gradient[k] as number) / x.length + l2 * (w[k] as number));
    b -= (rate * gb) / x.length;
  }
  return { w, b };
}

/**
 * Classifier two-sample test (Lopez-Paz & Oquab, 2017): a logistic regression on the standardized
 * features and their squares (so shifts in spread show, not only in mean) learns to tell synthetic
 * rows from real ones; its stratified k-fold out-of-fold AUC measures how distinguishable they are.
 * Classes are balanced by a seeded sample of the larger one.
 * @throws Error when either sample has fewer rows than folds, or the rows differ in length.
 */
export function classifierTwoSampleTest(real: readonly ArrayLike<number>[], synthetic: readonly ArrayLike<number>[], options: TwoSampleTestOptions = {}): TwoSampleTestResult {
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 42;
  const rng = new Rng(seed);
  const cap = Math.min(options.maxPerClass ?? 5000, real.length, synthetic.length);
  if (cap < folds) throw new Error(`the two-sample test needs at least ${folds} rows on each side (real ${real.length}, synthetic ${synthetic.length})`);
  const d = real[0]?.length ?? 0;
  if ([...real, ...synthetic].some((row) => row.length !== d)) throw new Error("every row of the two-sample test must have the same length");
  const a = rng.shuffle([...real]).slice(0, cap);
  const b = rng.shuffle([...synthetic]).slice(0, cap);
  const rows = [...a, ...b];
  const labels = [...a.map(() => 0), ...b.map(() => 1)];
  // Stratified folds: each class's shuffled positions dealt round-robin.
  const fold = new Int32Array(rows.length);
  for (const cls of [0, 1]) {
    const members = rng.shuffle(labels.flatMap((l, i) => (l === cls ? [i] : [])));
    members.forEach((i, k) => (fold[i] = k % folds));
  }
  const scores = new Float64Array(rows.length);
  for (let f = 0; f < folds; f++) {
    const train = labels.flatMap((_, i) => (fold[i] !== f ? [i] : []));
    const features = expand(rows, train);
    const model = fitLogistic(
      train.map((i) => features(rows[i] as ArrayLike<number>)),
      train.map((i) => labels[i] as number),
      options.iterations ?? 300,
      options.l2 ?? 0.001,
    );
    labels.forEach((_, i) => {
      if (fold[i] !== f) return;
      const x = features(rows[i] as ArrayLike<number>);
      let s = model.b;
      x.forEach((v, k) => (s += (model.w[k] as number) * v));
      scores[i] = s;
    });
  }
  const auc = rocAuc(scores, labels) as number;
  const ci95 = bootstrapInterval(rows.length, (indices) => rocAuc(scores, labels, indices) ?? 0.5, { resamples: options.resamples ?? 1000, seed }) as [number, number];
  return { auc, ci95, folds, real: a.length, synthetic: b.length, classifier: "logistic-regression (features and their squares, standardized per fold)" };
}
