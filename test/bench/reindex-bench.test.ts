import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenSearchGateway } from "../../src/opensearch";
import { products, twoModelVersions, type TwoVersions } from "../jobs/reindex-fixtures";
import { runRelevance } from "../utils/run-relevance";
import { testOpenSearchUrl, testRedisUrl } from "../utils/services";

interface Figure {
  documents: number;
  failed: number;
  seconds: number;
  docs_per_second: number;
}

/** `relevance bench reindex` measures real work: every document loaded, then reindexed by a queued job, and nothing left behind. */
describe("relevance bench reindex", function () {
  this.timeout(180_000);
  let dir: string;
  let models: TwoVersions;

  before(async () => {
    models = await twoModelVersions();
    dir = await mkdtemp(join(tmpdir(), "bench-reindex-"));
    await writeFile(join(dir, "catalog.jsonl"), `${products(0, 150).map((p) => JSON.stringify(p)).join("\n")}\n{"id":"no-title"}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await models.remove();
  });

  it("loads the catalog with vectors, reindexes it to the other version through the queue, and prints both rates and their ratio", async () => {
    const run = await runRelevance(
      ["bench", "reindex", "--catalog", join(dir, "catalog.jsonl"), "--limit", "120", "--batch-size", "25", "--reindex-batch-size", "25", "--from", models.v1, "--to", models.v2, "--models-dir", models.modelsDir],
      { OPENSEARCH_URL: testOpenSearchUrl(), REDIS_URL: testRedisUrl() },
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as {
      bench: string;
      baseline: string;
      from: { version: string };
      to: { version: string };
      load: Figure;
      reindex: Figure & { copied: number; batch_size: number };
      reindex_vs_load: number;
    };
    assert.deepEqual([summary.bench, summary.baseline, summary.from.version, summary.to.version], ["reindex", "load", models.v1, models.v2]);
    assert.deepEqual([summary.load.documents, summary.load.failed], [120, 0], "the limit counts catalog lines; every valid one is loaded");
    assert.deepEqual([summary.reindex.documents, summary.reindex.copied, summary.reindex.batch_size], [120, 120, 25]);
    for (const f of [summary.load, summary.reindex]) assert.ok(Number.isFinite(f.docs_per_second) && f.docs_per_second > 0, JSON.stringify(f));
    assert.equal(summary.reindex_vs_load, Number((summary.reindex.docs_per_second / summary.load.docs_per_second).toFixed(3)));
    assert.match(run.stderr, /reindex runs at ×[0-9.]+ the plain load's rate/);

    const gateway = new OpenSearchGateway({ url: testOpenSearchUrl(), timeoutMs: 5000 });
    try {
      const left = await gateway.request<Record<string, unknown>>("GET", "/_cat/indices/bench-*?format=json");
      assert.deepEqual(left.body, [], "both generations of the throw-away alias are deleted");
    } finally {
      await gateway.close();
    }
  });
});
