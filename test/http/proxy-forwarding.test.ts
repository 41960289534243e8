import { strict as assert } from "node:assert";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import request from "supertest";
import { createSidecar, type Sidecar } from "../../src/http";
import { testConfig, TEST_API_KEYS } from "../utils/services";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * What the proxy sends upstream, observed by a recording HTTP server standing in for OpenSearch:
 * the real-OpenSearch behaviour is covered in opensearch-proxy.test.ts; this checks the bytes.
 */
describe("proxy forwarding is byte-faithful", () => {
  let upstream: Server;
  let sidecar: Sidecar;
  const seen: Seen[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(418, { "content-type": "application/vnd.test", "x-opensearch-thing": "yes", connection: "keep-alive, X-Upstream-Hop", "x-upstream-hop": "secret" });
        res.end("short and stout");
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const address = upstream.address();
    const port = typeof address === "object" && address ? address.port : 0;
    sidecar = createSidecar(testConfig({ opensearchUrl: `http://127.0.0.1:${port}`, opensearchUsername: "svc", opensearchPassword: "pw" }));
  });
  after(async () => {
    await sidecar.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("passes method, path, query string, headers, body and status through", async () => {
    const res = await request(sidecar.app)
      .put("/some-index/_settings?pretty=true&flat_settings=true")
      .set("authorization", "Basic Y2FsbGVyOnNlY3JldA==")
      .set("x-opaque-id", "trace-1")
      .set("x-api-key", TEST_API_KEYS.admin)
      .set("content-type", "application/json")
      .send('{"index":{"refresh_interval":"5s"}}')
      .expect(418);
    assert.equal(res.text, "short and stout");
    assert.equal(res.headers["x-opensearch-thing"], "yes");
    const last = seen.at(-1);
    assert.equal(last?.method, "PUT");
    assert.equal(last?.url, "/some-index/_settings?pretty=true&flat_settings=true");
    assert.equal(last?.headers.authorization, "Basic Y2FsbGVyOnNlY3JldA==", "the caller's credentials win");
    assert.equal(last?.headers["x-opaque-id"], "trace-1");
    assert.equal(last?.body, '{"index":{"refresh_interval":"5s"}}');
  });

  it("does not forward headers named in Connection, in either direction", async () => {
    const res = await request(sidecar.app)
      .get("/_cat/health")
      .set("x-api-key", TEST_API_KEYS.admin)
      .set("connection", "keep-alive, X-Internal")
      .set("x-internal", "1")
      .set("x-end-to-end", "2")
      .expect(418);
    const last = seen.at(-1);
    assert.equal(last?.headers["x-internal"], undefined, "X-Internal was listed in Connection");
    assert.equal(last?.headers["x-end-to-end"], "2");
    assert.equal(res.headers["x-upstream-hop"], undefined, "OpenSearch's Connection-listed header stays on its hop");
    assert.equal(res.headers["x-opensearch-thing"], "yes");
  });

  it("passes an admin's bulk body for other indexes along byte for byte, without parsing or rebuilding it", async () => {
    const body = '{ "index" : { "_index" : "logs-a", "_id" : "1" } }\n{"msg":  "spaced",\t"n":1}\n{"delete":{"_index":"logs-b","_id":"2"}}\n';
    await request(sidecar.app).post("/_bulk").set("x-api-key", TEST_API_KEYS.admin).set("content-type", "application/x-ndjson").send(body).expect(418);
    assert.equal(seen.at(-1)?.body, body);
    assert.equal(seen.at(-1)?.url, "/_bulk");
  });

  it("adds the sidecar's own credentials when the caller sent none", async () => {
    await request(sidecar.app).get("/_cat/health").set("x-api-key", TEST_API_KEYS.admin).expect(418);
    assert.equal(seen.at(-1)?.headers.authorization, `Basic ${Buffer.from("svc:pw").toString("base64")}`);
  });
});
