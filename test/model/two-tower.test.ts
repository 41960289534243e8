import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { FastTower } from "../../src/model/fast-forward";
import { TextFeaturizer } from "../../src/model/text-features";
import { initTwoTowerWeights, TfjsTwoTower, type TwoTowerShape, type TwoTowerWeights } from "../../src/model/two-tower";
import { Rng } from "../../src/model/rng";

const TEXTS = ["cordless drill", "1/2 in. copper pipe fitting", "", "Samsung 25 cu. ft. French Door Refrigerator in Stainless Steel", "toliet seat"];

/** Random (not identity-initialized) weights, so every path of the forward pass matters. */
function scrambled(shape: TwoTowerShape, seed: number): TwoTowerWeights {
  const weights = initTwoTowerWeights(shape, seed);
  const rng = new Rng(seed + 1);
  for (const tower of [weights.query, weights.item]) {
    for (const array of [tower.projection, tower.hidden, tower.hiddenBias, tower.output]) for (let i = 0; i < array.length; i++) array[i] = rng.normal() * 0.3;
  }
  return weights;
}

describe("two-tower forward passes", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  for (const hiddenUnits of [0, 24]) {
    it(`the Float32Array fast path agrees with the tfjs forward pass within 1e-4 (hidden ${hiddenUnits})`, async () => {
      const shape: TwoTowerShape = { buckets: 4096, bagDimension: 16, hiddenUnits, dimension: 12 };
      const featurizer = new TextFeaturizer({ buckets: shape.buckets });
      const weights = scrambled(shape, 3);
      const features = TEXTS.map((t) => featurizer.queryFeatures(t));
      const model = new TfjsTwoTower(weights, shape);
      const before = tf.memory().numTensors;
      try {
        for (const tower of ["query", "item"] as const) {
          const reference = await model.embed(features, tower);
          const fast = new FastTower(weights.table, weights[tower], shape);
          features.forEach((f, i) => {
            const a = fast.embed(f);
            const b = reference[i] as Float32Array;
            assert.equal(a.length, shape.dimension);
            for (let j = 0; j < a.length; j++) assert.ok(Math.abs((a[j] as number) - (b[j] as number)) < 1e-4, `text ${i} dim ${j}: ${a[j]} vs ${b[j]}`);
          });
        }
        assert.equal(tf.memory().numTensors, before, "embed leaks no tensors");
      } finally {
        model.dispose();
      }
    });
  }

  it("produces unit vectors of the configured dimension, and the towers differ once trained weights differ", () => {
    const shape: TwoTowerShape = { buckets: 1024, bagDimension: 8, hiddenUnits: 4, dimension: 10 };
    const weights = scrambled(shape, 5);
    const featurizer = new TextFeaturizer({ buckets: shape.buckets });
    const q = new FastTower(weights.table, weights.query, shape).embed(featurizer.queryFeatures("garden hose"));
    const i = new FastTower(weights.table, weights.item, shape).embed(featurizer.queryFeatures("garden hose"));
    assert.equal(q.length, 10);
    assert.ok(Math.abs(Math.hypot(...q) - 1) < 1e-5);
    assert.ok(Math.abs(Math.hypot(...i) - 1) < 1e-5);
    assert.notDeepEqual([...q], [...i]);
  });

  it("starts with identical towers, so an untrained model scores by shared features", () => {
    const shape: TwoTowerShape = { buckets: 4096, bagDimension: 16, hiddenUnits: 8, dimension: 16 };
    const weights = initTwoTowerWeights(shape, 1);
    assert.deepEqual(weights.query.projection, weights.item.projection);
    const featurizer = new TextFeaturizer({ buckets: shape.buckets });
    const q = new FastTower(weights.table, weights.query, shape);
    const d = new FastTower(weights.table, weights.item, shape);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * (b[k] as number), 0);
    const query = q.embed(featurizer.queryFeatures("shower faucet"));
    const match = d.embed(featurizer.productFeatures({ id: "1", title: "Chrome Shower Faucet" }));
    const other = d.embed(featurizer.productFeatures({ id: "2", title: "Garden Hose Nozzle" }));
    assert.ok(dot(query, match) > dot(query, other) + 0.3, `${dot(query, match)} vs ${dot(query, other)}`);
  });

  it("rejects impossible shapes with a plain message", () => {
    assert.throws(() => initTwoTowerWeights({ buckets: 8, bagDimension: 8, hiddenUnits: 0, dimension: 8 }, 1), /buckets must be an integer ≥ 16/);
    assert.throws(() => initTwoTowerWeights({ buckets: 64, bagDimension: 8, hiddenUnits: -1, dimension: 8 }, 1), /hiddenUnits/);
  });
});
