import * as tf from "@tensorflow/tfjs";
import { type Product } from "../indexing/product";
import { DEFAULT_PSEUDO_QUERY_OPTIONS, pseudoQuery, type PseudoQueryOptions } from "./augment";
import { FastTower } from "./fast-forward";
import { queryKey } from "./query-key";
import { recall, stack, topK } from "./retrieval-metrics";
import { Rng } from "./rng";
import { countWords } from "./spell-corrector";
import { TextFeaturizer, type FeatureOptions, type SparseFeatures } from "./text-features";
import { initTwoTowerWeights, padFeatures, towerGraph, type PaddedBatch, type TowerTensors, type TowerWeights, type TwoTowerShape, type TwoTowerWeights } from "./two-tower";

/** A graded judgment: `grade` ≥ the relevant grade makes the pair a positive. */
export interface TrainingPair {
  query: string;
  docId: string;
  grade: number;
}

/** A click (or add-to-cart, purchase) after a search: always a positive. */
export interface ClickPair {
  query: string;
  itemId: string;
}

/** Everything training reads, as plain data. */
export interface TrainingData {
  pairs: readonly TrainingPair[];
  products: ReadonlyMap<string, Product>;
  clicks?: readonly ClickPair[];
}

export interface TrainEmbeddingsOptions {
  /** Output vector dimension. @defaultValue 64 */
  dimension: number;
  /** Width of the shared embedding-table rows. @defaultValue 64 */
  bagDimension: number;
  /** Width of each tower's tanh path (0: linear towers). @defaultValue 128 */
  hiddenUnits: number;
  /** Feature hashing; see `FeatureOptions`. @defaultValue DEFAULT_FEATURE_OPTIONS */
  features: Partial<FeatureOptions>;
  /** Passes over the training pairs. @defaultValue 10 */
  epochs: number;
  /** Pairs per step; the other pairs of a batch are each pair's negatives. @defaultValue 512 */
  batchSize: number;
  /** InfoNCE softmax temperature. @defaultValue 0.05 */
  temperature: number;
  /** Adam learning rate of the tower weights. @defaultValue 0.003 */
  learningRate: number;
  /** Row-wise Adagrad learning rate of the embedding table (updated sparsely). @defaultValue 0.2 */
  tableLearningRate: number;
  /** Judgments with grade ≥ this are positives. @defaultValue 1.33 */
  relevantGrade: number;
  /** Weight each positive by grade / highest grade, so "somewhat relevant" pulls less. @defaultValue true */
  weightByGrade: boolean;
  /** Pseudo-queries made from product titles per epoch, per real positive pair. @defaultValue 1 */
  pseudoQueriesPerPair: number;
  /** At least this many pseudo-queries per epoch (so a tiny judgment set still trains). @defaultValue 2000 */
  minPseudoQueries: number;
  /** @defaultValue DEFAULT_PSEUDO_QUERY_OPTIONS */
  pseudoQuery: PseudoQueryOptions;
  /** Share of the judged queries held out (query-disjoint) for validation recall@10. @defaultValue 0.1 */
  validationFraction: number;
  /** Cap on validation queries (each costs a brute-force search of the catalog). @defaultValue 800 */
  validationMaxQueries: number;
  /** Seed for initialization, splitting, shuffling and augmentation. @defaultValue 42 */
  seed: number;
  /** Training stops after the step that crosses this budget (validation still runs). @defaultValue 600 */
  maxSeconds: number;
  /** Called after every step. @defaultValue none */
  onProgress?: (progress: TrainingProgress) => void;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<Omit<TrainEmbeddingsOptions, "onProgress">> = Object.freeze({
  dimension: 64,
  bagDimension: 64,
  hiddenUnits: 128,
  features: {},
  epochs: 10,
  batchSize: 512,
  temperature: 0.05,
  learningRate: 0.003,
  tableLearningRate: 0.2,
  relevantGrade: 1.33,
  weightByGrade: true,
  pseudoQueriesPerPair: 1,
  minPseudoQueries: 2000,
  pseudoQuery: DEFAULT_PSEUDO_QUERY_OPTIONS,
  validationFraction: 0.1,
  validationMaxQueries: 800,
  seed: 42,
  maxSeconds: 600,
});

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface EpochStats {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Validation recall@10 after the epoch (null without validation queries). */
  valRecallAt10: number | null;
  seconds: number;
}

export interface TrainingMetrics {
  epochs: EpochStats[];
  /** Validation recall@10 of the final model. */
  valRecallAt10: number | null;
  /** Same, for the untrained (initial) model: the baseline training must beat. */
  valRecallAt10Untrained: number | null;
  valQueries: number;
  trainQueries: number;
  /** Positive (query, product) pairs trained on per epoch, clicks included. */
  trainPairs: number;
  /** Judgments skipped: below the relevant grade, or product not in the catalog. */
  skippedPairs: { notRelevant: number; unknownProduct: number };
  pseudoQueriesPerEpoch: number;
  steps: number;
  seconds: number;
  backend: string;
  stoppedEarly: boolean;
}

export interface TrainedEmbeddings {
  shape: TwoTowerShape;
  features: FeatureOptions;
  weights: TwoTowerWeights;
  /** Catalog word → count: the spelling corrector's vocabulary. */
  vocabulary: Map<string, number>;
  metrics: TrainingMetrics;
}

interface Example {
  query: SparseFeatures;
  item: SparseFeatures;
  queryKey: string;
  itemKey: string;
  weight: number;
}

interface ValidationQuery {
  query: string;
  relevant: Set<string>;
}

function productText(product: Product): string[] {
  const texts = [product.title];
  if (product.brand) texts.push(product.brand);
  if (product.category) texts.push(product.category.join(" "));
  if (product.description) texts.push(product.description);
  if (product.attributes) texts.push(Object.values(product.attributes).join(" "));
  return texts;
}

/**
 * Trains the two-tower model with InfoNCE over in-batch negatives (both directions, temperature τ),
 * on judged positives and clicks plus pseudo-queries made from product titles.
 *
 * TensorFlow.js computes the loss and all gradients. The embedding table's gradient is taken with
 * respect to the gathered rows only and applied sparsely (row-wise Adagrad) in JS: a dense gradient
 * over 2^18 rows per step is ~100× slower, and the wasm backend lacks the scatter kernel it needs.
 */
export async function trainEmbeddings(data: TrainingData, options: Partial<TrainEmbeddingsOptions> = {}): Promise<TrainedEmbeddings> {
  const opts: TrainEmbeddingsOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const started = Date.now();
  const rng = new Rng(opts.seed);
  const featurizer = new TextFeaturizer(opts.features);
  const shape: TwoTowerShape = {
    buckets: featurizer.options.buckets,
    bagDimension: opts.bagDimension,
    hiddenUnits: opts.hiddenUnits,
    dimension: opts.dimension,
  };
  if (!(opts.temperature > 0)) throw new Error(`temperature must be > 0, got ${opts.temperature}`);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 2) throw new Error(`batchSize must be an integer ≥ 2, got ${opts.batchSize}`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`epochs must be an integer ≥ 0, got ${opts.epochs}`);
  if (data.products.size === 0) throw new Error("training needs a non-empty catalog");

  const productIds = [...data.products.keys()];
  const productFeatures = new Map<string, SparseFeatures>();
  for (const [id, product] of data.products) productFeatures.set(id, featurizer.productFeatures(product));
  const vocabulary = countWords(
    [...data.products.values()].flatMap((product) => productText(product)),
    (text) => featurizer.words(text),
  );

  // Positives grouped by query, then a query-disjoint validation split.
  const skipped = { notRelevant: 0, unknownProduct: 0 };
  const positives = new Map<string, { query: string; docs: Map<string, number> }>();
  const maxGrade = Math.max(opts.relevantGrade, ...data.pairs.map((pair) => pair.grade));
  for (const pair of data.pairs) {
    if (pair.grade < opts.relevantGrade) {
      skipped.notRelevant++;
      continue;
    }
    if (!data.products.has(pair.docId)) {
      skipped.unknownProduct++;
      continue;
    }
    const key = queryKey(pair.query);
    const group = positives.get(key) ?? { query: pair.query, docs: new Map<string, number>() };
    group.docs.set(pair.docId, Math.max(group.docs.get(pair.docId) ?? 0, opts.weightByGrade ? pair.grade / maxGrade : 1));
    positives.set(key, group);
  }
  for (const click of data.clicks ?? []) {
    if (!data.products.has(click.itemId)) {
      skipped.unknownProduct++;
      continue;
    }
    const key = queryKey(click.query);
    const group = positives.get(key) ?? { query: click.query, docs: new Map<string, number>() };
    group.docs.set(click.itemId, 1);
    positives.set(key, group);
  }
  const queryKeys = rng.shuffle([...positives.keys()].sort());
  const valCount = queryKeys.length >= 10 ? Math.min(opts.validationMaxQueries, Math.round(queryKeys.length * opts.validationFraction)) : 0;
  const valKeys = new Set(queryKeys.slice(0, valCount));
  const validation: ValidationQuery[] = [];
  const realExamples: Example[] = [];
  for (const [key, group] of positives) {
    if (valKeys.has(key)) {
      validation.push({ query: group.query, relevant: new Set(group.docs.keys()) });
      continue;
    }
    const features = featurizer.queryFeatures(group.query);
    for (const [docId, weight] of group.docs) {
      realExamples.push({ query: features, item: productFeatures.get(docId) as SparseFeatures, queryKey: key, itemKey: docId, weight });
    }
  }
  const pseudoCount = Math.max(opts.minPseudoQueries, Math.round(realExamples.length * opts.pseudoQueriesPerPair));

  const weights = initTwoTowerWeights(shape, opts.seed);
  const evaluate = (): number | null => {
    if (validation.length === 0) return null;
    return validationRecall(featurizer, weights, shape, productIds, productFeatures, validation, 10);
  };
  const valRecallAt10Untrained = evaluate();

  const trainer = new SparseTableTrainer(weights, shape, opts);
  const epochs: EpochStats[] = [];
  let steps = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= opts.epochs && !stoppedEarly; epoch++) {
      const epochStarted = Date.now();
      const examples = [...realExamples];
      for (let i = 0; i < pseudoCount; i++) {
        const id = productIds[rng.int(productIds.length)] as string;
        const product = data.products.get(id) as Product;
        const text = pseudoQuery(featurizer.words(product.title), rng, opts.pseudoQuery);
        examples.push({ query: featurizer.queryFeatures(text), item: productFeatures.get(id) as SparseFeatures, queryKey: `~${queryKey(text)}`, itemKey: id, weight: 1 });
      }
      rng.shuffle(examples);
      const stepsPerEpoch = Math.floor(examples.length / opts.batchSize) || 1;
      let lossSum = 0;
      let lossSteps = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const batch = examples.slice(step * opts.batchSize, (step + 1) * opts.batchSize);
        if (batch.length < 2) break;
        const loss = await trainer.step(batch);
        lossSum += loss;
        lossSteps++;
        steps++;
        opts.onProgress?.({ epoch, epochs: opts.epochs, step: step + 1, stepsPerEpoch, loss });
        if ((Date.now() - started) / 1000 > opts.maxSeconds) {
          stoppedEarly = true;
          break;
        }
      }
      trainer.syncWeights();
      epochs.push({ epoch, loss: lossSteps > 0 ? lossSum / lossSteps : Number.NaN, valRecallAt10: evaluate(), seconds: (Date.now() - epochStarted) / 1000 });
    }
  } finally {
    trainer.syncWeights();
    trainer.dispose();
  }
  const last = epochs[epochs.length - 1];
  return {
    shape,
    features: featurizer.options,
    weights,
    vocabulary,
    metrics: {
      epochs,
      valRecallAt10: last ? last.valRecallAt10 : valRecallAt10Untrained,
      valRecallAt10Untrained,
      valQueries: validation.length,
      trainQueries: positives.size - validation.length,
      trainPairs: realExamples.length,
      skippedPairs: skipped,
      pseudoQueriesPerEpoch: pseudoCount,
      steps,
      seconds: (Date.now() - started) / 1000,
      backend: tf.getBackend(),
      stoppedEarly,
    },
  };
}

/** Mean recall@k of validation queries over the whole catalog (exact search). */
function validationRecall(
  featurizer: TextFeaturizer,
  weights: TwoTowerWeights,
  shape: TwoTowerShape,
  productIds: readonly string[],
  productFeatures: ReadonlyMap<string, SparseFeatures>,
  validation: readonly ValidationQuery[],
  k: number,
): number {
  const itemTower = new FastTower(weights.table, weights.item, shape);
  const queryTower = new FastTower(weights.table, weights.query, shape);
  const matrix = stack(
    productIds.map((id) => itemTower.embed(productFeatures.get(id) as SparseFeatures)),
    shape.dimension,
  );
  let total = 0;
  for (const { query, relevant } of validation) {
    const top = topK(queryTower.embed(featurizer.queryFeatures(query)), matrix, productIds.length, k);
    total += recall(
      top.map((row) => productIds[row] as string),
      relevant,
    );
  }
  return total / validation.length;
}

const TOWER_KEYS = ["projection", "hidden", "hiddenBias", "output"] as const;

/** Holds the trainable state: tower weights as tf variables (Adam), the table as a JS array (sparse row-wise Adagrad). */
class SparseTableTrainer {
  private readonly variables: Record<"query" | "item", Record<(typeof TOWER_KEYS)[number], tf.Variable>>;
  private readonly optimizer: tf.Optimizer;
  private readonly tableAccumulator: Float32Array;

  constructor(
    private readonly weights: TwoTowerWeights,
    private readonly shape: TwoTowerShape,
    private readonly opts: TrainEmbeddingsOptions,
  ) {
    const { bagDimension: b, hiddenUnits: h, dimension: d } = shape;
    const tower = (w: TowerWeights) => ({
      projection: tf.variable(tf.tensor2d(w.projection, [b, d])),
      hidden: tf.variable(tf.tensor2d(w.hidden, [b, h])),
      hiddenBias: tf.variable(tf.tensor1d(w.hiddenBias)),
      output: tf.variable(tf.tensor2d(w.output, [h, d])),
    });
    this.variables = { query: tower(weights.query), item: tower(weights.item) };
    this.optimizer = tf.train.adam(opts.learningRate);
    this.tableAccumulator = new Float32Array(shape.buckets);
  }

  async step(batch: readonly Example[]): Promise<number> {
    const size = batch.length;
    const b = this.shape.bagDimension;
    const queries = padFeatures(batch.map((e) => e.query));
    const items = padFeatures(batch.map((e) => e.item));
    const mask = new Float32Array(size * size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        // Another row with the same product or the same query is not a negative for this one.
        if (i !== j && ((batch[i] as Example).itemKey === (batch[j] as Example).itemKey || (batch[i] as Example).queryKey === (batch[j] as Example).queryKey)) mask[i * size + j] = -1e4;
      }
    }
    const exampleWeights = Float32Array.from(batch, (e) => e.weight);
    const varList = [...TOWER_KEYS.map((key) => this.variables.query[key]), ...TOWER_KEYS.map((key) => this.variables.item[key])];

    const { value, grads } = tf.tidy(() => {
      const queryRows = tf.tensor3d(this.gatherRows(queries), [size, queries.width, b]);
      const itemRows = tf.tensor3d(this.gatherRows(items), [size, items.width, b]);
      const queryWeights = tf.tensor2d(queries.weights, [size, queries.width]);
      const itemWeights = tf.tensor2d(items.weights, [size, items.width]);
      const maskTensor = tf.tensor2d(mask, [size, size]);
      const weightTensor = tf.tensor1d(exampleWeights);
      const eye = tf.eye(size);
      const lossOf = (...args: tf.Tensor[]): tf.Scalar => {
        const [qr, ir, ...params] = args as [tf.Tensor3D, tf.Tensor3D, ...tf.Tensor[]];
        const towerOf = (offset: number): TowerTensors => ({
          projection: params[offset] as tf.Tensor2D,
          hidden: params[offset + 1] as tf.Tensor2D,
          hiddenBias: params[offset + 2] as tf.Tensor1D,
          output: params[offset + 3] as tf.Tensor2D,
        });
        const q = towerGraph(qr, queryWeights, towerOf(0));
        const it = towerGraph(ir, itemWeights, towerOf(4));
        const logits = tf.add(tf.div(tf.matMul(q, it, false, true), this.opts.temperature), maskTensor);
        const forward = tf.sum(tf.mul(tf.logSoftmax(logits), eye), 1);
        const backward = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits)), eye), 1);
        const perExample = tf.mul(tf.add(forward, backward), -0.5);
        return tf.div(tf.sum(tf.mul(perExample, weightTensor)), tf.sum(weightTensor));
      };
      return tf.valueAndGrads(lossOf)([queryRows, itemRows, ...varList]);
    });
    const [queryGrad, itemGrad, ...towerGrads] = grads as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
    const named: tf.NamedTensorMap = {};
    varList.forEach((variable, i) => (named[variable.name] = towerGrads[i] as tf.Tensor));
    this.optimizer.applyGradients(named);
    const [queryGradData, itemGradData, lossData] = await Promise.all([queryGrad.data(), itemGrad.data(), value.data()]);
    tf.dispose([value, ...grads]);
    this.applyTableGradient([
      { batch: queries, grad: queryGradData as Float32Array },
      { batch: items, grad: itemGradData as Float32Array },
    ]);
    return lossData[0] as number;
  }

  /** Copies the tower variables back into the plain weight arrays (the table is already there). */
  syncWeights(): void {
    for (const tower of ["query", "item"] as const) {
      for (const key of TOWER_KEYS) this.weights[tower][key].set(this.variables[tower][key].dataSync());
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const tower of ["query", "item"] as const) for (const key of TOWER_KEYS) this.variables[tower][key].dispose();
  }

  private gatherRows(batch: PaddedBatch): Float32Array {
    const b = this.shape.bagDimension;
    const table = this.weights.table;
    const out = new Float32Array(batch.ids.length * b);
    for (let p = 0; p < batch.ids.length; p++) {
      if (batch.weights[p] === 0) continue;
      const base = (batch.ids[p] as number) * b;
      out.set(table.subarray(base, base + b), p * b);
    }
    return out;
  }

  /** Sums the gradient per table row over both towers, then a row-wise Adagrad step on each touched row. */
  private applyTableGradient(parts: readonly { batch: PaddedBatch; grad: Float32Array }[]): void {
    const b = this.shape.bagDimension;
    const slots = new Map<number, number>();
    let total = 0;
    for (const { batch } of parts) total += batch.ids.length;
    const sums = new Float32Array(total * b);
    for (const { batch, grad } of parts) {
      for (let p = 0; p < batch.ids.length; p++) {
        if (batch.weights[p] === 0) continue;
        const id = batch.ids[p] as number;
        let slot = slots.get(id);
        if (slot === undefined) {
          slot = slots.size;
          slots.set(id, slot);
        }
        const from = p * b;
        const to = slot * b;
        for (let j = 0; j < b; j++) sums[to + j] = (sums[to + j] as number) + (grad[from + j] as number);
      }
    }
    const table = this.weights.table;
    const lr = this.opts.tableLearningRate;
    for (const [id, slot] of slots) {
      const from = slot * b;
      let squares = 0;
      for (let j = 0; j < b; j++) squares += (sums[from + j] as number) ** 2;
      const accumulated = (this.tableAccumulator[id] as number) + squares / b;
      this.tableAccumulator[id] = accumulated;
      const scale = lr / (Math.sqrt(accumulated) + 1e-10);
      const base = id * b;
      for (let j = 0; j < b; j++) table[base + j] = (table[base + j] as number) - scale * (sums[from + j] as number);
    }
  }
}
