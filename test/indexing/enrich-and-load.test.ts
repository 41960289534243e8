import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { loadCatalog, type EnrichOutcome } from "../../src/indexing";
import { randomName, TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

describe("enrichment and catalog loading on a real OpenSearch", () => {
  let sidecar: Sidecar;
  const folder = mkdtempSync(join(tmpdir(), "relevance-load-"));

  before(async () => {
    sidecar = await startTestSidecar();
  });
  after(async () => sidecar.close());

  const enrich = async (body: Record<string, unknown>) =>
    (await request(sidecar.app).post("/v1/enrich").set("x-api-key", body.index === undefined ? TEST_API_KEYS.write : TEST_API_KEYS.admin).send(body).expect(200)).body as EnrichOutcome;

  it("cleans documents and reports each rejected one with its reasons", async () => {
    const outcome = await enrich({
      write: false,
      documents: [
        { id: " 7 ", title: "  <b>Hammer</b>&amp;nails  ", category: "Tools > Hand Tools", price: "$1,299.50", attributes: { Color: " red ", color: "blue", size: "" } },
        { title: "no id" },
        { id: "x", title: "" },
        { id: "y", title: "bad price", price: -3 },
      ],
    });
    assert.deepEqual(outcome.counts, { indexed: 0, unchanged: 0, enriched: 1, failed: 3 });
    const doc = outcome.items[0]?.document;
    assert.equal(doc?.id, "7");
    assert.equal(doc?.title, "Hammer &nails");
    assert.deepEqual(doc?.category, ["Tools", "Hand Tools"]);
    assert.deepEqual(doc?.category_path, ["Tools", "Tools/Hand Tools"]);
    assert.equal(doc?.price, 1299.5);
    assert.deepEqual(doc?.attributes, { Color: "red" });
    assert.match(doc?.content_hash ?? "", /^[0-9a-f]{64}$/);
    assert.match(outcome.items[1]?.error?.message ?? "", /id is required/);
    assert.match(outcome.items[2]?.error?.message ?? "", /title is required/);
    assert.match(outcome.items[3]?.error?.message ?? "", /price/);
    assert.equal(outcome.items[3]?.id, "y");
  });

  it("does not rewrite a document whose content did not change", async () => {
    const doc = { id: "same", title: "Stable product", brand: "Acme" };
    const first = await enrich({ documents: [doc], refresh: true });
    assert.equal(first.counts.indexed, 1);
    const again = await enrich({ documents: [{ brand: "Acme", title: " Stable  product", id: "same" }] });
    assert.equal(again.counts.unchanged, 1);
    assert.equal(again.embedded, 0);
    const changed = await enrich({ documents: [{ ...doc, brand: "Other" }] });
    assert.equal(changed.counts.indexed, 1);
  });

  it("surfaces OpenSearch's per-document bulk errors instead of dropping them", async () => {
    const strictIndex = randomName("strict");
    await sidecar.gateway.request("PUT", `/${strictIndex}`, {
      settings: { number_of_replicas: 0 },
      mappings: { properties: { category: { type: "date" } } },
    });
    try {
      // Another index than products: only admin may enrich into it.
      const outcome = await enrich({
        index: strictIndex,
        documents: [
          { id: "ok", title: "fine" },
          { id: "bad", title: "category is not a date", category: "Tools" },
        ],
      });
      assert.equal(outcome.counts.indexed, 1);
      assert.equal(outcome.counts.failed, 1);
      assert.equal(outcome.items[1]?.error?.code, "INDEXING_FAILED");
      assert.match(outcome.items[1]?.error?.message ?? "", /parsing|date/);
    } finally {
      await sidecar.gateway.request("DELETE", `/${strictIndex}`);
    }
  });

  it("loads CSV (gzip, mapped columns) and JSONL files, counting every record exactly once", async () => {
    const rows = Array.from({ length: 1234 }, (_, i) => `${1000 + i},"Product ${i}, model ${i % 17}",${i % 3 === 0 ? "" : "Brand" + (i % 5)}`);
    const csvPath = join(folder, "catalog.csv.gz");
    writeFileSync(csvPath, gzipSync(`uid,name,maker\n${rows.join("\n")}\n`));
    const send = async (documents: Record<string, unknown>[]) => enrich({ documents });
    const csv = await loadCatalog(csvPath, { map: { id: "uid", title: "name", brand: "maker" }, batchSize: 300, send });
    assert.deepEqual({ loaded: csv.loaded, failed: csv.failed, unchanged: csv.unchanged }, { loaded: 1234, failed: 0, unchanged: 0 });

    const jsonlPath = join(folder, "catalog.jsonl");
    writeFileSync(jsonlPath, ['{"id":"j1","title":"first"}', "{not json", '{"id":"j2"}', '{"id":"j3","title":"third","price":"free"}', '{"id":"1000","title":"Product 0, model 0","brand":""}'].join("\n"));
    const jsonl = await loadCatalog(jsonlPath, { send });
    assert.equal(jsonl.loaded, 1);
    assert.equal(jsonl.unchanged, 1, "the CSV's record 1000 is unchanged");
    assert.equal(jsonl.failed, 3);
    assert.deepEqual(jsonl.failures.map((f) => f.line), [2, 3, 4]);

    await sidecar.gateway.request("POST", `/${sidecar.config.productsAlias}/_refresh`);
    const count = await sidecar.gateway.request<{ count: number }>("GET", `/${sidecar.config.productsAlias}/_count`);
    assert.equal(count.body.count, 1234 + 1 + 1, "CSV rows, j1, and the earlier test's document");
  });
});
