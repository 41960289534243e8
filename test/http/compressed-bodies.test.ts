import { strict as assert } from "node:assert";
import { gzipSync } from "node:zlib";
import { Client } from "@opensearch-project/opensearch";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

interface Stored {
  title?: string;
  content_hash?: string;
}

/** Finding 5 of issue 7: compression on either side of the write path. */
describe("compressed request and response bodies", () => {
  let sidecar: Sidecar;
  let client: Client;
  let alias: string;

  before(async () => {
    sidecar = await startTestSidecar({ bulkBodyLimit: "1mb" });
    alias = sidecar.config.productsAlias;
    const port = await sidecar.listen();
    client = new Client({ node: `http://127.0.0.1:${port}`, compression: "gzip", suggestCompression: true, headers: { "x-api-key": TEST_API_KEYS.write } });
  });
  after(async () => {
    await client.close();
    await sidecar.close();
  });

  const stored = async (id: string) => (await sidecar.gateway.request<{ _source?: Stored }>("GET", `/${alias}/_doc/${id}`)).body._source;

  it("decodes the official client's gzip bodies (compression: gzip, accept-encoding: gzip) and enriches them", async () => {
    const bulk = await client.bulk({ body: [{ index: { _index: alias, _id: "g1" } }, { title: "  Gzipped <b>saw</b> " }] });
    assert.equal(bulk.body.errors, false);
    assert.equal(bulk.body.items[0]?.index?.status, 201);
    const one = await client.index({ index: alias, id: "g2", body: { title: " Gzipped   level " } });
    assert.equal(one.statusCode, 201);
    assert.equal((await stored("g1"))?.title, "Gzipped saw");
    assert.match((await stored("g2"))?.content_hash ?? "", /^[0-9a-f]{64}$/);
  });

  it("answers a bulk sent with Accept-Encoding: gzip with readable JSON, not a 500 after the write", async () => {
    const res = await request(sidecar.app)
      .post("/_bulk")
      .set("x-api-key", TEST_API_KEYS.write)
      .set("accept-encoding", "gzip")
      .set("content-type", "application/x-ndjson")
      .send(`${JSON.stringify({ index: { _index: alias, _id: "g3" } })}\n${JSON.stringify({ title: "Accepts gzip" })}\n`)
      .expect(200);
    assert.equal((res.body as { items: { index: { status: number } }[] }).items[0]?.index.status, 201);
  });

  it("refuses a zip bomb (decoded size over the limit) with 413", async () => {
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 64 * 1024);
    const res = await request(sidecar.app)
      .post("/_bulk")
      .set("x-api-key", TEST_API_KEYS.write)
      .set("content-type", "application/x-ndjson")
      .set("content-encoding", "gzip")
      .send(bomb)
      .expect(413);
    assert.equal((res.body as { error: { code: string } }).error.code, "PAYLOAD_TOO_LARGE");
    // Through the plain proxy too: the bomb is never inflated past the limit, nor handed to OpenSearch.
    const proxied = await request(sidecar.app).post(`/${alias}/_search`).set("content-type", "application/octet-stream").set("content-encoding", "gzip").send(bomb).expect(413);
    assert.equal((proxied.body as { error: { code: string } }).error.code, "PAYLOAD_TOO_LARGE");
  });

  it("refuses an unknown Content-Encoding with 415, on the proxy and on /v1", async () => {
    const proxied = await request(sidecar.app).post(`/${alias}/_search`).set("content-encoding", "compress").set("content-type", "application/json").send("{}").expect(415);
    assert.equal((proxied.body as { error: { code: string } }).error.code, "UNSUPPORTED_MEDIA_TYPE");
    const own = await request(sidecar.app).post("/v1/search").set("content-encoding", "compress").set("content-type", "application/json").send('{"q":"x"}').expect(415);
    assert.equal((own.body as { error: { code: string } }).error.code, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("passes accept-encoding and the compressed answer through untouched on other paths", async () => {
    const res = await request(sidecar.app).get(`/${alias}/_search`).set("accept-encoding", "gzip").buffer(true).expect(200);
    assert.equal(res.headers["content-encoding"], "gzip");
  });
});
