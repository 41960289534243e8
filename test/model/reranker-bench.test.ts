import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { benchRerankModel } from "../../src/bench";

describe("re-ranker model-only benchmark", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("reports ordered percentiles for the fast path and the tfjs graph, and leaks no tensors", async () => {
    const before = tf.memory().numTensors;
    const result = await benchRerankModel({ candidates: 12, history: 4, dimension: 8, features: 3, iterations: 10, tfjsIterations: 4, warmup: 1, batchLists: 2 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(result.backend, "cpu");
    assert.deepEqual([result.candidates, result.history, result.shape.dimension], [12, 4, 8]);
    for (const figures of [result.fast, result.fastNewHistory, result.tfjs, result.fastBatched, result.tfjsBatched]) {
      assert.ok(figures.calls > 0);
      assert.ok(figures.p50_ms > 0 && figures.p50_ms <= figures.p95_ms && figures.p95_ms <= figures.p99_ms, JSON.stringify(figures));
    }
    assert.equal(result.fastBatched.lists, 2);
  });
});
