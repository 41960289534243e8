import { strict as assert } from "node:assert";
import { fuseCandidates, type FusionOptions } from "../../src/search";

const minmax: FusionOptions = { method: "minmax", bm25Weight: 0.5, knnWeight: 0.5, rrfK: 60 };
const rrf: FusionOptions = { ...minmax, method: "rrf" };

describe("hybrid fusion", () => {
  const bm25 = [
    { id: "a", score: 10 },
    { id: "b", score: 6 },
    { id: "c", score: 2 },
  ];
  const knn = [
    { id: "c", score: 0.9 },
    { id: "d", score: 0.8 },
    { id: "a", score: 0.5 },
  ];

  it("min-max normalizes each list and weights them", () => {
    const fused = fuseCandidates(bm25, knn, minmax);
    // a: 0.5*1 + 0.5*0 = 0.5; b: 0.5*0.5 = 0.25; c: 0 + 0.5*1 = 0.5; d: 0.5*0.75 = 0.375
    assert.deepEqual(
      fused.map((f) => [f.id, Number(f.score.toFixed(4))]),
      [
        ["a", 0.5],
        ["c", 0.5],
        ["d", 0.375],
        ["b", 0.25],
      ],
    );
    assert.deepEqual([fused[0]?.bm25, fused[0]?.knn], [10, 0.5]);
    assert.equal(fused.find((f) => f.id === "d")?.bm25, null);
  });

  it("weights shift the ranking toward one retriever", () => {
    const lexical = fuseCandidates(bm25, knn, { ...minmax, bm25Weight: 1, knnWeight: 0 });
    assert.deepEqual(lexical.slice(0, 3).map((f) => f.id), ["a", "b", "c"]);
    const semantic = fuseCandidates(bm25, knn, { ...minmax, bm25Weight: 0, knnWeight: 1 });
    assert.deepEqual(semantic.slice(0, 3).map((f) => f.id), ["c", "d", "a"]);
  });

  it("reciprocal rank fusion sums 1/(k + rank)", () => {
    const fused = fuseCandidates(bm25, knn, rrf);
    const score = (id: string) => fused.find((f) => f.id === id)?.score ?? Number.NaN;
    assert.ok(Math.abs(score("a") - (1 / 61 + 1 / 63)) < 1e-12);
    assert.ok(Math.abs(score("c") - (1 / 63 + 1 / 61)) < 1e-12);
    assert.ok(Math.abs(score("b") - 1 / 62) < 1e-12);
    // a and c tie on RRF; the BM25 score breaks the tie.
    assert.deepEqual(fused.map((f) => f.id), ["a", "c", "b", "d"]);
  });

  it("handles an empty kNN list and a single tied candidate", () => {
    assert.deepEqual(fuseCandidates(bm25, [], minmax).map((f) => f.id), ["a", "b", "c"]);
    const single = fuseCandidates([{ id: "x", score: 3 }], [{ id: "x", score: 0.2 }], minmax);
    assert.equal(single[0]?.score, 1);
    assert.deepEqual(fuseCandidates([], [], rrf), []);
  });
});
