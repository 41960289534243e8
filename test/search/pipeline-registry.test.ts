import { strict as assert } from "node:assert";
import { UnknownPipelineError } from "../../src/errors";
import {
  candidateNeedsOf,
  Deadline,
  declarePipelines,
  mergeCandidateNeeds,
  NO_CANDIDATE_NEEDS,
  PIPELINES,
  PipelineRegistry,
  PlaceholderRerankStage,
  stagesOf,
  StageDiagnostics,
  type Candidate,
  type CandidateNeeds,
  type PageStage,
  type RerankStage,
  type RetrieveStage,
  type SearchContext,
  type SearchHit,
} from "../../src/search";

const retrieve = (name: string): RetrieveStage => ({
  kind: "retrieve",
  name,
  retrieve: () => Promise.resolve({ candidates: [], total: 0, retrievers: ["bm25"] }),
});
const page: PageStage = { kind: "page", name: "page", needs: NO_CANDIDATE_NEEDS, page: () => Promise.resolve([] as SearchHit[]) };
const rerankNeeding = (needs: CandidateNeeds): RerankStage => ({
  kind: "rerank",
  name: "test-rerank",
  needs,
  rerank: (_context, candidates) => Promise.resolve({ ranked: candidates.map((candidate) => ({ candidate, score: 0 })), info: { model: null, version: null, backend: null } }),
});

describe("pipeline registry", () => {
  const stages = { bm25Retrieve: retrieve("bm25"), hybridRetrieve: retrieve("hybrid"), rerank: rerankNeeding({ fields: ["title", "price"], embedding: true }), page };
  const registry = new PipelineRegistry(declarePipelines(stages));

  it("declares exactly the pipelines callers may ask for", () => {
    assert.deepEqual(registry.names().sort(), [...PIPELINES].sort());
  });

  it("runs retrieve → rerank → page for rerank and personal, retrieve → page for bm25 and hybrid", () => {
    const order = (name: string) => stagesOf(registry.get(name)).map((s) => `${s.kind}:${s.name}`);
    assert.deepEqual(order("bm25"), ["retrieve:bm25", "page:page"]);
    assert.deepEqual(order("hybrid"), ["retrieve:hybrid", "page:page"]);
    assert.deepEqual(order("rerank"), ["retrieve:hybrid", "rerank:test-rerank", "page:page"]);
    assert.deepEqual(order("personal"), ["retrieve:hybrid", "rerank:test-rerank", "page:page"]);
  });

  it("lets rerank and personal have retrievers of their own", () => {
    const own = new PipelineRegistry(declarePipelines({ ...stages, rerankRetrieve: retrieve("deep"), personalRetrieve: retrieve("personal") }));
    assert.equal(own.get("hybrid").retrieve.name, "hybrid");
    assert.equal(own.get("rerank").retrieve.name, "deep");
    assert.equal(own.get("personal").retrieve.name, "personal");
  });

  it("asks retrieval for what the later stages declared, and nothing for bm25/hybrid", () => {
    assert.deepEqual(candidateNeedsOf(registry.get("hybrid")), { fields: [], embedding: false });
    assert.deepEqual(candidateNeedsOf(registry.get("bm25")), { fields: [], embedding: false });
    assert.deepEqual(candidateNeedsOf(registry.get("personal")), { fields: ["title", "price"], embedding: true });
    assert.deepEqual(mergeCandidateNeeds({ fields: ["a", "b"], embedding: false }, { fields: ["b", "c"], embedding: false }), { fields: ["a", "b", "c"], embedding: false });
  });

  it("answers an unknown name with UnknownPipelineError (400 UNKNOWN_PIPELINE) naming the known ones", () => {
    assert.throws(
      () => registry.get("magic"),
      (err: unknown) => err instanceof UnknownPipelineError && err.code === "UNKNOWN_PIPELINE" && /unknown pipeline "magic"; known: bm25, hybrid, rerank, personal/.test(err.message),
    );
  });

  it("refuses a declaration missing a pipeline or declaring one twice", () => {
    const all = declarePipelines(stages);
    assert.throws(() => new PipelineRegistry(all.slice(1)), /pipelines not declared: bm25/);
    assert.throws(() => new PipelineRegistry([...all, all[0] as (typeof all)[number]]), /pipeline "bm25" is declared twice/);
  });
});

describe("the placeholder re-rank stage", () => {
  it("keeps retrieval order and scores and says the re-ranker is not available, as before the stages", async () => {
    const context: SearchContext = {
      request: { q: "drill", pipeline: "rerank", size: 10, from: 0, filters: {}, explain: false },
      deadline: new Deadline(1000),
      userKey: null,
      queryVector: null,
      embeddings: null,
      diagnostics: new StageDiagnostics(),
    };
    const candidate = (id: string, score: number, rank: number): Candidate => ({ id, index: "i", score, rank, retrievers: { bm25: { score, rank } }, fields: {} });
    const reranked = await new PlaceholderRerankStage().rerank(context, [candidate("a", 2, 1), candidate("b", 1, 2)]);
    assert.deepEqual(reranked.ranked.map((r) => [r.candidate.id, r.score]), [["a", 2], ["b", 1]]);
    assert.deepEqual(reranked.info, { model: null, version: null, backend: null });
    assert.equal(context.diagnostics.degraded?.reason, "reranker_unavailable");
    assert.equal(context.diagnostics.degraded?.message, "the attention re-ranker is not available yet; answered with hybrid");
  });
});
