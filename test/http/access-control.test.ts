import { strict as assert } from "node:assert";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { Client } from "@opensearch-project/opensearch";
import request from "supertest";
import { ConfigError, loadConfig } from "../../src/config";
import { createSidecar, type Sidecar } from "../../src/http";
import { randomName, testConfig, TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

interface ErrorBody {
  error: { code: string; message: string };
}

interface Answer {
  statusCode: number | null;
  body: unknown;
}

const PRODUCTS = [
  { id: "a1", title: "Claw hammer 16 oz", brand: "Estwing" },
  { id: "a2", title: "Cordless drill 20V", brand: "DeWalt" },
];

/** The sidecar is the cluster's front door: a real server, the official client, and a real OpenSearch behind it. */
describe("access control at the sidecar boundary", function () {
  this.timeout(60_000);
  let sidecar: Sidecar;
  let node: string;
  const clients: Client[] = [];
  const clientWith = (key?: string) => {
    const client = new Client({ node, ...(key ? { headers: { "x-api-key": key } } : {}) });
    clients.push(client);
    return client;
  };
  let anonymous: Client;
  let searcher: Client;
  let writer: Client;
  let admin: Client;
  const victim = randomName("victim");
  const other = randomName("other");
  const script = randomName("script");
  const repository = randomName("repo");
  const alias = randomName("alias");
  const timeout = "37s";

  /** Sends a request and returns the answer whatever its status. */
  const send = async (client: Client, method: string, path: string, body?: Record<string, unknown>): Promise<Answer> => {
    const answer = await client.transport.request({ method, path, ...(body ? { body } : {}) }, { ignore: [400, 401, 403, 404, 500] });
    return { statusCode: answer.statusCode, body: answer.body };
  };
  const direct = async <T>(method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE", path: string, body?: Record<string, unknown>) =>
    (await sidecar.gateway.request<T>(method, path, body, { ignore: [404] })).body;
  const victimExists = async () => (await sidecar.gateway.request("HEAD", `/${victim}`, undefined, { ignore: [404] })).statusCode === 200;
  const victimState = async () => (await direct<{ status: string }[]>("GET", `/_cat/indices/${victim}?format=json&h=status`))[0]?.status;
  const searchTimeout = async () =>
    (await direct<{ transient: { search?: { default_search_timeout?: string } } }>("GET", "/_cluster/settings")).transient.search?.default_search_timeout;
  const scriptExists = async () => (await sidecar.gateway.request("GET", `/_scripts/${script}`, undefined, { ignore: [404] })).statusCode === 200;
  const aliasExists = async () => (await sidecar.gateway.request("HEAD", `/_alias/${alias}`, undefined, { ignore: [404] })).statusCode === 200;
  const repositoryExists = async () => (await sidecar.gateway.request("GET", `/_snapshot/${repository}`, undefined, { ignore: [404] })).statusCode === 200;

  /** The administrative requests of issue #7, finding 1, each with what it does. */
  const adminRequests = (): { name: string; method: string; path: string; body?: Record<string, unknown> }[] => [
    { name: "cluster settings", method: "PUT", path: "/_cluster/settings", body: { transient: { "search.default_search_timeout": timeout } } },
    { name: "stored script", method: "PUT", path: `/_scripts/${script}`, body: { script: { lang: "painless", source: "1" } } },
    { name: "aliases", method: "POST", path: "/_aliases", body: { actions: [{ add: { index: victim, alias } }] } },
    { name: "close", method: "POST", path: `/${victim}/_close` },
    { name: "snapshot repository", method: "PUT", path: `/_snapshot/${repository}`, body: { type: "fs", settings: { location: `/tmp/${repository}` } } },
    { name: "delete index", method: "DELETE", path: `/${victim}` },
  ];

  before(async () => {
    sidecar = await startTestSidecar();
    node = `http://127.0.0.1:${await sidecar.listen()}`;
    anonymous = clientWith();
    searcher = clientWith(TEST_API_KEYS.search);
    writer = clientWith(TEST_API_KEYS.write);
    admin = clientWith(TEST_API_KEYS.admin);
    // Straight to OpenSearch, not through the sidecar: the indexes the callers will try to reach.
    for (const index of [victim, other]) {
      await direct("PUT", `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 } });
      await direct("PUT", `/${index}/_doc/secret?refresh=true`, { title: `private ${index} document` });
    }
    await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ documents: PRODUCTS, refresh: true }).expect(200);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await direct("PUT", "/_cluster/settings", { transient: { "search.default_search_timeout": null } });
    await sidecar.gateway.request("DELETE", `/_scripts/${script}`, undefined, { ignore: [404] });
    await sidecar.gateway.request("DELETE", `/_snapshot/${repository}`, undefined, { ignore: [404] });
    // One by one: the admin test deletes the victim, and a DELETE naming a missing index deletes none of them.
    for (const index of [victim, other]) await sidecar.gateway.request("DELETE", `/${index}`, undefined, { ignore: [404] });
    await sidecar.close();
  });

  it("refuses anonymous, search and write callers every administrative request with 403, and OpenSearch is unchanged", async () => {
    for (const [who, client] of [
      ["anonymous", anonymous],
      ["search", searcher],
      ["write", writer],
    ] as const) {
      for (const attempt of adminRequests()) {
        const answer = await send(client, attempt.method, attempt.path, attempt.body);
        assert.equal(answer.statusCode, 403, `${who}: ${attempt.name}`);
        assert.equal((answer.body as ErrorBody).error.code, "FORBIDDEN");
        assert.match((answer.body as ErrorBody).error.message, /needs the "admin" scope/);
      }
    }
    assert.notEqual(await searchTimeout(), timeout);
    assert.equal(await scriptExists(), false);
    assert.equal(await aliasExists(), false);
    assert.equal(await victimState(), "open");
    assert.equal(await repositoryExists(), false);
    assert.equal(await victimExists(), true);
  });

  it("lets the admin key do each of them", async () => {
    const [settings, storedScript, aliases, close, snapshot, remove] = adminRequests();
    assert.equal((await send(admin, settings!.method, settings!.path, settings!.body)).statusCode, 200);
    assert.equal(await searchTimeout(), timeout);
    assert.equal((await send(admin, storedScript!.method, storedScript!.path, storedScript!.body)).statusCode, 200);
    assert.equal(await scriptExists(), true);
    assert.equal((await send(admin, aliases!.method, aliases!.path, aliases!.body)).statusCode, 200);
    assert.equal(await aliasExists(), true);
    assert.equal((await send(admin, close!.method, close!.path)).statusCode, 200);
    assert.equal(await victimState(), "close");
    // This node has no path.repo, so OpenSearch itself refuses an fs repository: the request got past the door.
    const repo = await send(admin, snapshot!.method, snapshot!.path, snapshot!.body);
    assert.notEqual(repo.statusCode, 403);
    assert.equal(typeof (repo.body as { error?: { type?: unknown } }).error?.type, "string", "answered by OpenSearch");
    assert.equal((await send(admin, remove!.method, remove!.path)).statusCode, 200);
    assert.equal(await victimExists(), false);
  });

  it("answers an unknown key with 401 UNAUTHENTICATED, on every path", async () => {
    for (const [method, path] of [
      ["POST", "/v1/search"],
      ["GET", "/"],
      ["GET", "/healthz"],
      ["DELETE", `/${other}`],
    ]) {
      const res = await request(sidecar.app)[method === "POST" ? "post" : method === "DELETE" ? "delete" : "get"](path!).set("x-api-key", "not-a-configured-key-0000").expect(401);
      assert.equal((res.body as ErrorBody).error.code, "UNAUTHENTICATED");
    }
    await request(sidecar.app).get("/").set("x-api-key", "").expect(401);
    assert.equal((await send(clientWith("wrong-key-wrong-key-wrong"), "GET", `/${sidecar.config.productsAlias}/_search`)).statusCode, 401);
  });

  it("lets a search key search products through the official client, and nothing else", async () => {
    const products = sidecar.config.productsAlias;
    const found = await searcher.search({ index: products, body: { query: { match: { title: "hammer" } } } });
    assert.deepEqual(found.body.hits.hits.map((hit) => hit._id), ["a1"]);
    assert.equal((await searcher.count({ index: products })).body.count, 2);
    assert.equal(((await searcher.get({ index: products, id: "a2" })).body._source as { title?: string } | undefined)?.title, "Cordless drill 20V");
    assert.equal((await searcher.ping()).statusCode, 200);
    const multi = await searcher.msearch({ index: products, body: [{}, { query: { match_all: {} } }, { index: products }, { query: { match: { title: "drill" } } }] });
    assert.equal(multi.body.responses.length, 2);
    const many = await searcher.mget({ index: products, body: { docs: [{ _id: "a1" }, { _index: products, _id: "a2" }] } });
    assert.equal(many.body.docs.length, 2);

    const refused = async (call: Promise<unknown>, what: string) =>
      assert.rejects(call, (err: { meta?: { statusCode?: number; body?: unknown } }) => {
        assert.equal(err.meta?.statusCode, 403, what);
        assert.equal((err.meta?.body as ErrorBody).error.code, "FORBIDDEN");
        return true;
      });
    await refused(searcher.search({ index: other, body: { query: { match_all: {} } } }), "another index");
    await refused(searcher.search({ index: [products, other], body: { query: { match_all: {} } } }), "a list naming another index");
    await refused(searcher.search({ index: `${products.slice(0, 4)}*`, body: { query: { match_all: {} } } }), "a wildcard");
    await refused(searcher.search({ body: { query: { match_all: {} } } }), "every index");
    await refused(searcher.msearch({ index: products, body: [{}, { query: { match_all: {} } }, { index: other }, { query: { match_all: {} } }] }), "_msearch into another index");
    await refused(searcher.mget({ index: products, body: { docs: [{ _id: "a1" }, { _index: other, _id: "secret" }] } }), "_mget from another index");
    await refused(
      searcher.search({ index: products, body: { query: { terms: { title: { index: other, id: "secret", path: "title" } } } } }),
      "a terms lookup into another index",
    );
    await refused(searcher.index({ index: products, id: "x", body: { title: "forged" } }), "a write");
    await refused(searcher.indices.delete({ index: products }), "deleting products");
    const enrich = await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.search).send({ documents: PRODUCTS }).expect(403);
    assert.match((enrich.body as ErrorBody).error.message, /needs the "write" scope/);
  });

  it("lets a write key enrich and write products, but not delete an index", async () => {
    const products = sidecar.config.productsAlias;
    const res = await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ documents: [{ id: "w1", title: "Tape measure 25 ft" }], refresh: true });
    assert.equal(res.status, 200);
    const written = await writer.index({ index: products, id: "w2", body: { title: "Utility knife" }, refresh: true });
    assert.equal(written.body.result, "created");
    const elsewhere = await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ index: other, documents: [{ id: "w3", title: "Forged" }] });
    assert.equal(elsewhere.status, 403, "/v1/enrich with a write key reaches products only");
    assert.equal((elsewhere.body as ErrorBody).error.code, "FORBIDDEN");
    await assert.rejects(writer.indices.delete({ index: products }), (err: { meta?: { statusCode?: number } }) => err.meta?.statusCode === 403);
    await assert.rejects(writer.indices.delete({ index: other }), (err: { meta?: { statusCode?: number } }) => err.meta?.statusCode === 403);
    assert.equal((await sidecar.gateway.request("HEAD", `/${products}`)).statusCode, 200);
    assert.equal((await sidecar.gateway.request("HEAD", `/${other}`)).statusCode, 200);
  });

  it("gives anonymous callers search by default: /v1/search yes, /v1/enrich no", async () => {
    await request(sidecar.app).post("/v1/search").send({ q: "hammer", pipeline: "bm25" }).expect(200);
    const res = await request(sidecar.app).post("/v1/enrich").send({ documents: PRODUCTS }).expect(403);
    assert.equal((res.body as ErrorBody).error.code, "FORBIDDEN");
  });

  it("answers a malformed percent-escape with 400 INVALID_REQUEST, never 500", async () => {
    for (const [path, key] of [
      [`/${sidecar.config.productsAlias}/_doc/%E0%A4%A`, undefined],
      ["/%zz/_search", TEST_API_KEYS.admin],
      ["/v1/search%", undefined],
      ["/v1/profiles/%", TEST_API_KEYS.admin],
    ] as const) {
      const req = request(sidecar.app).get(path);
      const res = await (key ? req.set("x-api-key", key) : req).expect(400);
      assert.equal((res.body as ErrorBody).error.code, "INVALID_REQUEST", path);
    }
  });
});

describe("access control with ANONYMOUS_SCOPE=write", () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startTestSidecar({ anonymousScope: "write" });
  });
  after(async () => sidecar.close());

  it("lets anonymous callers enrich, but never administer", async () => {
    await request(sidecar.app).post("/v1/enrich").send({ documents: PRODUCTS }).expect(200);
    const res = await request(sidecar.app).delete(`/${sidecar.config.productsAlias}`).expect(403);
    assert.match((res.body as ErrorBody).error.message, /needs the "admin" scope/);
    assert.equal((await sidecar.gateway.request("HEAD", `/${sidecar.config.productsAlias}`)).statusCode, 200);
  });

  it("cannot be configured to give anonymous callers admin", () => {
    assert.throws(() => loadConfig({}, { ANONYMOUS_SCOPE: "admin" }), (err: Error) => err instanceof ConfigError && /anonymousScope/.test(err.message));
    assert.throws(() => testConfig({ anonymousScope: "admin" as "write" }), ConfigError);
  });
});

/** What reaches OpenSearch, seen by a recording server standing in for it. */
describe("the sidecar's OpenSearch credentials are only lent to admitted requests", () => {
  let upstream: Server;
  let sidecar: Sidecar;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const service = `Basic ${Buffer.from("svc:service-password").toString("base64")}`;

  before(async () => {
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const address = upstream.address();
    const port = typeof address === "object" && address ? address.port : 0;
    sidecar = createSidecar(testConfig({ opensearchUrl: `http://127.0.0.1:${port}`, opensearchUsername: "svc", opensearchPassword: "service-password" }));
  });
  after(async () => {
    await sidecar.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("never forwards a refused request, so the credentials cannot be lent to it", async () => {
    seen.length = 0;
    await request(sidecar.app).delete("/some-index").expect(403);
    await request(sidecar.app).put("/_cluster/settings").set("x-api-key", TEST_API_KEYS.write).send({}).expect(403);
    await request(sidecar.app).get("/_cat/indices").set("x-api-key", "unknown-key-unknown-key").expect(401);
    assert.deepEqual(seen, []);
  });

  it("adds them to an admitted request that carries no Authorization, and drops the sidecar's key", async () => {
    await request(sidecar.app).get("/_cat/indices").set("x-api-key", TEST_API_KEYS.admin).expect(200);
    assert.equal(seen.at(-1)?.url, "/_cat/indices");
    assert.equal(seen.at(-1)?.headers.authorization, service);
    assert.equal(seen.at(-1)?.headers["x-api-key"], undefined);
    await request(sidecar.app).get(`/${sidecar.config.productsAlias}/_count`).expect(200);
    assert.equal(seen.at(-1)?.headers.authorization, service, "anonymous search on products is admitted");
  });

  it("forwards the caller's own Authorization unchanged", async () => {
    await request(sidecar.app).get(`/${sidecar.config.productsAlias}/_count`).set("authorization", "Basic Y2FsbGVyOnNlY3JldA==").expect(200);
    assert.equal(seen.at(-1)?.headers.authorization, "Basic Y2FsbGVyOnNlY3JldA==");
  });
});
