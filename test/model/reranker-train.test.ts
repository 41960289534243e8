import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import {
  FastReranker,
  FeatureNormalizer,
  meanListMetrics,
  rankOrder,
  RerankerTrainer,
  trainReranker,
  type LabeledRerankList,
  type RerankerTrainingProgress,
  type TrainedReranker,
  type TrainRerankerOptions,
} from "../../src/model/reranker";
import { SYNTHETIC_FEATURES, syntheticRerankTask } from "../utils/reranker-lists";

const DIMENSION = 8;
/** Small enough to train in a few seconds on the cpu backend. */
const OPTIONS: Partial<TrainRerankerOptions> = { hidden: 16, attention: 8, epochs: 4, batchSize: 16, learningRate: 0.02, seed: 3 };

function task(lists: number, seed: number): LabeledRerankList[] {
  return syntheticRerankTask({ lists, candidates: 20, history: 10, dimension: DIMENSION, seed });
}

/** Mean metrics of a trained model on fresh lists, ranked by the model (with or without the users' histories). */
function heldOut(model: TrainedReranker, lists: readonly LabeledRerankList[], withHistory: boolean) {
  const fast = new FastReranker(model.weights, model.shape, new FeatureNormalizer(model.schema));
  const orders = lists.map((list) => rankOrder(fast.score(withHistory ? list : { ...list, history: [] }).scores));
  return meanListMetrics(
    orders,
    lists.map((l) => l.labels),
  );
}

describe("training the attention re-ranker", function () {
  this.timeout(60_000);
  let trained: TrainedReranker;
  const progress: RerankerTrainingProgress[] = [];

  before(async () => {
    await tf.setBackend("cpu");
    trained = await trainReranker({ featureNames: SYNTHETIC_FEATURES, dimension: DIMENSION, lists: task(120, 1) }, { ...OPTIONS, onProgress: (p) => progress.push(p) });
  });

  it("beats the input order on validation NDCG@10 and MRR", () => {
    const { before, after, valLists, trainLists } = trained.metrics;
    assert.equal(valLists + trainLists, 120);
    assert.ok(valLists >= 20, `validation lists ${valLists}`);
    assert.ok(before && after);
    assert.ok(after["ndcg@10"] > before["ndcg@10"] + 0.25, `ndcg@10 ${before["ndcg@10"]} → ${after["ndcg@10"]}`);
    assert.ok(after.mrr > before.mrr + 0.2, `mrr ${before.mrr} → ${after.mrr}`);
    const losses = trained.metrics.epochs.map((e) => e.loss);
    assert.ok((losses[losses.length - 1] as number) < (losses[0] as number), `loss curve ${losses.join(", ")}`);
    assert.deepEqual(trained.metrics.lossCurve, losses);
    // The kept weights are the best validated epoch's.
    const { bestEpoch, epochs } = trained.metrics;
    assert.ok(bestEpoch >= 1);
    assert.deepEqual(after, epochs[bestEpoch - 1]?.validation);
    assert.ok(epochs.every((e) => (e.validation?.["ndcg@10"] ?? 0) <= after["ndcg@10"]));
  });

  it("uses the history: on fresh lists it ranks better with the users' histories than without", () => {
    const fresh = task(60, 2);
    const personal = heldOut(trained, fresh, true);
    const anonymous = heldOut(trained, fresh, false);
    const inputOrder = meanListMetrics(
      fresh.map((l) => l.candidates.map((_, i) => i)),
      fresh.map((l) => l.labels),
    );
    assert.ok(personal["ndcg@10"] > anonymous["ndcg@10"] + 0.1, `with history ${personal["ndcg@10"]}, without ${anonymous["ndcg@10"]}`);
    assert.ok(personal.mrr > anonymous.mrr + 0.05, `mrr with history ${personal.mrr}, without ${anonymous.mrr}`);
    // Without a history it still uses the quality feature, so it beats the input order.
    assert.ok(anonymous["ndcg@10"] > inputOrder["ndcg@10"] + 0.05, `without history ${anonymous["ndcg@10"]}, input order ${inputOrder["ndcg@10"]}`);
    assert.ok(trained.metrics.afterEmptyHistory && trained.metrics.after && trained.metrics.after["ndcg@10"] > trained.metrics.afterEmptyHistory["ndcg@10"]);
  });

  it("reports progress after every step and fits the normalization on training lists", () => {
    assert.equal(progress.length, trained.metrics.steps);
    assert.ok(progress.every((p) => Number.isFinite(p.loss) && p.step <= p.stepsPerEpoch && p.epochs === 4));
    assert.deepEqual(
      trained.schema.features.map((f) => [f.name, f.normalization.kind]),
      SYNTHETIC_FEATURES.map((name) => [name, "zscore"]),
    );
    const quality = trained.schema.features[0]?.normalization;
    assert.ok(quality?.kind === "zscore" && Math.abs(quality.mean - 0.5) < 0.05, "quality is uniform in [0, 1)");
  });

  it("is reproducible: the same seed gives the same weights and metrics, another seed other weights", async () => {
    const data = { featureNames: SYNTHETIC_FEATURES, dimension: DIMENSION, lists: task(40, 5) };
    const options = { ...OPTIONS, epochs: 1 };
    const a = await trainReranker(data, options);
    const b = await trainReranker(data, options);
    const c = await trainReranker(data, { ...options, seed: 4 });
    assert.deepEqual(a.weights, b.weights);
    const comparable = (m: TrainedReranker["metrics"]) => ({ ...m, seconds: 0, epochs: m.epochs.map((e) => ({ ...e, seconds: 0 })) });
    assert.deepEqual(comparable(a.metrics), comparable(b.metrics));
    assert.notDeepEqual(a.weights.fusion, c.weights.fusion);
  });

  it("stops at the time budget, and a training step leaks no tensors", async () => {
    const data = { featureNames: SYNTHETIC_FEATURES, dimension: DIMENSION, lists: task(40, 6) };
    const quick = await trainReranker(data, { ...OPTIONS, maxSeconds: 0 });
    assert.equal(quick.metrics.steps, 1);
    assert.equal(quick.metrics.stoppedEarly, true);

    const start = tf.memory().numTensors;
    const trainer = new RerankerTrainer(structuredClone(quick.weights), quick.shape, new FeatureNormalizer(quick.schema), { learningRate: 0.01 });
    const lists = data.lists.slice(0, 8);
    await trainer.step(lists); // Adam makes its slot variables here
    const before = tf.memory().numTensors;
    const loss = await trainer.step(lists);
    assert.ok(Number.isFinite(loss));
    assert.equal(tf.memory().numTensors, before, "a step leaves no tensors behind");
    trainer.dispose();
    assert.equal(tf.memory().numTensors, start, "dispose frees the variables and the optimizer");
  });

  it("rejects lists whose labels do not match their candidates", async () => {
    const lists = task(3, 7);
    (lists[1] as LabeledRerankList).labels = [1];
    await assert.rejects(trainReranker({ featureNames: SYNTHETIC_FEATURES, dimension: DIMENSION, lists }, OPTIONS), /list 1 has 20 candidates but 1 labels/);
  });
});
