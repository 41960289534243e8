import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/model/rng";
import {
  FastReranker,
  FeatureNormalizer,
  fitFeatureSchema,
  initRerankerWeights,
  PERSONAL_TERMS,
  TfjsReranker,
  type FeatureSchema,
  type RerankerShape,
  type RerankList,
} from "../../src/model/reranker";
import { randomList, scrambleWeights } from "../utils/reranker-lists";

const SHAPE: RerankerShape = { features: 5, dimension: 12, maxHistory: 50, hidden: 16, attention: 8 };

function schemaFor(features: number, rng: Rng): FeatureSchema {
  const names = Array.from({ length: features }, (_, i) => `f${i}`);
  const rows = Array.from({ length: 50 }, () => Array.from({ length: features }, () => rng.normal() * 3 + 1));
  return fitFeatureSchema(names, rows, { normalization: { f1: "minmax", f2: "none" } });
}

/** |a − b| ≤ tol·max(1, |b|) for every score. */
function assertClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  actual.forEach((a, i) => {
    const b = expected[i] as number;
    assert.ok(Number.isFinite(a), `${what}: score ${i} is ${a}`);
    assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: candidate ${i}: fast ${a} vs tfjs ${b}`);
  });
}

describe("attention re-ranker forward passes", () => {
  const rng = new Rng(7);
  const schema = schemaFor(SHAPE.features, rng);
  const normalizer = new FeatureNormalizer(schema);
  const weights = scrambleWeights(initRerankerWeights(SHAPE, 3), 4);
  let reference: TfjsReranker;
  let fast: FastReranker;

  before(async () => {
    await tf.setBackend("cpu");
    reference = new TfjsReranker(weights, SHAPE, normalizer);
    fast = new FastReranker(weights, SHAPE, normalizer);
  });

  after(() => reference.dispose());

  const cases: [string, Parameters<typeof randomList>[1]][] = [
    ["1 candidate, empty history", { candidates: 1, history: 0, dimension: SHAPE.dimension, features: SHAPE.features }],
    ["1 candidate, partial history", { candidates: 1, history: 7, dimension: SHAPE.dimension, features: SHAPE.features }],
    ["30 candidates, empty history, no query", { candidates: 30, history: 0, dimension: SHAPE.dimension, features: SHAPE.features, query: false }],
    ["30 candidates, all history masked", { candidates: 30, history: 4, dimension: SHAPE.dimension, features: SHAPE.features, maskedHistory: 1 }],
    ["200 candidates, 50 history items", { candidates: 200, history: 50, dimension: SHAPE.dimension, features: SHAPE.features }],
    ["200 candidates, 60 history items (cut to 50)", { candidates: 200, history: 60, dimension: SHAPE.dimension, features: SHAPE.features }],
  ];
  for (const [name, options] of cases) {
    it(`the Float32Array fast path equals the tfjs graph within 1e-5: ${name}`, async () => {
      const list = randomList(rng, options);
      const [expected] = await reference.score([list]);
      assertClose(fast.score(list).scores, expected as Float32Array, 1e-5, name);
    });
  }

  it("equals the graph when lists of different lengths and histories are padded into one batch", async () => {
    const lists = [
      randomList(rng, { candidates: 3, history: 0, dimension: SHAPE.dimension, features: SHAPE.features }),
      randomList(rng, { candidates: 40, history: 12, dimension: SHAPE.dimension, features: SHAPE.features }),
      randomList(rng, { candidates: 17, history: 50, dimension: SHAPE.dimension, features: SHAPE.features }),
      { candidates: [] },
    ];
    const batched = await reference.score(lists);
    lists.forEach((list, i) => assertClose(fast.score(list).scores, batched[i] as Float32Array, 1e-5, `list ${i}`));
    // Padding must not change a list's scores: alone or in a batch, the graph agrees with itself.
    const [alone] = await reference.score([lists[0] as RerankList]);
    assertClose(batched[0] as Float32Array, alone as Float32Array, 1e-5, "padded vs alone");
  });

  it("history vectors passed again (the same arrays, as serving's item-vector cache hands them out) score as fresh copies do, in any position", async () => {
    const opts = { dimension: SHAPE.dimension, features: SHAPE.features, maskedHistory: 0 };
    const shared = randomList(rng, { ...opts, candidates: 0, history: 10 }).history ?? [];
    fast.score({ ...randomList(rng, { ...opts, candidates: 30, history: 0 }), history: shared });
    // The same vector objects in another order and another list, after new ones: each must still be its own.
    const again: RerankList = { ...randomList(rng, { ...opts, candidates: 20, history: 0 }), history: [...(randomList(rng, { ...opts, candidates: 0, history: 5 }).history ?? []), ...[...shared].reverse()] };
    const [expected] = await reference.score([again]);
    assertClose(fast.score(again).scores, expected as Float32Array, 1e-5, "the same arrays again");
    const copies = { ...again, history: (again.history ?? []).map((h) => ({ ...h, embedding: h.embedding ? Float32Array.from(h.embedding) : null })) };
    assert.deepEqual(fast.score(copies).scores, fast.score(again).scores);
  });

  it("an empty history gives finite, deterministic scores, the same as no history at all or only masked items", () => {
    const base = randomList(rng, { candidates: 25, history: 0, dimension: SHAPE.dimension, features: SHAPE.features });
    const empty = fast.score(base);
    const missing = fast.score({ ...base, history: undefined });
    const masked = fast.score({ ...base, history: [{ embedding: null, weight: 1 }, { embedding: null }] });
    assert.ok(empty.scores.every((s) => Number.isFinite(s)));
    assert.deepEqual(empty.scores, fast.score(base).scores);
    assert.deepEqual(missing.scores, empty.scores);
    assert.deepEqual(masked.scores, empty.scores);
    // …while a real history changes them.
    const personal = fast.score({ ...base, history: randomList(rng, { candidates: 0, history: 5, dimension: SHAPE.dimension, features: SHAPE.features, maskedHistory: 0 }).history });
    assert.notDeepEqual(personal.scores, empty.scores);
  });

  it("explanations add up to the score and name the most attended history items", () => {
    const list = randomList(rng, { candidates: 20, history: 9, dimension: SHAPE.dimension, features: SHAPE.features, maskedHistory: 0.3 });
    const { scores, explanations } = fast.score(list, true);
    assert.ok(explanations);
    assert.equal(explanations.length, 20);
    const validHistory = (list.history ?? []).flatMap((item, j) => (item.embedding ? [j] : []));
    explanations.forEach((e, c) => {
      assert.deepEqual(
        e.features.map((x) => x.name),
        schema.features.map((s) => s.name),
      );
      assert.deepEqual(Object.keys(e.personal), [...PERSONAL_TERMS]);
      const total = e.features.reduce((s, x) => s + x.contribution, 0) + Object.values(e.personal).reduce((s, x) => s + x.contribution, 0) + e.bias + e.context;
      assert.ok(Math.abs(total - (scores[c] as number)) < 1e-4, `candidate ${c}: parts sum to ${total}, score ${scores[c]}`);
      assert.equal(e.attended.length, Math.min(3, validHistory.length));
      for (const a of e.attended) assert.ok(validHistory.includes(a.index), `attended index ${a.index} is a valid history item`);
      for (let i = 1; i < e.attended.length; i++) assert.ok((e.attended[i - 1]?.weight ?? 0) >= (e.attended[i]?.weight ?? 0));
      assert.ok(Math.abs((e.attended[0]?.weight ?? 0) - e.personal.max_attention.value) < 1e-6);
    });
    const none = fast.score({ ...list, history: [] }, true).explanations ?? [];
    assert.ok(none.every((e) => e.attended.length === 0 && e.personal.has_history.value === 0 && e.personal.max_attention.value === 0));
  });

  it("scoring leaks no tensors", async () => {
    const list = randomList(rng, { candidates: 10, history: 5, dimension: SHAPE.dimension, features: SHAPE.features });
    await reference.score([list]);
    const before = tf.memory().numTensors;
    await reference.score([list, list]);
    assert.equal(tf.memory().numTensors, before);
  });

  it("refuses inputs that do not fit the model, saying which", async () => {
    const list = randomList(rng, { candidates: 2, history: 1, dimension: SHAPE.dimension, features: SHAPE.features });
    assert.throws(() => fast.score({ ...list, candidates: [{ features: [1, 2] }] }), /candidate has 2 features, the model's schema has 5/);
    assert.throws(() => fast.score({ ...list, queryEmbedding: new Float32Array(3) }), /query embedding has length 3, the model's dimension is 12/);
    await assert.rejects(reference.score([{ ...list, history: [{ embedding: [1, 2] }] }]), /history item 0: the embedding has length 2/);
    assert.throws(() => initRerankerWeights({ ...SHAPE, maxHistory: 51 }, 1), /maxHistory must be an integer 0..50, got 51/);
  });
});
