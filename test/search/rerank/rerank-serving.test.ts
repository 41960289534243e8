import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { type Sidecar, type SidecarOptions } from "../../../src/http";
import { type RerankCandidate, type RerankHistoryItem, type RerankList } from "../../../src/model";
import { RedisBehaviourSink } from "../../../src/profiles";
import { ActiveModels } from "../../../src/runtime";
import { startTestSidecar } from "../../utils/sidecar-harness";
import { TEST_API_KEYS } from "../../utils/services";
import { tinyModel } from "../../utils/tiny-model";
import { deleteKeysUnder, fakeEmbedder, indexCatalog, recordingReranker } from "./rerank-fixtures";

const ADMIN = { "x-api-key": TEST_API_KEYS.admin };
const WRITE = { "x-api-key": TEST_API_KEYS.write };
const SEARCH = { "x-api-key": TEST_API_KEYS.search };

interface CandidatesBody {
  query_embedding: number[] | null;
  history: { item_id: string; embedding: number[] | null; weight: number }[];
  candidates: { id: string; features: number[]; embedding: number[] | null }[];
  degraded: string | null;
}

interface SearchBody {
  hits: { id: string; explain?: Record<string, unknown> }[];
  rerank: { version: string | null; degraded: string | null };
}

/** Relative closeness: recency weights and decayed affinities move by a hair between two reads. */
function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

describe("serving the re-ranker: training features, personal retrieval, micro-batching (real OpenSearch and Redis)", function () {
  this.timeout(120_000);
  const opened: { sidecar: Sidecar; prefix: string }[] = [];

  async function sidecarWith(overrides: Parameters<typeof startTestSidecar>[0], options: SidecarOptions): Promise<Sidecar> {
    const prefix = `test:${randomUUID().slice(0, 12)}:`;
    const sidecar = await startTestSidecar(overrides, { ...options, behaviourOptions: { keyPrefix: prefix } });
    opened.push({ sidecar, prefix });
    return sidecar;
  }

  after(async () => {
    for (const { sidecar, prefix } of opened) {
      await deleteKeysUnder(sidecar.redis, prefix).catch(() => undefined);
      await sidecar.close();
    }
  });

  it("POST /v1/candidates returns exactly the inputs the rerank stage scored for the same request (features, embeddings, history)", async () => {
    const reranker = recordingReranker();
    const sidecar = await sidecarWith({}, { models: new ActiveModels({ embedder: fakeEmbedder(), reranker }) });
    await indexCatalog(sidecar);
    const user = `feat-${randomUUID().slice(0, 8)}`;
    const t0 = Date.now() - 3_600_000;
    const events = [
      { user_id: user, type: "search", query: "hammer", session_id: "s", timestamp: t0, event_id: `${user}-0` },
      { user_id: user, type: "click", item_id: "h1", session_id: "s", timestamp: t0 + 1000, event_id: `${user}-1` },
      { user_id: user, type: "purchase", item_id: "d1", timestamp: t0 + 10_000, event_id: `${user}-2` },
      { user_id: user, type: "view", item_id: "h4", timestamp: t0 + 20_000, event_id: `${user}-3` },
    ];
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);

    const listed = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "hammer", user_id: user, pipeline: "personal" }).expect(200)).body as CandidatesBody;
    const searched = (await request(sidecar.app).post("/v1/search").set(SEARCH).send({ q: "hammer", user_id: user, pipeline: "personal", size: 10 }).expect(200)).body as SearchBody;
    assert.equal(searched.rerank.version, "recording-v1");
    assert.equal(searched.rerank.degraded, null);
    assert.equal(listed.degraded, null);
    assert.equal(reranker.calls.length, 1);
    const scored: RerankList | undefined = reranker.calls[0]?.[0];
    assert.ok(scored);
    const scoredHistory = scored.history ?? [];

    // The recording scorer keeps retrieval order, so the page is the first candidates of the list.
    assert.deepEqual(
      searched.hits.map((h) => h.id),
      listed.candidates.slice(0, 10).map((c) => c.id),
    );
    assert.equal(scored.candidates.length, listed.candidates.length);
    assert.ok(listed.history.length === 3, "the user's three items are the history");
    for (const [i, c] of listed.candidates.entries()) {
      const got: RerankCandidate | undefined = scored.candidates[i];
      assert.ok(got);
      assert.equal(got.features.length, c.features.length);
      c.features.forEach((x, f) => close(got.features[f] as number, x, `${c.id} feature ${f}`));
      assert.deepEqual(got.embedding ? Array.from(got.embedding) : null, c.embedding, `${c.id} embedding`);
    }
    assert.deepEqual(scored.queryEmbedding ? Array.from(scored.queryEmbedding) : null, listed.query_embedding);
    assert.equal(scoredHistory.length, listed.history.length);
    for (const [j, h] of listed.history.entries()) {
      const got: RerankHistoryItem | undefined = scoredHistory[j];
      assert.ok(got);
      close(got.weight ?? Number.NaN, h.weight, `history ${h.item_id} weight`);
      assert.deepEqual(got.embedding ? Array.from(got.embedding) : null, h.embedding, `history ${h.item_id} embedding`);
    }
  });

  it("personal retrieval brings in an item of the user's interest that the query words alone do not retrieve, and explain shows its personal_knn score", async () => {
    const tiny = await tinyModel();
    const embedder = await tiny.load();
    // Depth 10 (the least): the catalog has 15 sofas and 15 torches, so neither list can hold both kinds by accident.
    const sidecar = await sidecarWith({ embeddingDimension: embedder.dimension, rerankCandidates: 10, personalKnnWeight: 1 }, { models: new ActiveModels({ embedder }) });
    // Through /v1/enrich, so the products' vectors and model_version are the serving embedder's (the interest vector needs both).
    await request(sidecar.app).post("/v1/enrich").set(WRITE).send({ documents: [...tiny.data.products.values()], refresh: true }).expect(200);
    const torches = [...tiny.data.products.values()].filter((p) => / torch /.test(p.title)).map((p) => p.id);
    assert.equal(torches.length, 15);
    const user = `torch-fan-${randomUUID().slice(0, 8)}`;
    const now = Date.now() - 600_000;
    const events = torches.map((item, i) => ({ user_id: user, type: i % 3 === 0 ? "purchase" : "click", item_id: item, timestamp: now + i * 1000, event_id: `${user}-${i}` }));
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);

    // Everything the query words retrieve: the hybrid retrieval of the rerank pipeline, whole, at the same depth.
    const plain = (await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "sofa", pipeline: "rerank" }).expect(200)).body as CandidatesBody;
    const byWords = new Set(plain.candidates.map((c) => c.id));
    assert.ok(torches.every((t) => !byWords.has(t)), "the query words alone retrieve no torch");

    const personal = (await request(sidecar.app).post("/v1/search").set(SEARCH).send({ q: "sofa", user_id: user, pipeline: "personal", size: 10, explain: true }).expect(200)).body as SearchBody;
    const brought = personal.hits.filter((h) => torches.includes(h.id));
    assert.ok(brought.length > 0, `a torch is on personal's page: ${personal.hits.map((h) => h.id).join(",")}`);
    for (const hit of brought) {
      const score = hit.explain?.personal_knn;
      assert.ok(typeof score === "number" && score > 0, `${hit.id} explain: ${JSON.stringify(hit.explain)}`);
      assert.equal(hit.explain?.bm25 ?? null, null, "found by the interest vector, not by the words");
    }
  });

  it("personal retrieval searches the interest vector this process last read at once, and again with the fresh one when the profile changed elsewhere", async () => {
    const tiny = await tinyModel();
    const embedder = await tiny.load();
    const sidecar = await sidecarWith({ embeddingDimension: embedder.dimension, rerankCandidates: 10, personalKnnWeight: 1 }, { models: new ActiveModels({ embedder }) });
    await request(sidecar.app).post("/v1/enrich").set(WRITE).send({ documents: [...tiny.data.products.values()], refresh: true }).expect(200);
    const of = (word: RegExp) => [...tiny.data.products.values()].filter((p) => word.test(p.title)).map((p) => p.id);
    const [torches, sofas] = [of(/ torch /), of(/ sofa /)];
    const user = `mover-${randomUUID().slice(0, 8)}`;
    const t0 = Date.now() - 600_000;
    const events = torches.map((item, i) => ({ user_id: user, type: "purchase", item_id: item, timestamp: t0 + i * 1000, event_id: `${user}-t${i}` }));
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
    const userKey = sidecar.events?.pseudonymizer.userKey(user);
    assert.ok(userKey);

    // Every _msearch's bodies, and the vector of each kNN body.
    const calls: { bodies: number; vectors: number[][] }[] = [];
    const msearch = sidecar.gateway.msearch.bind(sidecar.gateway);
    sidecar.gateway.msearch = (index, bodies, options) => {
      const vectors = bodies.flatMap((b) => {
        const knn = (b.query as { knn?: { embedding: { vector: number[] } } } | undefined)?.knn;
        return knn ? [knn.embedding.vector] : [];
      });
      calls.push({ bodies: bodies.length, vectors });
      return msearch(index, bodies, options);
    };
    const list = async () => ((await request(sidecar.app).post("/v1/candidates").set(ADMIN).send({ q: "sofa", user_id: user, pipeline: "personal" }).expect(200)).body as CandidatesBody).candidates;

    await list();
    assert.deepEqual(calls.map((c) => c.bodies), [2, 1], "first read of the profile: BM25 + query kNN at once, the interest kNN once the profile answered");
    const torchVector = Array.from(sidecar.behaviour.lastReadInterest(userKey)?.vector ?? []);
    calls.length = 0;
    await list();
    assert.deepEqual(calls.map((c) => c.bodies), [3], "unchanged profile: all three in one _msearch");
    assert.deepEqual(calls[0]?.vectors[1], torchVector);

    // Another process (a second sink on the same Redis) applies purchases of sofas: this process still holds the torch vector.
    const elsewhere = new RedisBehaviourSink({ redis: sidecar.redis, gateway: sidecar.gateway, productsAlias: sidecar.config.productsAlias, keyPrefix: sidecar.behaviour.options.keyPrefix, embedder: () => embedder });
    await elsewhere.apply(sofas.map((item, i) => ({ key: `${user}-s${i}`, userKey, type: "purchase", itemId: item, timestamp: t0 + 100_000 + i * 1000, synthetic: false })));
    assert.deepEqual(Array.from(sidecar.behaviour.lastReadInterest(userKey)?.vector ?? []), torchVector, "this process has not read the change yet");
    calls.length = 0;
    const changed = await list();
    const fresh = Array.from(sidecar.behaviour.lastReadInterest(userKey)?.vector ?? []);
    assert.notDeepEqual(fresh, torchVector);
    assert.deepEqual(calls.map((c) => c.bodies), [3, 1], "the early search used the stale vector, so the interest kNN ran again");
    assert.deepEqual(calls[0]?.vectors[1], torchVector);
    assert.deepEqual(calls[1]?.vectors[0], fresh, "…with the fresh vector");
    calls.length = 0;
    const again = await list();
    assert.deepEqual(calls.map((c) => c.bodies), [3]);
    // The same candidates and features as with the fresh vector searched on its own (decayed signals move by a hair between reads).
    assert.deepEqual(again.map((c) => c.id), changed.map((c) => c.id));
    again.forEach((c, i) => c.features.forEach((x, f) => close(x, changed[i]?.features[f] as number, `${c.id} feature ${f}`)));
    sidecar.gateway.msearch = msearch;
  });

  it("micro-batching: concurrent rerank searches share scoreLists calls (window and size from the config) on the TF.js graph; the fast path scores each at once", async () => {
    // Batching is for the graph (one padded batch); the fast path scores lists one by one anyway.
    const reranker = { ...recordingReranker(), inference: "tfjs" as const };
    const maxLists = 4;
    const sidecar = await sidecarWith(
      { rerankBatchWindowMs: 20, rerankBatchMaxLists: maxLists, rerankModelTimeoutMs: 5000 },
      { models: new ActiveModels({ embedder: fakeEmbedder(), reranker }) },
    );
    await indexCatalog(sidecar);
    const search = () => request(sidecar.app).post("/v1/search").set(SEARCH).send({ q: "hammer", pipeline: "rerank", size: 5 }).expect(200);
    await search(); // warm: connections, the query vector cache
    const before = reranker.calls.length;
    const answers = (await Promise.all(Array.from({ length: 8 }, search))).map((r) => r.body as SearchBody);
    for (const a of answers) assert.deepEqual(a.rerank, { ...a.rerank, version: "recording-v1", degraded: null });
    const sizes = reranker.calls.slice(before).map((lists) => lists.length);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 8, `every list scored once: ${sizes.join(",")}`);
    assert.ok(sizes.length < 8 && Math.max(...sizes) >= 2, `lists shared model calls: ${sizes.join(",")}`);
    assert.ok(Math.max(...sizes) <= maxLists, `no call beyond RERANK_BATCH_MAX_LISTS: ${sizes.join(",")}`);

    const fast = recordingReranker();
    assert.equal(fast.inference, "js");
    sidecar.models.replaceReranker(fast);
    await Promise.all(Array.from({ length: 8 }, search));
    assert.deepEqual(fast.calls.map((lists) => lists.length), [1, 1, 1, 1, 1, 1, 1, 1], "fast path: one list per call, no window");
  });
});
