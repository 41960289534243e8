import { strict as assert } from "node:assert";
import { Client } from "@opensearch-project/opensearch";
import { type Sidecar } from "../../src/http";
import { randomName, TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

interface StoredProduct {
  id?: string;
  title?: string;
  content_hash?: string;
  category?: string[];
  model_version?: string | null;
}

/** Indexing jobs keep their OpenSearch client: writes to enriched indexes are cleaned on the way. */
describe("_bulk and _doc writes through the proxy are enriched", () => {
  let sidecar: Sidecar;
  let client: Client;
  const plainIndex = randomName("plain");

  before(async () => {
    sidecar = await startTestSidecar();
    const port = await sidecar.listen();
    client = new Client({ node: `http://127.0.0.1:${port}`, headers: { "x-api-key": TEST_API_KEYS.admin } });
  });
  after(async () => {
    await client.indices.delete({ index: plainIndex }, { ignore: [404] });
    await client.close();
    await sidecar.close();
  });

  const stored = async (index: string, id: string) => (await client.get({ index, id })).body._source as StoredProduct;

  it("cleans and stamps bulk documents for the products alias, answering one item per operation", async () => {
    const alias = sidecar.config.productsAlias;
    const response = await client.bulk({
      refresh: true,
      body: [
        { index: { _index: alias, _id: "k1" } },
        { title: "  Claw <i>hammer</i> ", category: "Tools > Hand Tools" },
        { index: { _index: alias } },
        { id: "k2", title: "Tape measure 25 ft." },
        { create: { _index: alias, _id: "bad" } },
        { title: "" },
        { index: { _index: plainIndex, _id: "p1" } },
        { title: "  untouched  " },
      ],
    });
    const items = response.body.items;
    assert.equal(items.length, 4);
    assert.equal(response.body.errors, true);
    assert.equal(items[0]?.index?.status, 201);
    assert.equal(items[1]?.index?._id, "k2");
    assert.equal(items[2]?.create?.status, 400);
    assert.match(String(items[2]?.create?.error?.reason), /title is required/);
    assert.equal(items[3]?.index?.status, 201);

    const k1 = await stored(alias, "k1");
    assert.equal(k1.title, "Claw hammer");
    assert.deepEqual(k1.category, ["Tools", "Hand Tools"]);
    assert.match(k1.content_hash ?? "", /^[0-9a-f]{64}$/);
    assert.equal(k1.id, "k1");
    const plain = await stored(plainIndex, "p1");
    assert.equal(plain.title, "  untouched  ");
    assert.equal(plain.content_hash, undefined);
  });

  it("answers noop for an unchanged document instead of rewriting it", async () => {
    const alias = sidecar.config.productsAlias;
    const again = await client.bulk({ body: [{ index: { _index: alias, _id: "k1" } }, { title: "Claw hammer", category: ["Tools", "Hand Tools"] }] });
    assert.equal(again.body.items[0]?.index?.result, "noop");
    assert.equal(again.body.errors, false);
  });

  it("enriches single-document writes and rejects invalid ones with a 400", async () => {
    const alias = sidecar.config.productsAlias;
    const put = await client.index({ index: alias, id: "d1", body: { title: " Level\t24 in. ", price: "$19.99" }, refresh: true });
    assert.equal(put.body.result, "created");
    const d1 = await stored(alias, "d1");
    assert.equal(d1.title, "Level 24 in.");
    assert.match(d1.content_hash ?? "", /^[0-9a-f]{64}$/);
    await assert.rejects(client.index({ index: alias, id: "d2", body: { title: "negative", price: -1 } }), (err: { meta?: { statusCode?: number } }) => err.meta?.statusCode === 400);
  });
});
