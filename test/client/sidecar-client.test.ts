import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";
import { SidecarClient, SidecarStatusError, SidecarTimeoutError, SidecarUnreachableError } from "../../src/client";

interface Seen {
  method: string;
  url: string;
  apiKey: string | undefined;
  contentType: string | undefined;
  body: string;
}

type Handler = (seen: Seen, attempt: number, res: ServerResponse) => void;

/** A local HTTP server whose `handler` answers each request; it records what it was sent. */
async function server(handler: Handler): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", apiKey: req.headers["x-api-key"] as string | undefined, contentType: req.headers["content-type"], body };
      seen.push(entry);
      handler(entry, seen.length, res);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

describe("the sidecar client", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("sends the key as x-api-key and the typed bodies, and parses the answers", async () => {
    const s = await server((seen, _attempt, res) => {
      if (seen.url === "/v1/search") json(res, 200, { hits: [{ id: "a", score: 1 }], total: 1, rerank: { degraded: "no model" } });
      else if (seen.url === "/v1/events") json(res, 200, { counts: { accepted: 1, duplicate: 0, rejected: 0 }, items: [] });
      else if (seen.url === "/v1/enrich") json(res, 200, { index: "p", model_version: null, counts: {}, embedded: 0, items: [] });
      else if (seen.method === "DELETE") json(res, 200, { user_key: "k", deleted: { profile: true, redis_keys: 2, events: 3 } });
      else if (seen.url.startsWith("/v1/profiles/known")) json(res, 200, { user_key: "k", recent: [] });
      else json(res, 404, { error: { code: "NOT_FOUND", message: "no profile" } });
    });
    close = s.close;
    const client = new SidecarClient({ baseUrl: `${s.url}/`, apiKey: "key-0123456789abcdef" });
    const result = await client.search({ q: "drill", pipeline: "bm25", size: 5 });
    assert.deepEqual(result.hits.map((h) => h.id), ["a"]);
    assert.equal(result.rerank?.degraded, "no model");
    assert.equal((await client.events([{ type: "view" }])).counts.accepted, 1);
    await client.enrich([{ id: "1", title: "t" }], { refresh: true });
    assert.deepEqual((await client.eraseProfile("u 1")).deleted, { profile: true, redis_keys: 2, events: 3 });
    assert.equal((await client.profile("known", { top: 3 }))?.user_key, "k");
    assert.equal(await client.profile("unknown"), null);
    assert.ok(s.seen.every((r) => r.apiKey === "key-0123456789abcdef"));
    assert.deepEqual(JSON.parse(s.seen[0]?.body ?? ""), { q: "drill", pipeline: "bm25", size: 5 });
    assert.deepEqual(JSON.parse(s.seen[1]?.body ?? ""), { events: [{ type: "view" }] });
    assert.deepEqual(JSON.parse(s.seen[2]?.body ?? ""), { documents: [{ id: "1", title: "t" }], write: true, refresh: true });
    assert.equal(s.seen[3]?.url, "/v1/profiles/u%201");
    assert.equal(s.seen[4]?.url, "/v1/profiles/known?top=3");
  });

  it("retries 502/503/504 with backoff and returns the answer that came through", async () => {
    const s = await server((_seen, attempt, res) => (attempt <= 3 ? json(res, [502, 503, 504][attempt - 1] ?? 500, {}) : json(res, 200, { hits: [] })));
    close = s.close;
    const client = new SidecarClient({ baseUrl: s.url, tries: 4, backoffMs: 1 });
    assert.deepEqual((await client.search({ q: "x" })).hits, []);
    assert.equal(s.seen.length, 4);
  });

  it("honours Retry-After on a 429", async () => {
    const s = await server((_seen, attempt, res) => (attempt === 1 ? json(res, 429, { error: { code: "OVERLOADED", message: "busy" } }, { "retry-after": "1" }) : json(res, 200, { hits: [] })));
    close = s.close;
    const started = performance.now();
    await new SidecarClient({ baseUrl: s.url, backoffMs: 1 }).search({ q: "x" });
    assert.ok(performance.now() - started >= 950, "waited the second the sidecar asked for");
    assert.equal(s.seen.length, 2);
  });

  it("does not retry a request the sidecar rejects (4xx), and says why", async () => {
    const s = await server((_seen, _attempt, res) => json(res, 400, { error: { code: "UNKNOWN_PIPELINE", message: "no pipeline nope" } }));
    close = s.close;
    await assert.rejects(new SidecarClient({ baseUrl: s.url, backoffMs: 1 }).search({ q: "x", pipeline: "nope" }), (err: unknown) => {
      assert.ok(err instanceof SidecarStatusError);
      assert.equal(err.status, 400);
      assert.equal(err.transient, false);
      assert.equal(err.message, "POST /v1/search answered 400: UNKNOWN_PIPELINE: no pipeline nope");
      return true;
    });
    assert.equal(s.seen.length, 1);
  });

  it("with tries: 1, request hands back every status as it came (benchmarks count 429s themselves)", async () => {
    const s = await server((_seen, _attempt, res) => json(res, 429, { error: { code: "OVERLOADED", message: "busy" } }, { "retry-after": "3" }));
    close = s.close;
    const response = await new SidecarClient({ baseUrl: s.url, tries: 1 }).request("POST", "/_bulk", { body: "{}\n", contentType: "application/x-ndjson" });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "3");
    assert.deepEqual(response.body, { error: { code: "OVERLOADED", message: "busy" } });
    assert.equal(s.seen.length, 1);
    assert.equal(s.seen[0]?.contentType, "application/x-ndjson");
  });

  it("raises a timeout by type after the per-request deadline, retried like any transient failure", async () => {
    const s = await server(() => undefined);
    close = s.close;
    await assert.rejects(new SidecarClient({ baseUrl: s.url, timeoutMs: 50, tries: 2, backoffMs: 1 }).request("GET", "/healthz"), (err: unknown) => {
      assert.ok(err instanceof SidecarTimeoutError);
      assert.equal(err.timeoutMs, 50);
      return true;
    });
    assert.equal(s.seen.length, 2);
  });

  it("retries and then fails on refused connections", async () => {
    const s = await server(() => undefined);
    await s.close();
    await assert.rejects(new SidecarClient({ baseUrl: s.url, tries: 2, backoffMs: 1 }).request("GET", "/healthz"), (err: unknown) => {
      assert.ok(err instanceof SidecarUnreachableError);
      assert.equal(err.reason, "ECONNREFUSED");
      return true;
    });
  });

  it("checks its options", () => {
    assert.throws(() => new SidecarClient({ baseUrl: "http://x", tries: 0 }), RangeError);
    assert.throws(() => new SidecarClient({ baseUrl: "http://x", timeoutMs: 0 }), RangeError);
    assert.throws(() => new SidecarClient({ baseUrl: "localhost:8080" }), RangeError);
  });
});
