import { strict as assert } from "node:assert";
import { bootstrapMeanInterval, compareMetrics, evaluate, judgedShare, parseJudgments, type PipelineRun, type QueryMetrics } from "../../src/eval";

const metrics = (ndcg: number): QueryMetrics => ({ ndcg, cndcg: ndcg, recall: ndcg, mrr: ndcg, map: ndcg });

describe("eval statistics", () => {
  describe("bootstrap interval", () => {
    it("matches the exact bootstrap distribution of a two-value sample", () => {
      // Resample means of [0, 1] are 0, 0.5, 1 with probability 1/4, 1/2, 1/4, so the
      // 2.5th percentile is 0 and the 97.5th is 1.
      assert.deepEqual(bootstrapMeanInterval([0, 1], { seed: 1 }), [0, 1]);
    });

    it("excludes 0 for a clear improvement", () => {
      const deltas = Array.from({ length: 40 }, (_, i) => 0.1 + ((i % 5) - 2) * 0.02); // 0.06 … 0.14
      const [low, high] = bootstrapMeanInterval(deltas) ?? [NaN, NaN];
      assert.ok(low > 0, `low ${low} should be above 0`);
      assert.ok(low <= 0.1 && high >= 0.1, `[${low}, ${high}] should contain the mean 0.1`);
    });

    it("includes 0 for noise around 0", () => {
      const deltas = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (0.05 + (i % 7) * 0.03));
      const [low, high] = bootstrapMeanInterval(deltas) ?? [NaN, NaN];
      assert.ok(low < 0 && high > 0, `[${low}, ${high}] should contain 0`);
    });

    it("is deterministic for a seed and collapses for constant data", () => {
      const deltas = [0.3, -0.1, 0.2, 0.05, -0.2, 0.4, 0];
      assert.deepEqual(bootstrapMeanInterval(deltas, { seed: 9 }), bootstrapMeanInterval(deltas, { seed: 9 }));
      assert.notDeepEqual(bootstrapMeanInterval(deltas, { seed: 9 }), bootstrapMeanInterval(deltas, { seed: 10 }));
      assert.deepEqual(bootstrapMeanInterval([0.25, 0.25, 0.25]), [0.25, 0.25]);
      assert.equal(bootstrapMeanInterval([]), undefined);
    });
  });

  describe("paired comparison", () => {
    it("counts wins, ties and losses and averages the differences", () => {
      const candidate = [0.9, 0.5, 0.2, 0.7].map(metrics);
      const baseline = [0.5, 0.5, 0.4, 0.3].map(metrics);
      const d = compareMetrics(candidate, baseline).ndcg;
      // differences 0.4, 0, −0.2, 0.4 → mean 0.15
      assert.ok(Math.abs(d.mean - 0.15) < 1e-12);
      assert.deepEqual([d.wins, d.ties, d.losses], [2, 1, 1]);
      assert.throws(() => compareMetrics(candidate, baseline.slice(1)), RangeError);
    });
  });

  describe("evaluate", () => {
    const set = parseJudgments(
      ["query,doc_id,grade", "good,a,2", "good,b,0", "flat,a,1", "none,a,0", "broken,a,1"].join("\n"),
      "csv",
      "t.csv",
    );
    const ok = (...ranking: string[]): PipelineRun => ({ status: "ok", ranking });
    const runs: Record<string, PipelineRun[]> = {
      new: [ok("a", "b"), ok("x", "a"), ok("a"), { status: "failed", error: "HTTP 503" }],
      old: [ok("b", "a"), ok("x", "a"), ok("a"), ok("a")],
    };

    it("leaves failed and no-relevant queries out of the means", () => {
      const e = evaluate(set.groups, runs, { k: 10, pipeline: "new" });
      assert.equal(e.noRelevant, 1);
      assert.deepEqual(
        e.queries.map((q) => q.scored),
        [true, true, false, false],
      );
      const [summary] = e.pipelines;
      assert.equal(summary?.queries, 2);
      assert.equal(summary?.failed, 1);
      // good: a first → 1; flat: a at rank 2 → 1/log2(3) = 0.630930; mean 0.815465
      assert.ok(Math.abs((summary?.means?.ndcg ?? 0) - 0.815465) < 1e-6);
      assert.equal(e.queries[3]?.pipelines.new?.status, "failed");
    });

    it("compares on the queries both pipelines answered and lists regressions worst first", () => {
      const e = evaluate(set.groups, runs, { k: 10, pipeline: "old", compare: "new" });
      assert.equal(e.comparison?.queries, 2);
      assert.deepEqual(
        e.pipelines.map((p) => [p.pipeline, p.queries, p.failed]),
        [
          ["old", 2, 0],
          ["new", 2, 1],
        ],
      );
      // good: old ranks b (grade 0) first → 3·0.630930 / 3 = 0.630930, new = 1 → delta −0.369070
      const worst = e.comparison?.worst ?? [];
      assert.equal(worst.length, 1);
      assert.equal(worst[0]?.query, "good");
      assert.ok(Math.abs((worst[0]?.delta ?? 0) + 0.36907) < 1e-5);
      assert.deepEqual(
        [e.comparison?.differences.ndcg.wins, e.comparison?.differences.ndcg.ties, e.comparison?.differences.ndcg.losses],
        [0, 1, 1],
      );
    });

    it("refuses runs that do not line up with the queries", () => {
      assert.throws(() => evaluate(set.groups, { new: [] }, { k: 10, pipeline: "new" }), RangeError);
    });
  });
});

describe("eval judged share", () => {
  it("counts judged docs among the top k of answered queries", () => {
    const groups = parseJudgments("query,doc_id,grade\nq1,a,1\nq1,b,0\nq2,c,1\n", "csv", "t.csv").groups;
    const runs: PipelineRun[] = [
      { status: "ok", ranking: ["a", "x", "b", "a"] },
      { status: "failed", error: "HTTP 503" },
    ];
    // top 3 of q1 = a, x, b → 2 judged of 3; the failed q2 does not count
    assert.equal(judgedShare(groups, runs, 3), 2 / 3);
    assert.equal(judgedShare(groups, [{ status: "ok", ranking: [] }, { status: "ok", ranking: ["z"] }], 10), 0);
    assert.equal(judgedShare(groups, [{ status: "failed", error: "x" }, { status: "failed", error: "x" }], 10), undefined);
  });
});
