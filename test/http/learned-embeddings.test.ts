import { strict as assert } from "node:assert";
import { Client } from "@opensearch-project/opensearch";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { ActiveModels, type ServingEmbedder } from "../../src/runtime";
import { cleanProduct, type Product } from "../../src/indexing";
import { type Embedder } from "../../src/model";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";
import { tinyModel, type TinyModel } from "../utils/tiny-model";

/** The real model, counting the products it is asked to embed. */
class CountingEmbedder implements ServingEmbedder {
  productsEmbedded = 0;
  constructor(private readonly inner: Embedder) {}
  get name() {
    return this.inner.name;
  }
  get version() {
    return this.inner.version;
  }
  get dimension() {
    return this.inner.dimension;
  }
  embedProducts(products: readonly Product[]): Promise<Float32Array[]> {
    this.productsEmbedded += products.length;
    return this.inner.embedProducts(products);
  }
  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.inner.embedQueries(texts);
  }
  correctQuery(text: string): string {
    return this.inner.correctQuery(text);
  }
}

interface StoredProduct {
  title: string;
  brand?: string;
  model_version: string | null;
  embedding?: number[];
}

interface SearchBody {
  hits: { id: string; source: { title: string; brand?: string }; explain?: { bm25: number | null; knn: number | null } }[];
  embeddings: { version: string } | null;
  rerank: { degraded: string | null };
}

/** Documents are embedded with the promoted model as they are indexed, and queries use the vectors. */
describe("learned embeddings: index time and hybrid retrieval, with a model trained by the test", function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let embedder: CountingEmbedder;
  let sidecar: Sidecar;
  let client: Client;
  let products: Product[];
  const brandOf = (p: Product) => p.title.split(" ")[0] as string;
  const source = (p: Product, suffix = "") => ({ title: `${p.title}${suffix}`, brand: brandOf(p) });

  before(async () => {
    tiny = await tinyModel();
    embedder = new CountingEmbedder(await tiny.load());
    products = [...tiny.data.products.values()];
    sidecar = await startTestSidecar({ embeddingDimension: embedder.dimension }, { models: new ActiveModels({ embedder }) });
    client = new Client({ node: `http://127.0.0.1:${await sidecar.listen()}`, headers: { "x-api-key": TEST_API_KEYS.write } });
  });
  after(async () => {
    await client.close();
    await sidecar.close();
  });

  const search = async (body: Record<string, unknown>) => (await request(sidecar.app).post("/v1/search").send(body).expect(200)).body as SearchBody;

  it("writes the model's vector and version for every document the official client sends through _bulk", async () => {
    const alias = sidecar.config.productsAlias;
    const response = await client.bulk({ refresh: true, body: products.flatMap((p) => [{ index: { _index: alias, _id: p.id } }, source(p)]) });
    assert.equal(response.body.errors, false);
    assert.equal(response.body.items.length, products.length);
    assert.equal(embedder.productsEmbedded, products.length, "one embedding per document, batched");

    const probe = products[7] as Product;
    const stored = (await client.get({ index: alias, id: probe.id })).body._source as StoredProduct;
    assert.equal(stored.model_version, tiny.version);
    assert.equal(stored.embedding?.length, 16);
    const cleaned = cleanProduct({ id: probe.id, ...source(probe) });
    assert.ok(cleaned.ok);
    const [expected] = await embedder.embedProducts([cleaned.product]);
    stored.embedding?.forEach((x, i) => assert.ok(Math.abs(x - ((expected as Float32Array)[i] as number)) < 1e-5, `component ${i}`));
  });

  it("does not call the model again for unchanged documents, and re-embeds only what changed", async () => {
    const alias = sidecar.config.productsAlias;
    const before = embedder.productsEmbedded;
    const again = await client.bulk({ body: products.slice(0, 10).flatMap((p) => [{ index: { _index: alias, _id: p.id } }, source(p)]) });
    assert.ok(again.body.items.every((item) => item.index?.result === "noop"));
    assert.equal(embedder.productsEmbedded, before, "unchanged documents are not embedded");

    const changed = products[0] as Product;
    await client.bulk({ refresh: true, body: [{ index: { _index: alias, _id: changed.id } }, source(changed, " deluxe")] });
    assert.equal(embedder.productsEmbedded, before + 1);
  });

  it("hybrid finds products that share no word with the query; bm25 cannot", async () => {
    // Shoppers say "blue fridge"; the catalog says "azure refrigerator". Only the learned vectors connect them.
    const lexical = await search({ q: "blue fridge", pipeline: "bm25", size: 5 });
    assert.ok(lexical.hits.every((h) => !h.source.title.includes("azure refrigerator")), "bm25 has no shared word to match");
    const hybrid = await search({ q: "blue fridge", pipeline: "hybrid", size: 3, explain: true });
    assert.equal(hybrid.rerank.degraded, null);
    assert.equal(hybrid.embeddings?.version, tiny.version);
    assert.equal(hybrid.hits.length, 3);
    for (const hit of hybrid.hits) {
      assert.match(hit.source.title, /azure refrigerator/);
      assert.equal(typeof hit.explain?.knn, "number");
    }
  });

  it("finds the products despite misspellings in the query (spelling correction, then character n-grams)", async () => {
    const hybrid = await search({ q: "azrue refrigerater", pipeline: "hybrid", size: 3 });
    assert.ok(hybrid.hits.every((h) => h.source.title.includes("azure refrigerator")), hybrid.hits.map((h) => h.source.title).join(" | "));
  });

  it("applies filters to the kNN candidates too", async () => {
    const azure = products.filter((p) => p.title.includes("azure refrigerator"));
    const brand = brandOf(azure[0] as Product);
    const filtered = await search({ q: "blue fridge", pipeline: "hybrid", size: 10, filters: { brand } });
    // BM25 matches nothing here, so every hit comes from kNN: the filter must have been applied there.
    assert.ok(filtered.hits.length > 0);
    assert.ok(filtered.hits.every((h) => h.source.brand === brand), filtered.hits.map((h) => h.source.brand).join(", "));
    assert.deepEqual(
      filtered.hits.slice(0, azure.filter((p) => brandOf(p) === brand).length).map((h) => h.id).sort(),
      azure.filter((p) => brandOf(p) === brand).map((p) => p.id).sort(),
    );
  });
});
