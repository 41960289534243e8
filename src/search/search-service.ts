import { type SidecarConfig } from "../config";
import { type OpenSearchGateway } from "../opensearch";
import { Bm25RetrieveStage } from "./bm25-retrieve-stage";
import { type Candidate, type RetrieverName } from "./candidate";
import { CandidateDetails } from "./candidate-details";
import { HybridRetrieveStage, type HybridRetrieveStageOptions } from "./hybrid-retrieve-stage";
import { candidateNeedsOf, declarePipelines, PipelineRegistry, type SearchPipeline } from "./pipeline-registry";
import { PlaceholderRerankStage } from "./placeholder-rerank-stage";
import { type QueryEmbedderProvider } from "./query-embedder";
import { QueryVectorCache } from "./query-vector-cache";
import { newSearchContext, type SearchContext, type UserPseudonymizer } from "./search-context";
import { searchRequestSchema, type PipelineName, type SearchRequest } from "./search-request";
import { type HitExplain, type SearchHit, type SearchResponse } from "./search-response";
import { type RankedCandidate, type Reranked, type RerankStage, type Retrieval, type RetrieveStage } from "./search-stage";
import { SourcePageStage } from "./source-page-stage";
import { type DegradedReason } from "./stage-diagnostics";

export interface SearchServiceDependencies {
  gateway: OpenSearchGateway;
  config: SidecarConfig;
  /** The active embedding model, if any. @defaultValue none: hybrid answers with BM25, marked degraded */
  queryEmbedder?: QueryEmbedderProvider;
  /** Told about every degraded answer, with the requested pipeline and the reason (metrics). */
  onDegraded?: (pipeline: PipelineName, reason: DegradedReason) => void;
  /** Told after every answered search how long each stage and stage part took, in ms (metrics). */
  onStageTimes?: (pipeline: PipelineName, stageMs: ReadonlyMap<string, number>) => void;
  /** The re-ranker of the `rerank` and `personal` pipelines. @defaultValue the {@link PlaceholderRerankStage} (retrieval order, marked degraded) */
  rerankStage?: RerankStage;
  /** Pseudonymizes `user_id` into the context's `userKey` (src/events `Pseudonymizer`). @defaultValue none: `userKey` is null */
  pseudonymizer?: UserPseudonymizer;
  /**
   * Builds `personal`'s retrieve stage (src/search/rerank PersonalRetrieveStage) from the rerank
   * pipeline's hybrid retrieval (`rerankCandidates` deep), which it fuses a third list into.
   * @defaultValue `personal` retrieves as `rerank` does
   */
  personalRetrieve?: (rerankRetrieve: HybridRetrieveStage) => RetrieveStage;
}

/** Runs a search through its pipeline's stages — retrieve → rerank → page — and shapes the `/v1/search` answer. */
export class SearchService {
  readonly #config: SidecarConfig;
  readonly #onDegraded: (pipeline: PipelineName, reason: DegradedReason) => void;
  readonly #onStageTimes: (pipeline: PipelineName, stageMs: ReadonlyMap<string, number>) => void;
  readonly #pseudonymizer: UserPseudonymizer | undefined;
  readonly queryVectors = new QueryVectorCache();
  /** Validates `/v1/search` bodies, paging limits included (see {@link searchRequestSchema}). */
  readonly requestSchema: ReturnType<typeof searchRequestSchema>;
  /** The pipelines by name (UnknownPipelineError for any other). */
  readonly pipelines: PipelineRegistry;

  constructor(dependencies: SearchServiceDependencies) {
    const { gateway, config } = dependencies;
    this.#config = config;
    this.requestSchema = searchRequestSchema({ hybridCandidates: config.hybrid.candidates, rerankCandidates: config.rerankCandidates });
    this.#onDegraded = dependencies.onDegraded ?? (() => undefined);
    this.#onStageTimes = dependencies.onStageTimes ?? (() => undefined);
    this.#pseudonymizer = dependencies.pseudonymizer;
    const opensearch = { gateway, productsAlias: config.productsAlias, opensearchTimeoutMs: config.opensearchTimeoutMs };
    // One cache of candidates' fields and vectors for every retrieve stage.
    const details = new CandidateDetails({ gateway });
    const hybridOptions: HybridRetrieveStageOptions = {
      ...opensearch,
      details,
      hybrid: config.hybrid,
      queryEmbedder: dependencies.queryEmbedder ?? (() => null),
      queryVectors: this.queryVectors,
    };
    // The re-ranker sees RERANK_CANDIDATES per retriever (paging of rerank/personal is bounded by it).
    const rerankOptions = { ...hybridOptions, hybrid: { ...config.hybrid, candidates: config.rerankCandidates } };
    const rerankRetrieve = new HybridRetrieveStage(rerankOptions);
    this.pipelines = new PipelineRegistry(
      declarePipelines({
        bm25Retrieve: new Bm25RetrieveStage({ ...opensearch, details, depth: "page" }),
        hybridRetrieve: new HybridRetrieveStage(hybridOptions),
        rerankRetrieve,
        ...(dependencies.personalRetrieve ? { personalRetrieve: dependencies.personalRetrieve(rerankRetrieve) } : {}),
        rerank: dependencies.rerankStage ?? new PlaceholderRerankStage(),
        page: new SourcePageStage(opensearch),
      }),
    );
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const pipeline = this.pipelines.get(request.pipeline);
    const context = newSearchContext(request, this.#config.searchDeadlineMs, this.#pseudonymizer);
    const { retrieval, reranked, hits } = await this.#run(pipeline, context);
    const degraded = context.diagnostics.degraded;
    if (degraded) this.#onDegraded(request.pipeline, degraded.reason);
    this.#onStageTimes(request.pipeline, context.diagnostics.stageMs);
    const info = reranked?.info ?? { model: null, version: null, backend: null };
    return {
      hits,
      total: retrieval.total,
      took_ms: Math.round(performance.now() - started),
      pipeline: request.pipeline,
      embeddings: context.embeddings,
      rerank: { ...info, degraded: degraded?.message ?? null },
    };
  }

  async #run(pipeline: SearchPipeline, context: SearchContext): Promise<{ retrieval: Retrieval; reranked: Reranked | null; hits: SearchHit[] }> {
    const { diagnostics } = context;
    pipeline.rerank?.prepare?.(context);
    const retrieval = await diagnostics.time(pipeline.retrieve.name, () => pipeline.retrieve.retrieve(context, candidateNeedsOf(pipeline)));
    const rerank = pipeline.rerank;
    const reranked = rerank ? await diagnostics.time(rerank.name, () => rerank.rerank(context, retrieval.candidates)) : null;
    const ranked = withExplain(context, retrieval, reranked?.ranked ?? retrieval.candidates.map((candidate) => ({ candidate, score: candidate.score })));
    const hits = await diagnostics.time(pipeline.page.name, () => pipeline.page.page(context, ranked));
    return { retrieval, reranked, hits };
  }
}

/** Prefixes each ranked candidate's explain with its retrieval scores, when the request asked for `explain`. */
function withExplain(context: SearchContext, retrieval: Retrieval, ranked: readonly RankedCandidate[]): readonly RankedCandidate[] {
  if (!context.request.explain) return ranked;
  return ranked.map((hit) => ({ ...hit, explain: { ...retrievalExplain(hit.candidate, retrieval.retrievers), ...hit.explain } }));
}

/** One retriever: its score (`{bm25}`); fused retrievers: `{fused, bm25, knn}`, null for a retriever that did not find it. */
function retrievalExplain(candidate: Candidate, retrievers: readonly RetrieverName[]): HitExplain {
  const scores = Object.fromEntries(retrievers.map((name) => [name, candidate.retrievers[name]?.score ?? null]));
  return retrievers.length === 1 ? scores : { fused: candidate.score, ...scores };
}
