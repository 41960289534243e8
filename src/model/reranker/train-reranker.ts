import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import { FastReranker } from "./fast-reranker";
import { FeatureNormalizer, fitFeatureSchema, type FeatureSchema, type NormalizationKind } from "./feature-schema";
import { rankOrder } from "./rerank-explanation";
import { packLists, type LabeledRerankList, type RerankList } from "./rerank-inputs";
import { packedTensors, rerankerGraph, type RerankerTensors } from "./reranker-graph";
import { meanListMetrics, type ListMetrics } from "./ranking-metrics";
import { checkRerankerShape, cloneRerankerWeights, initRerankerWeights, rerankerWeightShapes, type RerankerShape, type RerankerWeights } from "./reranker-shape";

/** Everything training reads, as plain data: lists with graded labels, built by the caller (the sidecar's own retrieval, later). */
export interface RerankerTrainingData {
  /** The raw features' names, in the order of every candidate's `features`. */
  featureNames: readonly string[];
  /** D: the embeddings' width (query, candidates, history). */
  dimension: number;
  lists: readonly LabeledRerankList[];
}

export interface TrainRerankerOptions {
  /** K, width of the fused hidden vector. @defaultValue 32 */
  hidden: number;
  /** A, width of the listwise self-attention. @defaultValue 16 */
  attention: number;
  /** H, history items the model reads per list. @defaultValue 50 */
  maxHistory: number;
  /** Per feature name or for all. @defaultValue "zscore" */
  normalization: NormalizationKind | Readonly<Record<string, NormalizationKind>>;
  /** Normalized features are clipped to ±clip. @defaultValue 5 */
  clip: number;
  /** Most passes over the training lists. @defaultValue 30 */
  epochs: number;
  /** Lists per step. @defaultValue 16 */
  batchSize: number;
  /** Adam learning rate. @defaultValue 0.005 */
  learningRate: number;
  /** Share of the list groups held out for validation (by `group`, so one query's lists never straddle the split). @defaultValue 0.2 */
  validationFraction: number;
  /** Stop after this many epochs without a better validation NDCG@10; the best epoch's weights are kept. @defaultValue 5 */
  patience: number;
  /** MRR counts a candidate relevant from this grade. @defaultValue 1 */
  relevantGrade: number;
  /** Seed for initialization, the split and shuffling. @defaultValue 42 */
  seed: number;
  /** Training stops after the step that crosses this budget (validation still runs). @defaultValue 600 */
  maxSeconds: number;
  /** Called after every step. @defaultValue none */
  onProgress?: (progress: RerankerTrainingProgress) => void;
}

export const DEFAULT_RERANKER_TRAIN_OPTIONS: Readonly<Omit<TrainRerankerOptions, "onProgress">> = Object.freeze({
  hidden: 32,
  attention: 16,
  maxHistory: 50,
  normalization: "zscore",
  clip: 5,
  epochs: 30,
  batchSize: 16,
  learningRate: 0.005,
  validationFraction: 0.2,
  patience: 5,
  relevantGrade: 1,
  seed: 42,
  maxSeconds: 600,
});

export interface RerankerTrainingProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface RerankerEpochStats {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Validation metrics after the epoch (null without validation lists). */
  validation: ListMetrics | null;
  seconds: number;
}

export interface RerankerTrainingMetrics {
  loss: "listwise-softmax-cross-entropy";
  /** Validation lists in their input (retrieval) order: the baseline the model must beat. */
  before: ListMetrics | null;
  /** Validation lists ranked by the kept model. */
  after: ListMetrics | null;
  /** The same model with every validation history emptied: what personalization adds is `after − afterEmptyHistory`. */
  afterEmptyHistory: ListMetrics | null;
  epochs: RerankerEpochStats[];
  /** Mean training loss per epoch (the same numbers as `epochs[].loss`, for plotting). */
  lossCurve: number[];
  /** Epoch whose weights were kept (0: the initial weights). */
  bestEpoch: number;
  trainLists: number;
  valLists: number;
  /** Training lists without any grade > 0: they carry no signal for a listwise loss. */
  skippedLists: number;
  steps: number;
  seconds: number;
  backend: string;
  stoppedEarly: boolean;
}

export interface TrainedReranker {
  shape: RerankerShape;
  schema: FeatureSchema;
  weights: RerankerWeights;
  metrics: RerankerTrainingMetrics;
  /** The optimizer settings the training ran with (the defaults filled in). */
  optimizer: Pick<TrainRerankerOptions, "learningRate" | "batchSize" | "patience">;
}

/**
 * Trains the re-ranker with a listwise softmax cross-entropy: per list, the target distribution is
 * the candidates' gains (2^grade − 1) normalized to sum 1, and the loss is −Σ_c t_c·log softmax(s)_c
 * over the real candidates. Chosen over LambdaLoss because it is a proven bound on NDCG and MRR
 * (Bruch et al., 2019), is O(N) per list instead of O(N²) pairs, and needs no sort inside the graph.
 * Adam; validation by list group with early stopping on NDCG@10; everything seeded.
 */
export async function trainReranker(data: RerankerTrainingData, options: Partial<TrainRerankerOptions> = {}): Promise<TrainedReranker> {
  const opts: TrainRerankerOptions = { ...DEFAULT_RERANKER_TRAIN_OPTIONS, ...options };
  const started = Date.now();
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`epochs must be an integer ≥ 0, got ${opts.epochs}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  if (!(opts.validationFraction >= 0 && opts.validationFraction < 1)) throw new Error(`validationFraction must be in [0, 1), got ${opts.validationFraction}`);
  if (!Number.isInteger(opts.patience) || opts.patience < 1) throw new Error(`patience must be a positive integer, got ${opts.patience}`);
  data.lists.forEach((list, i) => {
    if (list.labels.length !== list.candidates.length) throw new Error(`list ${i} has ${list.candidates.length} candidates but ${list.labels.length} labels`);
  });
  const shape: RerankerShape = {
    features: data.featureNames.length,
    dimension: data.dimension,
    maxHistory: opts.maxHistory,
    hidden: opts.hidden,
    attention: opts.attention,
  };
  checkRerankerShape(shape);
  const rng = new Rng(opts.seed);

  // Split by group, then fit the normalization on the training side only.
  const groups = new Map<string, number[]>();
  data.lists.forEach((list, i) => {
    const key = list.group ?? `#${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const { keys: groupKeys, validation: valGroups } = splitGroups([...groups.keys()], opts.validationFraction, rng);
  const validation: LabeledRerankList[] = [];
  const training: LabeledRerankList[] = [];
  let skippedLists = 0;
  for (const key of groupKeys) {
    for (const i of groups.get(key) as number[]) {
      const list = data.lists[i] as LabeledRerankList;
      // Generated rows are never measured on: validation stays real data only.
      if (valGroups.has(key)) {
        if (list.synthetic) skippedLists++;
        else validation.push(list);
      } else if (!list.validationOnly && list.labels.some((g) => g > 0) && list.candidates.length > 0) training.push(list);
      else skippedLists++;
    }
  }
  const schema = fitFeatureSchema(
    data.featureNames,
    training.flatMap((list) => list.candidates.map((c) => c.features)),
    { normalization: opts.normalization, clip: opts.clip },
  );
  const normalizer = new FeatureNormalizer(schema);

  const weights = initRerankerWeights(shape, opts.seed);
  const valLabels = validation.map((list) => list.labels);
  const evaluate = (w: RerankerWeights, lists: readonly RerankList[]): ListMetrics | null => {
    if (lists.length === 0) return null;
    const fast = new FastReranker(w, shape, normalizer);
    return meanListMetrics(
      lists.map((list) => rankOrder(fast.score(list).scores)),
      valLabels,
      opts.relevantGrade,
    );
  };
  const before = validation.length > 0 ? meanListMetrics(validation.map((list) => list.candidates.map((_, i) => i)), valLabels, opts.relevantGrade) : null;
  let best = { epoch: 0, ndcg: evaluate(weights, validation)?.["ndcg@10"] ?? Number.NEGATIVE_INFINITY, weights: cloneRerankerWeights(weights) };

  const trainer = new RerankerTrainer(weights, shape, normalizer, { learningRate: opts.learningRate });
  const epochs: RerankerEpochStats[] = [];
  let steps = 0;
  let stoppedEarly = false;
  let sinceBest = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs && training.length > 0; epoch++) {
      const epochStarted = Date.now();
      const order = rng.shuffle(training.map((_, i) => i));
      const stepsPerEpoch = Math.ceil(order.length / opts.batchSize);
      let lossSum = 0;
      let lossSteps = 0;
      let outOfTime = false;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const batch = order.slice(step * opts.batchSize, (step + 1) * opts.batchSize).map((i) => training[i] as LabeledRerankList);
        const loss = await trainer.step(batch);
        lossSum += loss;
        lossSteps++;
        steps++;
        opts.onProgress?.({ epoch, epochs: opts.epochs, step: step + 1, stepsPerEpoch, loss });
        if ((Date.now() - started) / 1000 > opts.maxSeconds) {
          outOfTime = true;
          break;
        }
      }
      const current = trainer.syncWeights();
      const metrics = evaluate(current, validation);
      epochs.push({ epoch, loss: lossSum / Math.max(1, lossSteps), validation: metrics, seconds: (Date.now() - epochStarted) / 1000 });
      if (metrics === null || metrics["ndcg@10"] > best.ndcg) {
        best = { epoch, ndcg: metrics?.["ndcg@10"] ?? Number.NEGATIVE_INFINITY, weights: cloneRerankerWeights(current) };
        sinceBest = 0;
      } else {
        sinceBest++;
      }
      if (outOfTime || sinceBest >= opts.patience) {
        stoppedEarly = epoch < opts.epochs;
        break;
      }
    }
  } finally {
    trainer.dispose();
  }
  const kept = best.weights;
  return {
    shape,
    schema,
    weights: kept,
    optimizer: { learningRate: opts.learningRate, batchSize: opts.batchSize, patience: opts.patience },
    metrics: {
      loss: "listwise-softmax-cross-entropy",
      before,
      after: evaluate(kept, validation),
      afterEmptyHistory: evaluate(
        kept,
        validation.map((list) => ({ ...list, history: [] })),
      ),
      epochs,
      lossCurve: epochs.map((e) => e.loss),
      bestEpoch: best.epoch,
      trainLists: training.length,
      valLists: validation.length,
      skippedLists,
      steps,
      seconds: (Date.now() - started) / 1000,
      backend: tf.getBackend(),
      stoppedEarly,
    },
  };
}

/** The group keys in split order (the RNG's first draws) and the validation side: a `fraction` of them, none below 5 groups. */
function splitGroups(groupKeys: readonly string[], fraction: number, rng: Rng): { keys: string[]; validation: Set<string> } {
  const keys = rng.shuffle([...groupKeys].sort());
  const count = keys.length >= 5 && fraction > 0 ? Math.max(1, Math.round(keys.length * fraction)) : 0;
  return { keys, validation: new Set(keys.slice(0, count)) };
}

/**
 * The list groups `trainReranker` holds out for validation with this seed and fraction: the same draw
 * it makes, so a caller (e.g. training-data augmentation) can stay off the validation side.
 * Lists without a `group` are keyed `#<position>`, as in training.
 */
export function validationGroups(lists: readonly LabeledRerankList[], validationFraction: number, seed: number): Set<string> {
  const keys = new Set(lists.map((list, i) => list.group ?? `#${i}`));
  return splitGroups([...keys], validationFraction, new Rng(seed)).validation;
}

/** Per list, the target distribution (2^grade − 1)/Σ over real candidates, padded to [B, N]. */
function targetDistribution(lists: readonly LabeledRerankList[], n: number): Float32Array {
  const out = new Float32Array(lists.length * n);
  lists.forEach((list, li) => {
    let total = 0;
    list.labels.forEach((g) => (total += g > 0 ? 2 ** g - 1 : 0));
    if (total <= 0) return;
    list.labels.forEach((g, c) => (out[li * n + c] = g > 0 ? (2 ** g - 1) / total : 0));
  });
  return out;
}

export interface RerankerTrainerOptions {
  /** @defaultValue 0.005 */
  learningRate?: number;
}

/**
 * The trainable state: the weights as tf variables and an Adam optimizer. Adam creates its slot
 * variables on the first step; after that a step allocates no lasting tensors.
 */
export class RerankerTrainer {
  private readonly variables: RerankerTensors;
  private readonly optimizer: tf.Optimizer;

  constructor(
    private readonly weights: RerankerWeights,
    private readonly shape: RerankerShape,
    private readonly normalizer: FeatureNormalizer,
    options: RerankerTrainerOptions = {},
  ) {
    checkRerankerShape(shape);
    const learningRate = options.learningRate ?? DEFAULT_RERANKER_TRAIN_OPTIONS.learningRate;
    if (!(learningRate > 0)) throw new Error(`learningRate must be > 0, got ${learningRate}`);
    const variables = {} as RerankerTensors;
    for (const spec of rerankerWeightShapes(shape)) {
      const initial = tf.tensor(weights[spec.key], spec.shape);
      variables[spec.key] = tf.variable(initial);
      initial.dispose();
    }
    this.variables = variables;
    this.optimizer = tf.train.adam(learningRate);
  }

  /** One Adam step on the listwise softmax cross-entropy of `lists`; returns the mean loss before the step. */
  async step(lists: readonly LabeledRerankList[]): Promise<number> {
    if (lists.length === 0) throw new Error("a training step needs at least one list");
    const packed = packLists(lists, this.shape, this.normalizer);
    const targets = targetDistribution(lists, packed.candidates);
    const loss = tf.tidy(() => {
      const input = packedTensors(packed, this.shape);
      const target = tf.tensor2d(targets, [packed.lists, packed.candidates]);
      const mask = tf.tensor2d(packed.candidateMask, [packed.lists, packed.candidates]);
      const varList = Object.values(this.variables) as tf.Variable[];
      return this.optimizer.minimize(
        () => {
          const scores = rerankerGraph(input, this.variables, this.shape);
          const logProbabilities = tf.logSoftmax(tf.add(scores, tf.mul(tf.sub(mask, 1), 1e9)));
          return tf.div(tf.neg(tf.sum(tf.mul(target, logProbabilities))), packed.lists);
        },
        true,
        varList,
      ) as tf.Scalar;
    });
    const value = (await loss.data())[0] as number;
    loss.dispose();
    return value;
  }

  /** Copies the variables into the plain weight arrays and returns them. */
  syncWeights(): RerankerWeights {
    for (const spec of rerankerWeightShapes(this.shape)) this.weights[spec.key].set(this.variables[spec.key].dataSync());
    return this.weights;
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose(Object.values(this.variables));
  }
}
