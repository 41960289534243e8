import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { type Sidecar } from "../../../src/http";
import { ActiveModels } from "../../../src/runtime";
import { FEATURE_NAMES } from "../../../src/search/rerank";
import { startTestSidecar } from "../../utils/sidecar-harness";
import { TEST_API_KEYS } from "../../utils/services";
import { CATALOG, DIMENSION, deleteKeysUnder, fakeEmbedder, indexCatalog } from "./rerank-fixtures";

const ADMIN = { "x-api-key": TEST_API_KEYS.admin };
const WRITE = { "x-api-key": TEST_API_KEYS.write };

interface CandidatesBody {
  feature_names: string[];
  embeddings: { model: string; version: string } | null;
  query_embedding: number[] | null;
  history: { item_id: string; embedding: number[] | null; weight: number }[];
  candidates: { id: string; features: number[]; embedding: number[] | null }[];
  degraded: string | null;
}

describe("POST /v1/candidates (real OpenSearch and Redis)", function () {
  this.timeout(60_000);
  let sidecar: Sidecar;
  let prefix: string;
  const user = `cand-user-${randomUUID().slice(0, 8)}`;
  const t0 = Date.now() - 60_000;

  before(async () => {
    prefix = `test:${randomUUID().slice(0, 12)}:`;
    sidecar = await startTestSidecar({}, { models: new ActiveModels({ embedder: fakeEmbedder() }), behaviourOptions: { keyPrefix: prefix } });
    await indexCatalog(sidecar);
    const events = [
      { user_id: user, type: "click", item_id: "h1", timestamp: t0, event_id: `${user}-1` },
      { user_id: user, type: "purchase", item_id: "d1", timestamp: t0 + 10_000, event_id: `${user}-2` },
      { user_id: user, type: "view", item_id: "s1", timestamp: t0 + 20_000, event_id: `${user}-3` },
    ];
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
  });

  after(async () => {
    await deleteKeysUnder(sidecar.redis, prefix);
    await sidecar.close();
  });

  it("answers the contract's shape: raw features in feature_names order, candidates in retrieval order, the history newest first", async () => {
    const res = await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "claw hammer", user_id: user }).expect(200);
    const body = res.body as CandidatesBody;
    assert.deepEqual(body.feature_names, [...FEATURE_NAMES]);
    assert.deepEqual(body.embeddings, { model: "embeddings", version: "fake-v1" });
    assert.equal(body.query_embedding?.length, DIMENSION);
    assert.equal(body.degraded, null);
    assert.deepEqual(
      body.history.map((h) => h.item_id),
      ["s1", "d1", "h1"],
    );
    for (const h of body.history) assert.equal(h.embedding?.length, DIMENSION);
    // A purchase outweighs a later view.
    const weight = new Map(body.history.map((h) => [h.item_id, h.weight]));
    assert.ok((weight.get("d1") as number) > (weight.get("s1") as number));
    assert.ok(body.candidates.length >= 2 && body.candidates.length <= CATALOG.length);
    const at = (name: string) => body.feature_names.indexOf(name);
    for (const c of body.candidates) {
      assert.equal(c.features.length, FEATURE_NAMES.length);
      assert.equal(c.embedding?.length, DIMENSION);
    }
    // Retrieval order: the fused reciprocal rank falls.
    const fusedRr = body.candidates.map((c) => c.features[at("fused_rr")] as number);
    assert.deepEqual(fusedRr, fusedRr.map((_, i) => 1 / (i + 1)));
    const h1 = body.candidates.find((c) => c.id === "h1");
    assert.ok(h1, "the claw hammer is a candidate");
    assert.equal(h1.features[at("title_overlap")], 1);
    assert.equal(h1.features[at("title_prefix")], 1);
    assert.equal(h1.features[at("bm25_found")], 1);
    assert.ok((h1.features[at("affinity_item")] as number) > 0, "the user clicked h1");
    assert.ok((h1.features[at("affinity_brand")] as number) > 0, "the user likes Acme");
    assert.equal(h1.features[at("history_items")], 3);
  });

  it("as_of keeps only interactions strictly before it; exclude_items removes items from the history and the item affinity", async () => {
    const asOf = new Date(t0 + 10_000).toISOString();
    const early = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", user_id: user, as_of: asOf }).expect(200)).body as CandidatesBody;
    assert.deepEqual(
      early.history.map((h) => h.item_id),
      ["h1"],
    );
    const excluded = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", user_id: user, exclude_items: ["h1", "s1"] }).expect(200))
      .body as CandidatesBody;
    assert.deepEqual(
      excluded.history.map((h) => h.item_id),
      ["d1"],
    );
    const h1 = excluded.candidates.find((c) => c.id === "h1");
    assert.ok(h1);
    assert.equal(h1.features[excluded.feature_names.indexOf("affinity_item")], 0);
  });

  it("rerank (and personal without a user) has no history; a search key is refused; a bad body is 400", async () => {
    const plain = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", user_id: user, pipeline: "rerank" }).expect(200)).body as CandidatesBody;
    assert.deepEqual(plain.history, []);
    const anonymous = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer" }).expect(200)).body as CandidatesBody;
    assert.deepEqual(anonymous.history, []);
    await request(sidecar.app).post("/v1/candidates").set({ "x-api-key": TEST_API_KEYS.search }).send({ q: "hammer" }).expect(403);
    await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", pipeline: "hybrid" }).expect(400);
    await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", as_of: "yesterday-ish" }).expect(400);
  });
});
