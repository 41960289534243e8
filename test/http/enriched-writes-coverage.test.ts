import { strict as assert } from "node:assert";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { randomName, TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

interface Stored {
  id?: string;
  title?: string;
  brand?: string;
  price?: number;
  content_hash?: string;
  model_version?: string | null;
  embedding?: number[];
  indexed_at?: string;
}

type Item = Record<string, { status: number; _id?: string; result?: string; error?: { type?: string; reason?: string } }>;

const HASH = /^[0-9a-f]{64}$/;
const ndjson = (...lines: unknown[]) => `${lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n")}\n`;
const result = (item: Item | undefined) => Object.values(item ?? {})[0];

/** Finding 4 of issue 7: no write into products reaches OpenSearch without cleaning and embedding. */
describe("every write into products is enriched or refused", () => {
  let sidecar: Sidecar;
  let alias: string;
  const plain = randomName("plain");

  before(async () => {
    sidecar = await startTestSidecar();
    alias = sidecar.config.productsAlias;
  });
  after(async () => {
    await sidecar.gateway.request("DELETE", `/${plain}`, undefined, { ignore: [404] });
    await sidecar.close();
  });

  const bulk = (body: string, path = "/_bulk", key: string = TEST_API_KEYS.write, method: "post" | "put" = "post") =>
    request(sidecar.app)[method](path).set("x-api-key", key).set("content-type", "application/x-ndjson").send(body);
  const stored = async (id: string): Promise<Stored | undefined> => {
    const response = await sidecar.gateway.request<{ found?: boolean; _source?: Stored }>("GET", `/${alias}/_doc/${encodeURIComponent(id)}`, undefined, { ignore: [404] });
    return response.body.found ? response.body._source : undefined;
  };
  const refresh = () => sidecar.gateway.request("POST", `/${alias}/_refresh`);

  it("answers a source line JSON.parse rejects with a 400 item and still enriches the valid items beside it", async () => {
    const res = await bulk(
      ndjson({ index: { _index: alias, _id: "forged" } }, '{"id":"forged","title":"forged"}/*c*/', { index: { _index: alias, _id: "fine" } }, { title: "  Fine <b>saw</b> " }),
    ).expect(200);
    const items = res.body as { errors: boolean; items: Item[] };
    assert.equal(items.errors, true);
    assert.equal(result(items.items[0])?.status, 400);
    assert.match(result(items.items[0])?.error?.reason ?? "", /line 2.*not valid JSON/);
    assert.equal(result(items.items[1])?.status, 201);
    assert.equal(await stored("forged"), undefined, "the malformed document was not written raw");
    const fine = await stored("fine");
    assert.equal(fine?.title, "Fine saw");
    assert.match(fine?.content_hash ?? "", HASH);
  });

  it("refuses a body whose action line is malformed with 400 INVALID_REQUEST naming the line", async () => {
    const res = await bulk(ndjson({ index: { _index: alias, _id: "a1" } }, { title: "A" }, '{"index":{"_index":"x"}}/*c*/', { title: "B" })).expect(400);
    assert.equal((res.body as { error: { code: string } }).error.code, "INVALID_REQUEST");
    assert.match((res.body as { error: { message: string } }).error.message, /line 3/);
    assert.equal(await stored("a1"), undefined, "nothing of a refused body is written");
  });

  for (const [label, method, path] of [
    ["PUT /_bulk", "put", "/_bulk"],
    ["PUT /{alias}/_bulk", "put", "/{alias}/_bulk"],
    ["POST /%5Fbulk (an encoded path OpenSearch decodes)", "post", "/%5Fbulk"],
  ] as const) {
    it(`enriches ${label}`, async () => {
      const id = randomName("p");
      await bulk(ndjson({ index: { _index: alias, _id: id } }, { title: ` ${label} ` }), path.replace("{alias}", alias), TEST_API_KEYS.write, method).expect(200);
      const doc = await stored(id);
      assert.equal(doc?.title, label);
      assert.match(doc?.content_hash ?? "", HASH);
    });
  }

  it("recomputes sidecar-owned fields the client sent (no model active: no vector at all)", async () => {
    const forged = { title: "Forged drill", embedding: [9, 9, 9], model_version: "forged-v1", content_hash: "forged", indexed_at: "1999-01-01T00:00:00Z" };
    await bulk(ndjson({ index: { _index: alias, _id: "owned" } }, forged)).expect(200);
    const doc = await stored("owned");
    assert.equal(doc?.embedding, undefined);
    assert.equal(doc?.model_version, null);
    assert.match(doc?.content_hash ?? "", HASH);
    assert.notEqual(doc?.indexed_at, forged.indexed_at);
  });

  it("merges a partial update with the stored document, re-cleans and re-hashes it", async () => {
    await bulk(ndjson({ index: { _index: alias, _id: "u1" } }, { title: "Hammer", brand: "Acme", price: 10 })).expect(200);
    const before = await stored("u1");
    const res = await bulk(ndjson({ update: { _index: alias, _id: "u1" } }, { doc: { title: "  Hammer <i>XL</i> ", embedding: [1, 2], content_hash: "forged" } })).expect(200);
    const item = result((res.body as { items: Item[] }).items[0]);
    assert.equal(item?.status, 200);
    assert.equal(item?.result, "updated");
    assert.ok("update" in ((res.body as { items: Item[] }).items[0] ?? {}), "answered as the update it was");
    const after = await stored("u1");
    assert.equal(after?.title, "Hammer XL");
    assert.equal(after?.brand, "Acme", "stored fields are kept");
    assert.equal(after?.embedding, undefined);
    assert.match(after?.content_hash ?? "", HASH);
    assert.notEqual(after?.content_hash, before?.content_hash);
  });

  it("upserts through doc_as_upsert and upsert, enriched, and answers a missing document with 404", async () => {
    const res = await bulk(
      ndjson(
        { update: { _index: alias, _id: "up1" } },
        { doc: { title: " Upserted  one " }, doc_as_upsert: true },
        { update: { _index: alias, _id: "up2" } },
        { doc: { title: "ignored" }, upsert: { title: " Upserted two " } },
        { update: { _index: alias, _id: "missing" } },
        { doc: { title: "nothing to update" } },
      ),
    ).expect(200);
    const items = (res.body as { items: Item[] }).items;
    assert.equal(result(items[0])?.status, 201);
    assert.equal(result(items[1])?.status, 201);
    assert.equal(result(items[2])?.status, 404);
    assert.equal((await stored("up1"))?.title, "Upserted one");
    assert.equal((await stored("up2"))?.title, "Upserted two");
    assert.match((await stored("up2"))?.content_hash ?? "", HASH);
  });

  it("refuses scripted updates of products per item, with a reason", async () => {
    await bulk(ndjson({ index: { _index: alias, _id: "s1" } }, { title: "Scripted" })).expect(200);
    const res = await bulk(ndjson({ update: { _index: alias, _id: "s1" } }, { script: { source: "ctx._source.title = 'pwned'" } }, { index: { _index: alias, _id: "s2" } }, { title: "Beside" })).expect(200);
    const items = (res.body as { items: Item[] }).items;
    assert.equal(result(items[0])?.status, 400);
    assert.match(result(items[0])?.error?.reason ?? "", /scripted updates/);
    assert.equal(result(items[1])?.status, 201);
    assert.equal((await stored("s1"))?.title, "Scripted");
  });

  it("guards the write-back of an update with the sequence number it read: a stale one is that item's 409", async () => {
    await bulk(ndjson({ index: { _index: alias, _id: "c1" } }, { title: "Conflict" })).expect(200);
    const res = await bulk(ndjson({ update: { _index: alias, _id: "c1", if_seq_no: 999_999, if_primary_term: 1 } }, { doc: { title: "Late" } })).expect(200);
    const item = result((res.body as { items: Item[] }).items[0]);
    assert.equal(item?.status, 409);
    assert.equal((await stored("c1"))?.title, "Conflict");
  });

  it("enriches the single-document _update endpoint and _doc PUT, and refuses non-JSON bodies instead of forwarding them", async () => {
    await request(sidecar.app).put(`/${alias}/_doc/d1?refresh=true`).set("x-api-key", TEST_API_KEYS.write).send({ title: "Level", price: "$5" }).expect(201);
    const updated = await request(sidecar.app).post(`/${alias}/_update/d1`).set("x-api-key", TEST_API_KEYS.write).send({ doc: { title: " Level <b>pro</b> " } }).expect(200);
    assert.equal((updated.body as { result?: string }).result, "updated");
    const doc = await stored("d1");
    assert.equal(doc?.title, "Level pro");
    assert.equal(doc?.price, 5);
    await request(sidecar.app)
      .put(`/${alias}/_doc/d2`)
      .set("x-api-key", TEST_API_KEYS.write)
      .set("content-type", "application/json")
      .send('{"title":"raw"}/*c*/')
      .expect(400);
    assert.equal(await stored("d2"), undefined);
  });

  it("refuses, with 403 naming the operation, a write-scope bulk that reaches another index; nothing of it is written", async () => {
    const res = await bulk(ndjson({ index: { _index: alias, _id: "w1" } }, { title: "Products" }, { delete: { _index: plain, _id: "x" } })).expect(403);
    assert.equal((res.body as { error: { code: string } }).error.code, "FORBIDDEN");
    assert.match((res.body as { error: { message: string } }).error.message, new RegExp(`line 3: delete into "${plain}"`));
    await refresh();
    assert.equal(await stored("w1"), undefined);
  });

  it("refuses an ingest pipeline on enriched writes below admin", async () => {
    await bulk(ndjson({ index: { _index: alias, _id: "pl" } }, { title: "Piped" }), "/_bulk?pipeline=anything").expect(403);
    await bulk(ndjson({ index: { _index: alias, _id: "pl", pipeline: "anything" } }, { title: "Piped" })).expect(403);
  });

  it("lets an admin bulk reach other indexes, enriching only the products operations", async () => {
    const res = await bulk(ndjson({ index: { _index: `<${alias}>`, _id: "dm" } }, { title: " Date  math " }, { index: { _index: plain, _id: "p" } }, { title: " raw " }), "/_bulk?refresh=true", TEST_API_KEYS.admin).expect(200);
    assert.equal((res.body as { errors: boolean }).errors, false);
    assert.equal((await stored("dm"))?.title, "Date math");
    const other = await sidecar.gateway.request<{ _source?: Stored }>("GET", `/${plain}/_doc/p`);
    assert.equal(other.body._source?.title, " raw ");
  });
});
