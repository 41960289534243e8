import { strict as assert } from "node:assert";
import { hasRelevant, labelMetrics, meanMetrics, scoreRanking } from "../../src/eval";

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: expected ${expected}, got ${actual}`);
};

// Discounts 1/log2(rank+1): rank1 1, rank2 0.630930, rank3 0.5, rank4 0.430677, rank5 0.386853.
// Gains 2^g − 1: grade 3 → 7, grade 2 → 3, grade 1 → 1, grade 0 → 0.
const grades = new Map([
  ["a", 3],
  ["b", 2],
  ["c", 0],
  ["d", 1],
]);
// x is unjudged.
const ranking = ["x", "b", "a", "c", "d"];

describe("eval metrics", () => {
  it("scores a mixed ranking at k=3 by hand", () => {
    const m = scoreRanking(ranking, grades, { k: 3, relevantGrade: 1 });
    // IDCG@3 = 7·1 + 3·0.630930 + 1·0.5 = 9.392789
    // DCG@3 of [x,b,a] = 0 + 3·0.630930 + 7·0.5 = 5.392789 → 5.392789 / 9.392789 = 0.574141
    close(m.ndcg, 0.574141, "ndcg@3");
    // condensed [b,a,c,d]; top 3 [b,a,c] = 3·1 + 7·0.630930 + 0 = 7.416508 → 0.789596
    close(m.cndcg, 0.789596, "cndcg@3");
    // relevant (≥1): a, b, d; all three within the top 100
    close(m.recall, 1, "recall@100");
    // first relevant is b at rank 2
    close(m.mrr, 0.5, "mrr");
    // relevant at ranks 2, 3, 5: (1/2 + 2/3 + 3/5) / 3 = 0.588889
    close(m.map, 0.588889, "map");
  });

  it("uses every judged grade for the ideal, not just the retrieved ones (k=10)", () => {
    const m = scoreRanking(ranking, grades, { k: 10 });
    // DCG@10 = 3·0.630930 + 7·0.5 + 0 + 1·0.386853 = 5.779642; IDCG = 9.392789 → 0.615328
    close(m.ndcg, 0.615328, "ndcg@10");
    // condensed [b,a,c,d] = 3 + 7·0.630930 + 0 + 1·0.430677 = 7.847185 → 0.835448
    close(m.cndcg, 0.835448, "cndcg@10");
    // Only a is retrieved of {a, b}: ideal still counts b → DCG 7 / IDCG (7 + 3·0.630930 = 8.892789) = 0.787155
    close(scoreRanking(["a"], new Map([["a", 3], ["b", 2]]), { k: 10 }).ndcg, 0.787155, "ndcg with a missed doc");
  });

  it("raises the relevant grade for recall, mrr and map only", () => {
    const m = scoreRanking(ranking, grades, { k: 3, relevantGrade: 2 });
    // relevant (≥2): a, b at ranks 3 and 2: AP = (1/2 + 2/3) / 2 = 0.583333
    close(m.map, 0.583333, "map");
    close(m.mrr, 0.5, "mrr");
    close(m.recall, 1, "recall");
    close(m.ndcg, 0.574141, "ndcg unchanged");
  });

  it("gives the same score whichever of two equally graded docs comes first (ties)", () => {
    const tied = new Map([
      ["p", 2],
      ["q", 2],
      ["r", 0],
    ]);
    const one = scoreRanking(["p", "r", "q"], tied, { k: 3 });
    const two = scoreRanking(["q", "r", "p"], tied, { k: 3 });
    assert.deepEqual(one, two);
    // DCG = 3 + 0 + 3·0.5 = 4.5; IDCG = 3 + 3·0.630930 = 4.892789 → 0.919721
    close(one.ndcg, 0.919721, "ndcg with ties");
    // ideal order of tied grades does not matter, so a perfect ranking scores exactly 1
    close(scoreRanking(["q", "p", "r"], tied, { k: 3 }).ndcg, 1, "perfect ranking");
  });

  it("counts only the first occurrence of a repeated doc, like trec_eval", () => {
    const g = new Map([
      ["a", 2],
      ["b", 1],
    ]);
    const m = scoreRanking(["a", "a", "b"], g, { k: 2 });
    // deduplicated [a, b] is the ideal order → 1 (counting a twice would give (3 + 3·0.630930) / 3.630930 = 1.347)
    close(m.ndcg, 1, "ndcg");
    // relevant at ranks 1 and 2 after deduplication → AP = (1 + 1) / 2
    close(m.map, 1, "map");
  });

  it("scores an empty ranking as zero everywhere", () => {
    assert.deepEqual(scoreRanking([], grades, { k: 10 }), { ndcg: 0, cndcg: 0, recall: 0, mrr: 0, map: 0 });
  });

  it("cuts recall at 100 but lets mrr and map see the whole ranking", () => {
    const long = Array.from({ length: 150 }, (_, i) => `u${i}`);
    long[119] = "hit"; // rank 120
    const m = scoreRanking(long, new Map([["hit", 1]]), { k: 10 });
    close(m.recall, 0, "recall@100");
    close(m.mrr, 1 / 120, "mrr");
    close(m.map, 1 / 120, "map");
    close(m.ndcg, 0, "ndcg@10");
    // condensed: only "hit" is judged, so it moves to rank 1
    close(m.cndcg, 1, "cndcg@10");
  });

  it("handles queries without relevant docs", () => {
    const none = new Map([
      ["a", 0],
      ["b", 0],
    ]);
    assert.equal(hasRelevant(none), false);
    assert.deepEqual(scoreRanking(["a", "b"], none, { k: 10 }), { ndcg: 0, cndcg: 0, recall: 0, mrr: 0, map: 0 });
    // grade 0.5 > 0 makes the query count, but nothing reaches relevant grade 1 → recall/mrr/map 0 by convention
    const weak = new Map([["a", 0.5]]);
    assert.equal(hasRelevant(weak), true);
    const m = scoreRanking(["a"], weak, { k: 10, relevantGrade: 1 });
    close(m.ndcg, 1, "ndcg");
    assert.equal(m.recall, 0);
    assert.equal(m.mrr, 0);
  });

  it("rejects a cut-off that is not a positive integer", () => {
    assert.throws(() => scoreRanking([], grades, { k: 0 }), RangeError);
  });

  it("averages metrics and labels them with the cut-off", () => {
    const mean = meanMetrics([
      { ndcg: 1, cndcg: 1, recall: 1, mrr: 1, map: 1 },
      { ndcg: 0, cndcg: 0.5, recall: 0, mrr: 0.5, map: 0 },
    ]);
    assert.deepEqual(mean, { ndcg: 0.5, cndcg: 0.75, recall: 0.5, mrr: 0.75, map: 0.5 });
    assert.equal(meanMetrics([]), undefined);
    assert.deepEqual(Object.keys(labelMetrics(mean ?? { ndcg: 0, cndcg: 0, recall: 0, mrr: 0, map: 0 }, 5)), ["ndcg@5", "cndcg@5", "recall@100", "mrr", "map"]);
  });
});
