import { strict as assert } from "node:assert";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const PRODUCTS = [
  { id: "b1", title: "Simpson Strong-Tie 90 degree angle bracket", brand: "Simpson", category: "Hardware/Brackets", price: 3.98 },
  { id: "b2", title: "Galvanized corner brace angle", brand: "Everbilt", category: "Hardware/Brackets", price: "$2.50" },
  { id: "p1", title: "Cordless drill driver 20V", brand: "DeWalt", category: "Tools/Power Tools", price: 99 },
  { id: "p2", title: "Garden hose 50 ft", brand: "Flexzilla", category: "Outdoors/Watering", description: "<b>Kink</b> resistant" },
];

describe("POST /v1/search (bm25) on a real OpenSearch", () => {
  let sidecar: Sidecar;

  before(async () => {
    sidecar = await startTestSidecar();
    const res = await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ documents: PRODUCTS, refresh: true }).expect(200);
    assert.equal((res.body as { counts: { indexed: number } }).counts.indexed, PRODUCTS.length);
  });
  after(async () => sidecar.close());

  it("ranks the products that match the query first and hides the vector field", async () => {
    const res = await request(sidecar.app).post("/v1/search").send({ q: "angle bracket", pipeline: "bm25" }).expect(200);
    const body = res.body as { hits: { id: string; source: Record<string, unknown> }[]; total: number; pipeline: string; took_ms: number };
    assert.equal(body.pipeline, "bm25");
    assert.deepEqual(body.hits.slice(0, 2).map((h) => h.id).sort(), ["b1", "b2"]);
    assert.ok(body.hits.every((h) => !("embedding" in h.source)));
    assert.ok(body.total >= 2);
    assert.equal(typeof body.took_ms, "number");
  });

  it("finds a product despite a typo", async () => {
    const res = await request(sidecar.app).post("/v1/search").send({ q: "cordles dril", pipeline: "bm25" }).expect(200);
    assert.equal((res.body as { hits: { id: string }[] }).hits[0]?.id, "p1");
  });

  it("applies filters to the candidates", async () => {
    const res = await request(sidecar.app)
      .post("/v1/search")
      .send({ q: "angle bracket", pipeline: "bm25", filters: { brand: "everbilt" } })
      .expect(200);
    assert.deepEqual((res.body as { hits: { id: string }[] }).hits.map((h) => h.id), ["b2"]);
    const byPrice = await request(sidecar.app)
      .post("/v1/search")
      .send({ q: "angle bracket drill", pipeline: "bm25", filters: { price: { gte: 3 } } })
      .expect(200);
    assert.deepEqual((byPrice.body as { hits: { id: string }[] }).hits.map((h) => h.id).sort(), ["b1", "p1"]);
    const byCategory = await request(sidecar.app)
      .post("/v1/search")
      .send({ q: "angle bracket drill hose", pipeline: "bm25", filters: { category: "Tools" } })
      .expect(200);
    assert.deepEqual((byCategory.body as { hits: { id: string }[] }).hits.map((h) => h.id), ["p1"]);
  });

  it("pages with from/size", async () => {
    const all = await request(sidecar.app).post("/v1/search").send({ q: "angle bracket", pipeline: "bm25", size: 2 }).expect(200);
    const second = await request(sidecar.app).post("/v1/search").send({ q: "angle bracket", pipeline: "bm25", size: 1, from: 1 }).expect(200);
    assert.equal((second.body as { hits: { id: string }[] }).hits[0]?.id, (all.body as { hits: { id: string }[] }).hits[1]?.id);
  });

  describe("bad input gets a 4xx JSON error with a stable code", () => {
    const cases: { name: string; send: (r: request.Test) => request.Test; status: number; code: string }[] = [
      { name: "malformed JSON", send: (r) => r.set("content-type", "application/json").send('{"q": "drill"'), status: 400, code: "INVALID_JSON" },
      { name: "wrong type", send: (r) => r.send({ q: 42 }), status: 400, code: "INVALID_REQUEST" },
      { name: "missing q", send: (r) => r.send({ pipeline: "bm25" }), status: 400, code: "INVALID_REQUEST" },
      { name: "unknown field", send: (r) => r.send({ q: "drill", colour: "red" }), status: 400, code: "INVALID_REQUEST" },
      { name: "size out of range", send: (r) => r.send({ q: "drill", size: 100000 }), status: 400, code: "INVALID_REQUEST" },
      { name: "unknown pipeline", send: (r) => r.send({ q: "drill", pipeline: "magic" }), status: 400, code: "UNKNOWN_PIPELINE" },
      { name: "not JSON content", send: (r) => r.set("content-type", "text/plain").send("q=drill"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      {
        name: "oversized body",
        send: (r) => r.send({ q: "x".repeat(200), filters: { brand: Array.from({ length: 50 }, () => "y".repeat(300_000)) } }),
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const res = await c.send(request(sidecar.app).post("/v1/search")).expect(c.status).expect("content-type", /json/);
        const body = res.body as { error: { code: string; message: string } };
        assert.equal(body.error.code, c.code);
        assert.ok(body.error.message.length > 0);
      });
    }

    it("an unknown /v1 route is a 404 NOT_FOUND", async () => {
      const res = await request(sidecar.app).get("/v1/nothing-here").expect(404);
      assert.equal((res.body as { error: { code: string } }).error.code, "NOT_FOUND");
    });

    it("the process keeps serving after bad input", async () => {
      await request(sidecar.app).post("/v1/search").send({ q: "drill", pipeline: "bm25" }).expect(200);
    });
  });
});
