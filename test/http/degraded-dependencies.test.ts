import { strict as assert } from "node:assert";
import { createServer, type Server, type Socket } from "node:net";
import request from "supertest";
import { createSidecar, type Sidecar } from "../../src/http";
import { testConfig, TEST_API_KEYS } from "../utils/services";

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** A port that refuses connections: what a stopped OpenSearch looks like. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("when OpenSearch or Redis fail, answers are fast and explicit", () => {
  const searchDeadlineMs = 800;

  describe("OpenSearch stopped", () => {
    let sidecar: Sidecar;
    before(async () => {
      sidecar = createSidecar(testConfig({ opensearchUrl: `http://127.0.0.1:${await closedPort()}`, searchDeadlineMs }));
    });
    after(async () => sidecar.close());

    it("/readyz is 503 and names OpenSearch", async () => {
      const res = await request(sidecar.app).get("/readyz").expect(503);
      const body = res.body as { status: string; checks: { opensearch: { ok: boolean }; redis: { ok: boolean } } };
      assert.equal(body.status, "not_ready");
      assert.equal(body.checks.opensearch.ok, false);
      assert.equal(body.checks.redis.ok, true);
    });

    it("search answers 503 OPENSEARCH_UNAVAILABLE within the deadline", async () => {
      const started = performance.now();
      const res = await request(sidecar.app).post("/v1/search").send({ q: "drill", pipeline: "bm25" }).expect(503);
      const elapsed = performance.now() - started;
      assert.equal((res.body as { error: { code: string } }).error.code, "OPENSEARCH_UNAVAILABLE");
      assert.ok(elapsed < searchDeadlineMs + 500, `answered after ${Math.round(elapsed)} ms`);
    });

    it("the proxy answers 503 OPENSEARCH_UNAVAILABLE as JSON", async () => {
      const res = await request(sidecar.app).get("/_cat/indices").set("x-api-key", TEST_API_KEYS.admin).expect(503);
      assert.equal((res.body as { error: { code: string } }).error.code, "OPENSEARCH_UNAVAILABLE");
    });

    it("/healthz stays 200: the process itself is fine", async () => {
      await request(sidecar.app).get("/healthz").expect(200);
    });
  });

  describe("OpenSearch hangs", () => {
    let sidecar: Sidecar;
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => sockets.add(socket));
    before(async () => {
      const port = await listen(blackhole);
      sidecar = createSidecar(testConfig({ opensearchUrl: `http://127.0.0.1:${port}`, searchDeadlineMs, opensearchTimeoutMs: 5000 }));
    });
    after(async () => {
      await sidecar.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    });

    it("search gives up at the search deadline with 504 OPENSEARCH_TIMEOUT", async () => {
      const started = performance.now();
      const res = await request(sidecar.app).post("/v1/search").send({ q: "drill", pipeline: "bm25" }).expect(504);
      const elapsed = performance.now() - started;
      assert.equal((res.body as { error: { code: string } }).error.code, "OPENSEARCH_TIMEOUT");
      assert.ok(elapsed >= searchDeadlineMs - 50 && elapsed < searchDeadlineMs + 1000, `answered after ${Math.round(elapsed)} ms`);
    });
  });

  describe("Redis unreachable", () => {
    let sidecar: Sidecar;
    before(async () => {
      sidecar = createSidecar(testConfig({ redisUrl: `redis://127.0.0.1:${await closedPort()}` }));
    });
    after(async () => sidecar.close());

    it("/readyz is 503 and names Redis", async () => {
      const res = await request(sidecar.app).get("/readyz").expect(503);
      const body = res.body as { checks: { opensearch: { ok: boolean }; redis: { ok: boolean } } };
      assert.equal(body.checks.redis.ok, false);
      assert.equal(body.checks.opensearch.ok, true);
    });
  });
});
