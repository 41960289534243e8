import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchEnrichment } from "../../src/bench";
import { type Embedder } from "../../src/model";
import { OpenSearchGateway } from "../../src/opensearch";
import { testConfig } from "../utils/services";
import { tinyModel } from "../utils/tiny-model";

/** `relevance bench enrich` measures real work: every document is indexed in both runs, and nothing is left behind. */
describe("benchEnrichment", function () {
  this.timeout(60_000);
  let dir: string;
  let embedder: Embedder;

  before(async () => {
    const tiny = await tinyModel();
    embedder = await tiny.load();
    dir = await mkdtemp(join(tmpdir(), "bench-enrich-"));
    const rows = [...tiny.data.products.values()].map((p) => JSON.stringify({ id: p.id, title: p.title }));
    await writeFile(join(dir, "catalog.jsonl"), `${rows.join("\n")}\n{"id":"no-title"}\n`);
  });
  after(async () => {
    embedder.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("indexes the same documents with and without the model and reports docs/s for each", async () => {
    const config = testConfig();
    const phases: string[] = [];
    const result = await benchEnrichment(join(dir, "catalog.jsonl"), { config, embedder, limit: 100, batchSize: 25, onPhase: (p) => phases.push(p) });
    assert.deepEqual(phases, ["embedding", "indexing without the model (baseline)", "indexing with the model"]);
    assert.equal(result.embedded.documents, 100);
    assert.equal(result.bm25_only_indexed.documents, 100);
    assert.equal(result.enriched_indexed.documents, 100);
    assert.equal(result.enriched_indexed.failed, 0);
    for (const f of [result.embedded, result.bm25_only_indexed, result.enriched_indexed]) assert.ok(Number.isFinite(f.docs_per_second) && f.docs_per_second > 0, JSON.stringify(f));
    assert.equal(result.model.version, embedder.version);

    const gateway = new OpenSearchGateway({ url: config.opensearchUrl, timeoutMs: 5000 });
    try {
      const left = await gateway.request<Record<string, unknown>>("GET", "/_cat/indices/bench-*?format=json");
      assert.deepEqual(left.body, []);
    } finally {
      await gateway.close();
    }
  });
});
