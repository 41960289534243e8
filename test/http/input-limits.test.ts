import { strict as assert } from "node:assert";
import request from "supertest";
import { ActiveModels, type Sidecar } from "../../src/http";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";
import { tinyModel } from "../utils/tiny-model";

interface EnrichBody {
  counts: Record<string, number>;
  items: { position: number; id: string | null; status: string; error?: { code: string; message: string } }[];
}

interface ErrorBody {
  error: { code: string; message: string };
}

/** Sends `send` and, while it is in flight, probes /healthz; both durations in ms. */
async function whileProbingHealth(sidecar: Sidecar, send: () => request.Test): Promise<{ response: request.Response; requestMs: number; healthMs: number }> {
  const started = performance.now();
  const pending = send().then((response) => ({ response, requestMs: performance.now() - started }));
  // Let the request's body reach the server before probing.
  await new Promise((resolve) => setImmediate(resolve));
  const healthStarted = performance.now();
  await request(sidecar.app).get("/healthz").expect(200);
  const healthMs = performance.now() - healthStarted;
  return { ...(await pending), healthMs };
}

const enrich = (sidecar: Sidecar, body: unknown) => request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send(body as object);

describe("input limits through the real sidecar (with an embedding model, so documents and queries are featurized)", () => {
  let sidecar: Sidecar;

  before(async () => {
    const embedder = await (await tinyModel()).load();
    sidecar = await startTestSidecar({ embeddingDimension: embedder.dimension }, { models: new ActiveModels({ embedder }) });
    await enrich(sidecar, {
      refresh: true,
      documents: [
        { id: "d1", title: "Cordless drill driver 20V", brand: "DeWalt", category: "Tools/Power Tools" },
        { id: "d2", title: "Hammer drill 1/2 in. chuck", brand: "Makita", category: "Tools/Power Tools" },
      ],
    }).expect(200);
  });
  after(async () => sidecar.close());

  describe("POST /v1/enrich", () => {
    it("answers a 150 KB-spaces category at once with a per-document failure, /healthz answering meanwhile", async () => {
      const documents = [
        { id: "spaces", title: "Drill", category: `Tools${" ".repeat(150_000)}/Drills` },
        { id: "fine", title: "Drill bit set", category: "Tools / Accessories" },
      ];
      const { response, requestMs, healthMs } = await whileProbingHealth(sidecar, () => enrich(sidecar, { documents, write: false }));
      assert.equal(response.status, 200);
      const body = response.body as EnrichBody;
      assert.deepEqual(
        body.items.map((item) => [item.id, item.status]),
        [
          ["spaces", "failed"],
          ["fine", "enriched"],
        ],
      );
      assert.equal(body.items[0]?.error?.code, "INVALID_DOCUMENT");
      assert.match(body.items[0]?.error?.message ?? "", /category segment 1 must be at most 1000 characters/);
      assert.ok(requestMs < 2000, `enrich took ${Math.round(requestMs)} ms`);
      assert.ok(healthMs < 1000, `/healthz took ${Math.round(healthMs)} ms`);
    });

    it("embeds 60 KB of digits (and runs of spaces, marks) at once", async () => {
      const documents = [
        { id: "digits", title: `Drill ${"1".repeat(9_000)}`, description: "1".repeat(60_000) },
        { id: "spaces", title: `1${" ".repeat(9_000)}in`, description: `1 sq${" ".repeat(60_000)}` },
        { id: "marks", title: `e${"\u0301\u0316".repeat(4_500)}`, description: `a${"\u0301".repeat(30_000)}${"\u0316".repeat(30_000)}` },
      ];
      const { response, requestMs, healthMs } = await whileProbingHealth(sidecar, () => enrich(sidecar, { documents, write: false }));
      assert.equal(response.status, 200);
      assert.deepEqual(
        (response.body as EnrichBody).items.map((item) => item.status),
        ["enriched", "enriched", "enriched"],
      );
      assert.ok(requestMs < 2000, `enrich took ${Math.round(requestMs)} ms`);
      assert.ok(healthMs < 1000, `/healthz took ${Math.round(healthMs)} ms`);
    });

    it("fails a document nested 100,000 levels deep on its own, and the process lives on", async () => {
      const depth = 100_000;
      const nested = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      const text = `{"documents":[{"id":"deep","title":"Deep","notes":${nested}},{"id":"shallow","title":"Shallow"}],"write":true,"refresh":true}`;
      const res = await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).set("content-type", "application/json").send(text).expect(200);
      const body = res.body as EnrichBody;
      assert.deepEqual(
        body.items.map((item) => [item.id, item.status, item.error?.code ?? null]),
        [
          ["deep", "failed", "INVALID_DOCUMENT"],
          ["shallow", "indexed", null],
        ],
      );
      assert.equal(body.items[0]?.error?.message, "document must not nest deeper than 32 levels");
      await request(sidecar.app).get("/healthz").expect(200);
    });
  });

  describe("POST /v1/search paging", () => {
    const search = (body: Record<string, unknown>) => request(sidecar.app).post("/v1/search").send({ q: "drill", ...body });

    it("bm25: from + size beyond 10,000 is 400 INVALID_REQUEST naming max_result_window, not a 502", async () => {
      const res = await search({ pipeline: "bm25", from: 9_995, size: 10 }).expect(400);
      const body = res.body as ErrorBody;
      assert.equal(body.error.code, "INVALID_REQUEST");
      assert.match(body.error.message, /from \+ size must be at most 10000 \(OpenSearch's index\.max_result_window\), got 10005/);
      await search({ pipeline: "bm25", from: 9_990, size: 10 }).expect(200);
    });

    for (const [pipeline, setting] of [
      ["hybrid", "HYBRID_CANDIDATES"],
      ["rerank", "RERANK_CANDIDATES"],
      ["personal", "RERANK_CANDIDATES"],
    ] as const) {
      it(`${pipeline}: from + size beyond the candidates is 400 INVALID_REQUEST naming ${setting}`, async () => {
        const res = await search({ pipeline, from: 95, size: 10 }).expect(400);
        const body = res.body as ErrorBody;
        assert.equal(body.error.code, "INVALID_REQUEST");
        assert.match(body.error.message, new RegExp(`from \\+ size must be at most 100 for the ${pipeline} pipeline.*${setting}.*got 105`));
        await search({ pipeline, from: 90, size: 10 }).expect(200);
      });
    }

    it("relevance eval's request (100 hits from 0) still answers on every pipeline", async () => {
      for (const pipeline of ["bm25", "hybrid", "rerank", "personal"]) await search({ pipeline, size: 100 }).expect(200);
    });
  });

  describe("POST /v1/search with a 1,000-character word", () => {
    for (const pipeline of ["bm25", "hybrid"]) {
      it(`${pipeline} answers 200 (the long word gets no fuzzy variant)`, async () => {
        const res = await request(sidecar.app)
          .post("/v1/search")
          .send({ q: `drill ${"x".repeat(993)}`, pipeline })
          .expect(200);
        const ids = (res.body as { hits: { id: string }[] }).hits.map((hit) => hit.id);
        assert.ok(ids.includes("d1") && ids.includes("d2"), `hits: ${ids.join(", ")}`);
      });
    }
  });
});

describe("paging limits follow HYBRID_CANDIDATES", () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startTestSidecar({ hybrid: { candidates: 300 } });
  });
  after(async () => sidecar.close());

  it("a deeper candidate list allows deeper hybrid pages", async () => {
    await request(sidecar.app).post("/v1/search").send({ q: "drill", from: 100, size: 200 }).expect(200);
    const res = await request(sidecar.app).post("/v1/search").send({ q: "drill", from: 101, size: 200 }).expect(400);
    assert.match((res.body as ErrorBody).error.message, /at most 300 for the hybrid pipeline/);
  });
});
