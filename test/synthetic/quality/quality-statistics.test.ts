import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../../src/model/rng";
import {
  classifierTwoSampleTest,
  eventStatistics,
  jensenShannon,
  ksStatistic,
  qualityReport,
  qualitySummaryLine,
  readEvalFigures,
  rocAuc,
  topDecileShare,
  totalVariation,
  tstrSummary,
  wasserstein1,
  writeQualityReport,
} from "../../../src/synthetic/quality";
import { writeListsFile, type StoredRerankList } from "../../../src/training";
import { runRelevance } from "../../utils/run-relevance";

const close = (actual: number | null, expected: number, tolerance = 1e-12) => {
  assert.ok(actual !== null, "expected a number, got null");
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
};

function normals(n: number, mean: number, std: number, seed: number, width = 1): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float64Array.from({ length: width }, () => mean + std * rng.normal()));
}

describe("synthetic data quality: statistics with known answers", () => {
  it("KS and Wasserstein-1 equal hand-computed values on small samples", () => {
    // F_a and F_b differ by 1/3 on [1, 4); a is b shifted by one: W1 = 1.
    close(ksStatistic([1, 2, 3], [2, 3, 4]), 1 / 3);
    close(wasserstein1([1, 2, 3], [2, 3, 4]), 1);
    // Ties: F_a(0) = 2/3, F_b(0) = 1/3; W1 = 1/3 · (1 − 0).
    close(ksStatistic([0, 0, 1], [0, 1, 1]), 1 / 3);
    close(wasserstein1([0, 0, 1], [0, 1, 1]), 1 / 3);
    // Different sizes: a = {0, 10}, b = {5}: sup |F_a − F_b| = 1/2; W1 = ½·5 + ½·5 = 5.
    close(ksStatistic([0, 10], [5]), 0.5);
    close(wasserstein1([0, 10], [5]), 5);
    // Disjoint supports: KS 1.
    close(ksStatistic([1, 2], [7, 8, 9]), 1);
    assert.equal(ksStatistic([], [1]), null);
    assert.equal(wasserstein1([1], []), null);
  });

  it("identical samples are at distance 0, a shifted distribution far away", () => {
    const a = normals(2000, 0, 1, 1).map((row) => row[0] as number);
    close(ksStatistic(a, [...a].reverse()), 0);
    close(wasserstein1(a, a), 0);
    const shifted = a.map((x) => x + 3);
    assert.ok((ksStatistic(a, shifted) as number) > 0.8, `KS of a 3σ shift: ${ksStatistic(a, shifted)}`);
    close(wasserstein1(a, shifted), 3, 1e-9);
    // Two independent samples of the same distribution: small but non-zero.
    const b = normals(2000, 0, 1, 2).map((row) => row[0] as number);
    assert.ok((ksStatistic(a, b) as number) < 0.06);
  });

  it("total variation and Jensen–Shannon on categorical counts", () => {
    const p = new Map([
      ["a", 2],
      ["b", 2],
    ]);
    const q = new Map([
      ["a", 3],
      ["b", 1],
    ]);
    close(totalVariation(p, p), 0);
    close(jensenShannon(p, p), 0);
    close(totalVariation(p, q), 0.25);
    // m = (0.625, 0.375): JS = ½[0.5·log2(0.5/0.625) + 0.5·log2(0.5/0.375)] + ½[0.75·log2(0.75/0.625) + 0.25·log2(0.25/0.375)]
    const expected = 0.5 * (0.5 * Math.log2(0.5 / 0.625) + 0.5 * Math.log2(0.5 / 0.375)) + 0.5 * (0.75 * Math.log2(0.75 / 0.625) + 0.25 * Math.log2(0.25 / 0.375));
    close(jensenShannon(p, q), expected);
    close(totalVariation(new Map([["a", 1]]), new Map([["b", 5]])), 1);
    close(jensenShannon(new Map([["a", 1]]), new Map([["b", 5]])), 1);
    assert.equal(totalVariation(new Map(), q), null);
  });

  it("ROC AUC counts ties as half (Mann–Whitney)", () => {
    close(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    close(rocAuc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
    close(rocAuc([3, 2, 1], [0, 1, 1]), 0);
    assert.equal(rocAuc([1, 2], [1, 1]), null);
  });

  it("the classifier two-sample test gives AUC ≈ 0.5 on one distribution and ≈ 1 on shifted ones", () => {
    const real = normals(1500, 0, 1, 3, 4);
    const same = normals(1500, 0, 1, 4, 4);
    const identical = classifierTwoSampleTest(real, same, { resamples: 300 });
    assert.ok(Math.abs(identical.auc - 0.5) < 0.05, `AUC on one distribution: ${identical.auc}`);
    assert.ok(identical.ci95[0] <= 0.5 + 0.02 && identical.ci95[1] >= 0.5 - 0.02, `CI [${identical.ci95.join(", ")}] should be around 0.5`);
    assert.ok(identical.ci95[0] < identical.auc && identical.auc < identical.ci95[1]);
    const shifted = classifierTwoSampleTest(real, normals(1500, 2, 1, 5, 4), { resamples: 300 });
    assert.ok(shifted.auc > 0.97, `AUC of a 2σ shift in 4 dimensions: ${shifted.auc}`);
    // Same mean, twice the spread: only the squared features can see it.
    const wider = classifierTwoSampleTest(real, normals(1500, 0, 2, 6, 4), { resamples: 300 });
    assert.ok(wider.auc > 0.75, `AUC of a doubled std: ${wider.auc}`);
    assert.throws(() => classifierTwoSampleTest(real.slice(0, 3), same), /at least 5 rows/);
  });

  it("the top-decile share measures popularity concentration", () => {
    const flat = new Map(Array.from({ length: 20 }, (_, i) => [`i${i}`, 1] as [string, number]));
    close(topDecileShare(flat), 0.1);
    const skewed = new Map<string, number>([["hit", 91], ...Array.from({ length: 9 }, (_, i) => [`i${i}`, 1] as [string, number])]);
    close(topDecileShare(skewed), 0.91);
    assert.equal(topDecileShare(new Map()), null);
  });
});

describe("synthetic data quality: the report from files", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "quality-report-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `sessions` sessions of one search followed by `clicks` clicks, at `hour` UTC. */
  function events(prefix: string, sessions: number, query: string, clicks: number, hour: number): string {
    const lines: string[] = [];
    for (let s = 0; s < sessions; s++) {
      const t = Date.UTC(2024, 0, 1 + (s % 20), hour, 0, 0);
      lines.push(JSON.stringify({ user_id: `${prefix}u${s}`, session_id: `s${s}`, type: "search", query, timestamp: new Date(t).toISOString() }));
      for (let c = 0; c < clicks; c++) lines.push(JSON.stringify({ user_id: `${prefix}u${s}`, session_id: `s${s}`, type: "click", item_id: `item${(s + c) % 7}`, timestamp: t + 1000 * (c + 1) }));
    }
    return `${lines.join("\n")}\nnot json\n`;
  }

  it("reads sessions, searches, query words, clicks per search and hours from an events file", async () => {
    const path = join(dir, "small.ndjson");
    await writeFile(path, events("a", 3, "red shoes", 2, 9));
    const stats = await eventStatistics(path, (item) => (item === "item0" ? "Shoes" : "Other"));
    assert.equal(stats.events, 9);
    assert.equal(stats.unreadable, 1);
    assert.equal(stats.sessions, 3);
    assert.deepEqual(stats.numeric.session_length, [3, 3, 3]);
    assert.deepEqual(stats.numeric.query_words, [2, 2, 2]);
    assert.deepEqual(stats.numeric.clicks_per_search, [2, 2, 2]);
    assert.deepEqual(new Set(stats.numeric.hour_of_day), new Set([9]));
    assert.equal(stats.types.get("click"), 6);
    assert.equal(stats.categories.get("Shoes"), 1);
    assert.equal(stats.sessionVectors.length, 3);
  });

  it("identical files give zero distances; different behaviour shows in every figure; TSTR ratios come from the eval lines", async () => {
    const real = join(dir, "real.ndjson");
    const same = join(dir, "same.ndjson");
    const other = join(dir, "other.ndjson");
    await writeFile(real, events("r", 60, "usb cable", 1, 10));
    await writeFile(same, events("r", 60, "usb cable", 1, 10));
    await writeFile(other, events("o", 60, "very long usb charging cable", 3, 22));
    const tstr = join(dir, "tstr.json");
    const trtr = join(dir, "trtr.json");
    await writeFile(tstr, `progress line\n${JSON.stringify({ pipeline: "personal", queries: 100, "ndcg@10": 0.45, mrr: 0.4 })}\n`);
    await writeFile(trtr, JSON.stringify({ pipeline: "personal", queries: 100, "ndcg@10": 0.5, mrr: 0.5 }));

    const sameReport = await qualityReport({ real, synthetic: same, resamples: 200 });
    for (const d of Object.values(sameReport.distances)) if (d.ks !== null) assert.equal(d.ks, 0);
    assert.equal(sameReport.categorical.event_type.tv, 0);

    const report = await qualityReport({ real, synthetic: other, tstr, trtr, resamples: 200 });
    assert.equal(report.distances.query_words?.ks, 1);
    close(report.distances.query_words?.w1 ?? null, 3);
    close(report.distances.clicks_per_search?.w1 ?? null, 2);
    close(report.distances.hour_of_day?.w1 ?? null, 12);
    assert.ok(!("error" in report.twoSample) && report.twoSample.auc > 0.95, JSON.stringify(report.twoSample));
    close(report.tstr?.["tstr/trtr"].mrr ?? null, 0.8);
    close(report.tstr?.["tstr/trtr"].ndcg ?? null, 0.9);

    const line = qualitySummaryLine(report);
    assert.deepEqual(line["tstr/trtr"], { mrr: 0.8, "ndcg@10": 0.9 });
    const written = await writeQualityReport(join(dir, "out"), report, { real, synthetic: other });
    const html = await readFile(written.html, "utf8");
    assert.match(html, /id="report-data"/);
    assert.match(html, /Classifier two-sample test/);
  });

  it("compares re-ranker features of lists files: generated rows against real positives, per feature", async () => {
    const rng = new Rng(17);
    /** Lists of 5 candidates, the first positive; feature "same" ~ N(0, 1) everywhere, "moved" ~ N(shift, 1) on positives. */
    const make = (count: number, shift: number, generated: boolean): StoredRerankList[] =>
      Array.from({ length: count }, (_, i) => ({
        group: `g${i}`,
        queryEmbedding: null,
        history: [],
        candidates: Array.from({ length: 5 }, (_, c) => ({ features: [rng.normal(), c === 0 ? shift + rng.normal() : rng.normal()], embedding: null, ...(generated && c === 0 ? { synthetic: true } : {}) })),
        labels: [1, 0, 0, 0, 0],
        ...(generated ? { synthetic: true } : {}),
      }));
    const header = { featureNames: ["same", "moved"], dimension: 2, embeddings: null, pipeline: "rerank" };
    const realLists = join(dir, "real-lists.ndjson");
    const synLists = join(dir, "syn-lists.ndjson");
    await writeListsFile(realLists, header, make(300, 0, false));
    // The synthetic file also holds real lists (as `synthesize features` writes it): only the flagged rows count.
    await writeListsFile(synLists, header, [...make(300, 0, false), ...make(300, 3, true)]);
    const real = join(dir, "lists-events.ndjson");
    await writeFile(real, events("r", 10, "a", 1, 1));
    const report = await qualityReport({ real, synthetic: real, realLists, syntheticLists: synLists, resamples: 100 });
    const [positives, ...others] = report.features?.classes ?? [];
    assert.equal(others.length, 0, "no generated negatives: only positives are compared");
    assert.equal(positives?.label, "positive");
    assert.equal(positives?.real, 300);
    assert.equal(positives?.synthetic, 300);
    assert.ok((positives?.features.same?.ks ?? 1) < 0.15, `same: ${positives?.features.same?.ks}`);
    assert.ok((positives?.features.moved?.ks ?? 0) > 0.8, `moved: ${positives?.features.moved?.ks}`);
    close(positives?.features.moved?.w1 ?? null, 3, 0.3);
    const test = positives?.twoSample;
    assert.ok(test && !("error" in test) && test.auc > 0.9);
  });

  it("the CLI writes report.html and prints the figures as its last line", async () => {
    const real = join(dir, "cli-real.ndjson");
    const synthetic = join(dir, "cli-syn.ndjson");
    await writeFile(real, events("r", 40, "usb cable", 1, 10));
    await writeFile(synthetic, events("s", 40, "usb c cable", 2, 10));
    const out = join(dir, "cli-report");
    const run = await runRelevance(["synthesize", "report", "--real", real, "--synthetic", synthetic, "--out", out, "--resamples", "100"]);
    assert.equal(run.code, 0, run.stderr);
    const line = JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as { ks: Record<string, number>; c2st_auc: number; report: string };
    assert.equal(line.ks.query_words, 1);
    assert.ok(line.c2st_auc > 0.9);
    assert.match(await readFile(line.report, "utf8"), /synthetic data quality/);
  });

  it("refuses an eval file that is not a summary line, and a lone --tstr", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ pipeline: "x" }));
    await assert.rejects(readEvalFigures(bad), /numeric "mrr"/);
    const real = join(dir, "r2.ndjson");
    await writeFile(real, events("r", 10, "a", 1, 1));
    await assert.rejects(qualityReport({ real, synthetic: real, tstr: bad }), /--tstr and --trtr go together/);
    // A reference of 0 has no ratio.
    assert.equal(tstrSummary({ tstr: { pipeline: "", queries: 1, mrr: 1, ndcg: 1, ndcgKey: "ndcg@10" }, trtr: { pipeline: "", queries: 1, mrr: 0, ndcg: 0, ndcgKey: "ndcg@10" } })["tstr/trtr"].mrr, null);
  });
});
