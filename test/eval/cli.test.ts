import { strict as assert } from "node:assert";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { meanMetrics, readJudgments, scoreRanking, type QueryMetrics } from "../../src/eval";
import { FakeSidecar, hits, type SearchBody } from "./helpers/fake-sidecar";
import { lastJsonLine, runCli } from "./helpers/run-cli";

const JUDGMENTS = [
  "query,doc_id,grade,user_id",
  "shoes,s1,2,",
  "shoes,s2,1,",
  "shoes,s3,0,",
  "hat,h1,1,",
  "hat,h2,0,",
  "lamp,l1,0,",
  "sock,k1,2,u1",
  "sock,k2,1,u1",
  "broken,b1,1,",
].join("\n");

/** Docs in ideal order per query; "good" returns them so, "bad" reversed behind an unjudged doc. */
const IDEAL: Record<string, string[]> = { shoes: ["s1", "s2", "s3"], hat: ["h1", "h2"], lamp: ["l1"], sock: ["k1", "k2"], broken: ["b1"] };

function answer(body: SearchBody): ReturnType<typeof hits> {
  if (body.q === "broken" && body.pipeline === "good") return { status: 503, body: { error: { code: "OPENSEARCH_UNAVAILABLE", message: "down" } } };
  if (body.pipeline === "unknown") return { status: 400, body: { error: { code: "UNKNOWN_PIPELINE", message: "no such pipeline" } } };
  const ideal = IDEAL[body.q] ?? [];
  if (body.pipeline === "good") return hits(ideal, "good");
  // "bad" answers "hat" through a fallback, the way a sidecar without its model does
  return hits(["unjudged", ...[...ideal].reverse()], "bad", body.q === "hat" ? "needs an embedding model; answered with bm25" : undefined);
}

interface ResultsDocument {
  config: { k: number; relevantGrade: number };
  means: Record<string, Record<string, number>>;
  queries: {
    query: string;
    user_id: string | null;
    scored: boolean;
    pipelines: Record<string, { status: "ok"; ranking: string[] } | { status: "failed"; error: string }>;
  }[];
  comparison?: { worst: { query: string; delta: number }[] };
}

describe("relevance eval / judgments (commands run as a process)", function () {
  this.timeout(60_000);
  let sidecar: FakeSidecar;
  let url: string;
  let dir: string;
  let judgments: string;

  before(async () => {
    sidecar = new FakeSidecar(answer);
    url = await sidecar.start();
    dir = await mkdtemp(join(tmpdir(), "eval-cli-"));
    judgments = join(dir, "judgments.csv");
    await writeFile(judgments, JUDGMENTS);
  });
  after(async () => {
    await sidecar.stop();
  });

  it("prints only the contract summary on stdout and writes results that reproduce it", async () => {
    const out = join(dir, "single");
    const result = await runCli(["eval", "--judgments", judgments, "--pipeline", "bad", "--sidecar-url", url, "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trimEnd().split("\n").length, 1, "stdout holds just the summary line");
    const summary = lastJsonLine(result.stdout);
    assert.deepEqual(Object.keys(summary), ["pipeline", "queries", "ndcg@10", "cndcg@10", "recall@100", "mrr", "map", "degraded"]);
    assert.equal(summary.pipeline, "bad");
    assert.equal(summary.degraded, 1);
    assert.match(result.stderr, /warning: 1 queries of pipeline "bad" were answered degraded \(needs an embedding model/);
    // shoes, hat, sock and broken ("bad" answers it); lamp has no grade > 0
    assert.equal(summary.queries, 4);
    assert.match(result.stderr, /1 queries have no grade > 0/);

    // Re-score the stored rankings against the judgment file: the printed means must come back.
    const doc = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as ResultsDocument;
    const set = await readJudgments(judgments);
    const perQuery: QueryMetrics[] = [];
    for (const q of doc.queries.filter((x) => x.scored)) {
      const group = set.groups.find((g) => g.query === q.query && (g.userId ?? null) === q.user_id);
      const run = q.pipelines.bad;
      assert.ok(group && run?.status === "ok");
      perQuery.push(scoreRanking(run.ranking, group.grades, { k: doc.config.k, relevantGrade: doc.config.relevantGrade }));
    }
    const means = meanMetrics(perQuery);
    assert.ok(means);
    const recomputed: Record<string, number> = { "ndcg@10": means.ndcg, "cndcg@10": means.cndcg, "recall@100": means.recall, mrr: means.mrr, map: means.map };
    for (const [label, value] of Object.entries(recomputed)) {
      assert.ok(Math.abs(value - Number(summary[label])) <= 5e-5, `${label}: printed ${String(summary[label])}, recomputed ${value}`);
      assert.ok(Math.abs(value - (doc.means.bad?.[label] ?? NaN)) < 1e-12, `${label} in results.json`);
    }
    // "bad" puts an unjudged doc first and the rest reversed: hand check for hat ["unjudged","h2","h1"]:
    // ndcg@10 = 1·0.5 / 1 = 0.5; cndcg@10 on [h2, h1] = 1·0.630930 / 1 = 0.630930; mrr = 1/3
    const hat = perQuery[1];
    assert.ok(hat && Math.abs(hat.ndcg - 0.5) < 1e-9 && Math.abs(hat.cndcg - 0.63093) < 1e-5 && Math.abs(hat.mrr - 1 / 3) < 1e-9);
    const html = await readFile(join(out, "report.html"), "utf8");
    assert.match(html, /<body data-rendered="pending">/);
  });

  it("lists failed queries, leaves them out of the means and adds \"failed\"", async () => {
    const out = join(dir, "failed");
    const result = await runCli(["eval", "--judgments", judgments, "--pipeline", "good", "--sidecar-url", url, "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJsonLine(result.stdout);
    assert.deepEqual(summary, { pipeline: "good", queries: 3, "ndcg@10": 1, "cndcg@10": 1, "recall@100": 1, mrr: 1, map: 1, failed: 1 });
    assert.match(result.stderr, /1 queries failed with pipeline "good"[^]*"broken": HTTP 503 OPENSEARCH_UNAVAILABLE: down/);
    const doc = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as ResultsDocument;
    const broken = doc.queries.find((q) => q.query === "broken");
    assert.deepEqual(broken?.pipelines.good, { status: "failed", error: "HTTP 503 OPENSEARCH_UNAVAILABLE: down" });
    assert.equal(broken?.scored, false);
    assert.equal(sidecar.attemptsFor("broken", "good"), 3);
  });

  it("compares two pipelines with paired differences, intervals and win/tie/loss", async () => {
    const out = join(dir, "compare");
    const result = await runCli(["eval", "--judgments", judgments, "--pipeline", "bad", "--compare", "good", "--k", "5", "--seed", "7", "--sidecar-url", url, "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJsonLine(result.stdout);
    assert.deepEqual(Object.keys(summary), ["pipeline", "queries", "ndcg@5", "cndcg@5", "recall@100", "mrr", "map", "degraded", "compare", "diff"]);
    assert.deepEqual((summary.compare as Record<string, unknown>).pipeline, "good");
    assert.equal((summary.compare as Record<string, unknown>).failed, 1);
    const diff = summary.diff as Record<string, { mean: number; ci95: [number, number]; win: number; tie: number; loss: number }>;
    const ndcg = diff["ndcg@5"];
    assert.ok(ndcg);
    // "bad" is worse on all three scored queries
    assert.deepEqual([ndcg.win, ndcg.tie, ndcg.loss], [0, 0, 3]);
    assert.ok(ndcg.mean < 0 && ndcg.ci95[0] <= ndcg.mean && ndcg.mean <= ndcg.ci95[1] && ndcg.ci95[1] < 0);
    // recall@100 is 1 for both on every query
    assert.deepEqual([diff["recall@100"]?.mean, diff["recall@100"]?.tie, diff["recall@100"]?.ci95], [0, 3, [0, 0]]);
    const doc = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as ResultsDocument;
    const worst = doc.comparison?.worst ?? [];
    assert.equal(worst.length, 3);
    assert.ok(worst.every((w, i) => i === 0 || (worst[i - 1]?.delta ?? 0) <= w.delta), "worst first");
    // same seed, same intervals
    const again = await runCli(["eval", "--judgments", judgments, "--pipeline", "bad", "--compare", "good", "--k", "5", "--seed", "7", "--sidecar-url", url]);
    assert.deepEqual(lastJsonLine(again.stdout).diff, summary.diff);
  });

  it("takes the sidecar URL from SIDECAR_URL when no flag is given, and filters by --min-judgments", async () => {
    const result = await runCli(["eval", "--judgments", judgments, "--pipeline", "bad", "--min-judgments", "3"], { SIDECAR_URL: url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lastJsonLine(result.stdout).queries, 1, "only shoes has 3 judgments");
    assert.match(result.stderr, /kept 1 query groups with at least 3 judgments/);
  });

  it("exits non-zero with a one-line reason when the sidecar is unreachable", async () => {
    const result = await runCli(["eval", "--judgments", judgments, "--pipeline", "good", "--sidecar-url", "http://127.0.0.1:9", "--concurrency", "16"]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.match(lines.at(-1) ?? "", /^relevance: every search with pipeline "good" failed: cannot reach http:\/\/127\.0\.0\.1:9\/v1\/search/);
  });

  it("exits non-zero for an unknown pipeline, a missing file and bad options", async () => {
    const unknown = await runCli(["eval", "--judgments", judgments, "--pipeline", "unknown", "--sidecar-url", url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /UNKNOWN_PIPELINE/);
    const missing = await runCli(["eval", "--judgments", join(dir, "nope.csv"), "--pipeline", "good", "--sidecar-url", url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^relevance: .*nope\.csv: file: no such file\n$/);
    const same = await runCli(["eval", "--judgments", judgments, "--pipeline", "good", "--compare", "good", "--sidecar-url", url]);
    assert.equal(same.code, 1);
    assert.match(same.stderr, /--compare must name a different pipeline/);
    const badK = await runCli(["eval", "--judgments", judgments, "--pipeline", "good", "--k", "0"]);
    assert.notEqual(badK.code, 0);
    assert.match(badK.stderr, /--k/);
    const badFormat = await runCli(["eval", "--judgments", judgments, "--pipeline", "good", "--format", "xml"]);
    assert.notEqual(badFormat.code, 0);
  });

  it("splits judgments query-disjointly into two CSV files", async () => {
    const train = join(dir, "split", "train.csv");
    const test = join(dir, "split", "test.csv");
    const result = await runCli(["judgments", "split", "--judgments", judgments, "--train-out", train, "--test-out", test, "--test-fraction", "0.5", "--seed", "3"]);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJsonLine(result.stdout);
    assert.deepEqual(Object.keys(summary), ["train_queries", "test_queries", "train_rows", "test_rows"]);
    assert.equal(Number(summary.train_queries) + Number(summary.test_queries), 5);
    assert.equal(Number(summary.train_rows) + Number(summary.test_rows), 9);
    const trainSet = await readJudgments(train);
    const testSet = await readJudgments(test);
    assert.equal(trainSet.rows, summary.train_rows);
    const trainQueries = new Set(trainSet.groups.map((g) => g.query));
    assert.ok(testSet.groups.every((g) => !trainQueries.has(g.query)));
    const again = await runCli(["judgments", "split", "--judgments", judgments, "--train-out", train, "--test-out", test, "--test-fraction", "0.5", "--seed", "3"]);
    assert.deepEqual(lastJsonLine(again.stdout), summary);
  });
});
