import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { type Product } from "../../src/indexing";
import { OpenSearchGateway, type CallOptions, type MultiGetDoc, type MultiGetRequestDoc, type MultiSearchItem } from "../../src/opensearch";
import { ActiveModels, type ServingEmbedder } from "../../src/runtime";
import {
  SearchService,
  type Candidate,
  type CandidateNeeds,
  type Reranked,
  type RerankStage,
  type SearchContext,
  type SearchResponse,
} from "../../src/search";
import { TEST_API_KEYS, TEST_PSEUDONYM_KEY } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const DIMENSION = 4;

/** A deterministic 4-d "model": one axis per product family, so kNN has something to find. */
function vectorOf(text: string): Float32Array {
  const t = text.toLowerCase();
  return Float32Array.from([t.includes("drill") ? 1 : 0.1, t.includes("hose") ? 1 : 0.1, t.includes("bracket") ? 1 : 0.1, 0.2]);
}

const fakeEmbedder: ServingEmbedder = {
  name: "fake",
  version: "fake-1",
  dimension: DIMENSION,
  embedProducts: (products: readonly Product[]) => Promise.resolve(products.map((p) => vectorOf(p.title))),
  embedQueries: (texts: readonly string[]) => Promise.resolve(texts.map(vectorOf)),
};

/** The real gateway, recording what the stages asked OpenSearch for. */
class RecordingGateway extends OpenSearchGateway {
  readonly searches: Record<string, unknown>[] = [];
  readonly msearches: Record<string, unknown>[][] = [];
  readonly mgets: { docs: readonly MultiGetRequestDoc[]; options: CallOptions }[] = [];

  override search<T>(index: string, body: Record<string, unknown>, options?: CallOptions): Promise<T> {
    this.searches.push(body);
    return super.search<T>(index, body, options);
  }

  override msearch(index: string, bodies: Record<string, unknown>[], options?: CallOptions): Promise<MultiSearchItem[]> {
    this.msearches.push(bodies);
    return super.msearch(index, bodies, options);
  }

  override mget(docs: readonly MultiGetRequestDoc[], options: CallOptions = {}): Promise<MultiGetDoc[]> {
    this.mgets.push({ docs, options });
    return super.mget(docs, options);
  }

  reset(): void {
    this.searches.length = 0;
    this.msearches.length = 0;
    this.mgets.length = 0;
  }
}

/** Reverses the retrieval order and records what it was given. */
class ReversingRerankStage implements RerankStage {
  readonly kind = "rerank" as const;
  readonly name = "reversing";
  seen: { candidates: readonly Candidate[]; context: SearchContext } | null = null;
  constructor(readonly needs: CandidateNeeds) {}

  rerank(context: SearchContext, candidates: readonly Candidate[]): Promise<Reranked> {
    this.seen = { candidates, context };
    const ranked = [...candidates].reverse().map((candidate, i) => ({ candidate, score: 1000 - i, explain: { reversed_from: candidate.rank } }));
    return Promise.resolve({ ranked, info: { model: "reversing", version: "1", backend: "test" } });
  }
}

const PRODUCTS = Array.from({ length: 24 }, (_, i) => ({
  id: `d${i}`,
  title: `${["Cordless drill", "Garden hose", "Angle bracket"][i % 3] as string} model ${i}`,
  brand: `Brand${i % 4}`,
  category: "Tools",
  price: 10 + i,
  description: `product number ${i}`,
}));

describe("search stages on a real OpenSearch: retrieve → rerank → page", () => {
  let sidecar: Sidecar;
  let gateway: RecordingGateway;
  let reranker: ReversingRerankStage;
  let service: SearchService;

  before(async () => {
    sidecar = await startTestSidecar({ embeddingDimension: DIMENSION }, { models: new ActiveModels({ embedder: fakeEmbedder }) });
    await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ documents: PRODUCTS, refresh: true }).expect(200);
    gateway = new RecordingGateway({ url: sidecar.config.opensearchUrl });
    reranker = new ReversingRerankStage({ fields: ["title", "price"], embedding: true });
    service = new SearchService({
      gateway,
      config: sidecar.config,
      queryEmbedder: () => fakeEmbedder,
      rerankStage: reranker,
      pseudonymizer: { userKey: (id) => createHmac("sha256", TEST_PSEUDONYM_KEY).update(id, "utf8").digest("hex") },
    });
  });
  after(async () => {
    await gateway.close();
    await sidecar.close();
  });
  beforeEach(() => {
    gateway.reset();
    reranker.seen = null;
  });

  const searchWith = (on: SearchService, body: Record<string, unknown>) => {
    const parsed = on.requestSchema.parse(body);
    return on.search({ ...parsed, pipeline: on.pipelines.get(parsed.pipeline).name });
  };
  const search = (body: Record<string, unknown>) => searchWith(service, body);

  it("re-ranks every candidate before paging, then pages the re-ranked order", async () => {
    const answer = await search({ q: "drill", pipeline: "rerank", from: 2, size: 3, explain: true, user_id: "u-1" });
    const candidates = reranker.seen?.candidates ?? [];
    assert.equal(candidates.length, PRODUCTS.length, "all candidates reach the re-ranker, not the page");
    const reversed = [...candidates].reverse();
    assert.deepEqual(answer.hits.map((h) => h.id), reversed.slice(2, 5).map((c) => c.id));
    assert.deepEqual(answer.hits.map((h) => h.score), [998, 997, 996]);
    assert.deepEqual(answer.rerank, { model: "reversing", version: "1", backend: "test", degraded: null });
    assert.deepEqual(answer.embeddings, { model: "fake", version: "fake-1" });
    const first = answer.hits[0];
    assert.deepEqual(Object.keys(first?.explain ?? {}), ["fused", "bm25", "knn", "reversed_from"]);
    assert.equal(first?.explain?.reversed_from, reversed[2]?.rank);
  });

  it("gives the re-ranker the declared fields and embeddings only, and the context it needs", async () => {
    await search({ q: "drill", pipeline: "personal", user_id: "u-1" });
    const seen = reranker.seen;
    assert.ok(seen);
    for (const candidate of seen.candidates) {
      assert.ok(Object.keys(candidate.fields).every((f) => f === "title" || f === "price"), JSON.stringify(candidate.fields));
      assert.equal(typeof candidate.fields.title, "string");
      assert.equal(candidate.embedding?.length, DIMENSION);
      assert.match(candidate.index, new RegExp(`^${sidecar.config.productsAlias}-\\d+$`), "the concrete index, not the alias");
    }
    const drill = seen.candidates.find((c) => String(c.fields.title).includes("drill"));
    assert.equal(typeof drill?.retrievers.bm25?.rank, "number");
    assert.equal(typeof drill?.retrievers.knn?.score, "number");
    assert.deepEqual(seen.candidates.map((c) => c.rank), seen.candidates.map((_, i) => i + 1));
    assert.equal(seen.context.userKey, createHmac("sha256", TEST_PSEUDONYM_KEY).update("u-1", "utf8").digest("hex"));
    assert.equal(seen.context.queryVector?.version, "fake-1");
    // Retrieval asks for ids and versions only; the declared fields come by id (see the next test).
    for (const body of gateway.msearches[0] ?? []) {
      assert.equal(body._source, false);
      assert.equal(body.seq_no_primary_term, true);
    }
    for (const { options } of gateway.mgets.slice(0, -1)) assert.deepEqual(options.querystring, { _source_includes: "title,price,embedding", realtime: false });
  });

  it("reads the candidates' declared fields by id once per document version: a rewritten document is read again", async () => {
    const fresh = new SearchService({ gateway, config: sidecar.config, queryEmbedder: () => fakeEmbedder, rerankStage: reranker });
    const details = () => gateway.mgets.filter((m) => m.options.querystring?._source_includes !== undefined);
    await searchWith(fresh, { q: "hose", pipeline: "rerank" });
    const candidates = reranker.seen?.candidates ?? [];
    assert.equal(details().length, 1, "one _mget for the candidates' fields");
    assert.deepEqual(new Set(details()[0]?.docs.map((d) => d._id)), new Set(candidates.map((c) => c.id)));
    assert.deepEqual(details()[0]?.docs.map((d) => d._index), candidates.map((c) => c.index));

    gateway.reset();
    await searchWith(fresh, { q: "hose", pipeline: "rerank" });
    assert.equal(details().length, 0, "the same versions again: nothing read");
    assert.deepEqual(reranker.seen?.candidates.map((c) => [c.id, c.fields.title, c.fields.price]), candidates.map((c) => [c.id, c.fields.title, c.fields.price]));

    const original = PRODUCTS[1] as (typeof PRODUCTS)[number];
    const write = (product: typeof original) =>
      request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.write).send({ documents: [product], refresh: true }).expect(200);
    await write({ ...original, title: `${original.title} deluxe`, price: 99 });
    try {
      gateway.reset();
      await searchWith(fresh, { q: "hose", pipeline: "rerank" });
      assert.deepEqual(details().map((m) => m.docs.map((d) => d._id)), [[original.id]], "only the rewritten document is read again");
      const rewritten = reranker.seen?.candidates.find((c) => c.id === original.id);
      assert.deepEqual([rewritten?.fields.title, rewritten?.fields.price], [`${original.title} deluxe`, 99]);
    } finally {
      await write(original);
    }
  });

  it("without a user the context has no user key", async () => {
    await search({ q: "drill", pipeline: "rerank" });
    assert.equal(reranker.seen?.context.userKey, null);
  });

  it("hybrid retrieves ids and scores only and fetches sources for the returned page only, without embedding", async () => {
    const answer: SearchResponse = await search({ q: "drill hose", pipeline: "hybrid", from: 1, size: 4 });
    assert.equal(gateway.msearches.length, 1);
    for (const body of gateway.msearches[0] ?? []) {
      assert.equal(body._source, false);
      // Ids from the `id` keyword's doc values: no stored-fields read at all.
      assert.equal(body.stored_fields, "_none_");
      assert.deepEqual(body.docvalue_fields, ["id"]);
      assert.equal(body.size, sidecar.config.hybrid.candidates);
    }
    assert.equal(gateway.mgets.length, 1);
    assert.deepEqual(gateway.mgets[0]?.docs.map((d) => d._id), answer.hits.map((h) => h.id));
    assert.equal(gateway.mgets[0]?.options.querystring?._source_excludes, "embedding");
    assert.equal(answer.hits.length, 4);
    for (const hit of answer.hits) {
      assert.ok(!("embedding" in hit.source));
      assert.equal(hit.source.title, PRODUCTS.find((p) => p.id === hit.id)?.title);
    }
    assert.ok(answer.total >= 16);
  });

  it("bm25 asks OpenSearch as deep as the page ends and pages after retrieval", async () => {
    const whole = await search({ q: "bracket", pipeline: "bm25", size: 6 });
    const second = await search({ q: "bracket", pipeline: "bm25", from: 2, size: 2 });
    assert.deepEqual(gateway.searches.map((b) => [b.size, b._source, "from" in b]), [
      [6, false, false],
      [4, false, false],
    ]);
    assert.deepEqual(second.hits.map((h) => h.id), whole.hits.slice(2, 4).map((h) => h.id));
    assert.deepEqual(gateway.mgets.map((m) => m.docs.length), [6, 2]);
    assert.equal(second.total, 8);
  });

  it("finds a document written without an `id` field (not through the sidecar) by asking again for `_id`", async () => {
    const index = `${sidecar.config.productsAlias}`;
    await sidecar.gateway.request("PUT", `/${index}/_doc/no-id-field`, { title: "Lonely drill press" }, { querystring: { refresh: "true" } });
    const answer = await search({ q: "lonely", pipeline: "bm25" });
    assert.deepEqual(answer.hits.map((h) => [h.id, h.source.title]), [["no-id-field", "Lonely drill press"]]);
    assert.deepEqual(gateway.searches.map((b) => b.stored_fields ?? "stored"), ["_none_", "stored"]);
    const hybrid = await search({ q: "lonely", pipeline: "hybrid" });
    assert.equal(hybrid.hits.find((h) => h.id === "no-id-field")?.source.title, "Lonely drill press");
    await sidecar.gateway.request("DELETE", `/${index}/_doc/no-id-field`, undefined, { querystring: { refresh: "true" } });
  });

  it("a page past the candidates is empty and fetches nothing", async () => {
    const answer = await search({ q: "bracket", pipeline: "hybrid", from: 90, size: 10 });
    assert.deepEqual(answer.hits, []);
    assert.equal(gateway.mgets.length, 0);
  });

  it("rerank and personal without a re-ranker answer as before: hybrid order, degraded", async () => {
    const plain = new SearchService({ gateway, config: sidecar.config, queryEmbedder: () => fakeEmbedder });
    const hybrid = await searchWith(plain, { q: "drill", pipeline: "hybrid", explain: true });
    for (const pipeline of ["rerank", "personal"]) {
      const answer = await searchWith(plain, { q: "drill", pipeline, explain: true });
      assert.deepEqual(answer.hits, hybrid.hits);
      assert.equal(answer.rerank.degraded, "the attention re-ranker is not available yet; answered with hybrid");
      assert.equal(answer.pipeline, pipeline);
    }
  });
});
