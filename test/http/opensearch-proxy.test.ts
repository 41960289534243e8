import { strict as assert } from "node:assert";
import { Client } from "@opensearch-project/opensearch";
import { type Sidecar } from "../../src/http";
import { randomName, testConfig, TEST_API_KEYS } from "../utils/services";
import { createSidecar } from "../../src/http";

/** The official client pointed at the sidecar must not notice it is not talking to OpenSearch. */
describe("OpenSearch API through the sidecar proxy (official client)", () => {
  let sidecar: Sidecar;
  let client: Client;
  const index = randomName("proxy");

  before(async () => {
    sidecar = createSidecar(testConfig());
    const port = await sidecar.listen();
    client = new Client({ node: `http://127.0.0.1:${port}`, headers: { "x-api-key": TEST_API_KEYS.admin } });
  });
  after(async () => {
    await client.indices.delete({ index }, { ignore: [404] });
    await client.close();
    await sidecar.close();
  });

  it("creates a lucene knn index, bulk-indexes 1,200 docs, runs knn and match queries, and deletes it", async () => {
    const created = await client.indices.create({
      index,
      body: {
        settings: { index: { knn: true, number_of_shards: 1, number_of_replicas: 0 } },
        mappings: {
          properties: {
            title: { type: "text" },
            vec: { type: "knn_vector", dimension: 4, method: { name: "hnsw", engine: "lucene", space_type: "l2" } },
          },
        },
      },
    });
    assert.equal(created.statusCode, 200);

    const docs = Array.from({ length: 1200 }, (_, i) => ({
      title: i % 100 === 0 ? `special widget number ${i}` : `plain item ${i}`,
      vec: [i, i % 7, i % 13, 1],
    }));
    const bulk = await client.bulk({ refresh: true, body: docs.flatMap((doc, i) => [{ index: { _index: index, _id: String(i) } }, doc]) });
    assert.equal(bulk.body.errors, false);
    assert.equal(bulk.body.items.length, 1200);

    const count = await client.count({ index });
    assert.equal(count.body.count, 1200);

    const knn = await client.search({ index, body: { size: 3, query: { knn: { vec: { vector: [500, 500 % 7, 500 % 13, 1], k: 3 } } } } });
    assert.equal(knn.body.hits.hits[0]?._id, "500");

    const match = await client.search({ index, body: { size: 20, query: { match: { title: "special widget" } } } });
    const ids = match.body.hits.hits.map((h) => h._id).sort((a, b) => Number(a) - Number(b));
    assert.deepEqual(ids, ["0", "100", "200", "300", "400", "500", "600", "700", "800", "900", "1000", "1100"]);

    const missing = await client.get({ index, id: "does-not-exist" }, { ignore: [404] });
    assert.equal(missing.statusCode, 404, "OpenSearch's status codes pass through");

    const deleted = await client.indices.delete({ index });
    assert.equal(deleted.body.acknowledged, true);
    const exists = await client.indices.exists({ index });
    assert.equal(exists.body, false);
  });

  it("passes query strings and HEAD requests through", async () => {
    const health = await client.cluster.health({ wait_for_status: "yellow", timeout: "5s" });
    assert.ok(["green", "yellow"].includes(health.body.status));
    const ping = await client.ping();
    assert.equal(ping.statusCode, 200);
  });
});
