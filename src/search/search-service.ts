import { type SidecarConfig } from "../config";
import { OpenSearchError, type MultiSearchItem, type OpenSearchGateway, type SearchHitBody, type SearchResponseBody } from "../opensearch";
import { bm25Query, filterClauses } from "./bm25-query";
import { Deadline } from "./deadline";
import { fuseCandidates, type FusedCandidate, type FusionOptions } from "./fusion";
import { type QueryEmbedder, type QueryEmbedderProvider } from "./query-embedder";
import { QueryVectorCache } from "./query-vector-cache";
import { searchRequestSchema, type PipelineName, type SearchRequest } from "./search-request";
import { type RerankInfo, type SearchHit, type SearchResponse } from "./search-response";
import { type RerankStage } from "./search-stage";
import { type DegradedReason } from "./stage-diagnostics";

/** Fields never returned to callers: the vector is large and internal. */
const HIDDEN_SOURCE_FIELDS = ["embedding"];

export interface SearchServiceDependencies {
  gateway: OpenSearchGateway;
  config: SidecarConfig;
  /** The active embedding model, if any. @defaultValue none: hybrid answers with BM25, marked degraded */
  queryEmbedder?: QueryEmbedderProvider;
  /** Told about every degraded answer, with the requested pipeline and the reason (metrics). */
  onDegraded?: (pipeline: PipelineName, reason: DegradedReason) => void;
  /** The re-ranker of the `rerank` and `personal` pipelines. @defaultValue the {@link PlaceholderRerankStage} (retrieval order, marked degraded) */
  rerankStage?: RerankStage;
  /** Pseudonymizes `user_id` into the context's `userKey` (src/events `Pseudonymizer`). @defaultValue none: `userKey` is null */
  pseudonymizer?: UserPseudonymizer;
}

/** What the service needs of src/events' Pseudonymizer. */
export interface UserPseudonymizer {
  userKey(userId: string): string;
}


interface Degradation {
  reason: DegradedReason;
  message: string;
}

interface Retrieved {
  hits: SearchHit[];
  total: number;
  embedder: QueryEmbedder | null;
  degraded: Degradation | null;
}

/** Retrieves candidates from OpenSearch (BM25, or BM25 + kNN fused) and shapes `/v1/search` answers. */
export class SearchService {
  readonly #gateway: OpenSearchGateway;
  readonly #config: SidecarConfig;
  readonly #queryEmbedder: QueryEmbedderProvider;
  readonly #onDegraded: (pipeline: PipelineName, reason: DegradedReason) => void;
  readonly queryVectors = new QueryVectorCache();
  /** Validates `/v1/search` bodies, paging limits included (see {@link searchRequestSchema}). */
  readonly requestSchema: ReturnType<typeof searchRequestSchema>;

  constructor(dependencies: SearchServiceDependencies) {
    this.#gateway = dependencies.gateway;
    this.#config = dependencies.config;
    this.requestSchema = searchRequestSchema({ hybridCandidates: dependencies.config.hybrid.candidates });
    this.#queryEmbedder = dependencies.queryEmbedder ?? (() => null);
    this.#onDegraded = dependencies.onDegraded ?? (() => undefined);
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const deadline = new Deadline(this.#config.searchDeadlineMs);
    const retrieved = request.pipeline === "bm25" ? await this.#bm25(request, deadline) : await this.#hybrid(request, deadline);
    let degraded = retrieved.degraded;
    if (!degraded && (request.pipeline === "rerank" || request.pipeline === "personal")) {
      degraded = { reason: "reranker_unavailable", message: "the attention re-ranker is not available yet; answered with hybrid" };
    }
    if (degraded) this.#onDegraded(request.pipeline, degraded.reason);
    const rerank: RerankInfo = { model: null, version: null, backend: null, degraded: degraded?.message ?? null };
    return {
      hits: retrieved.hits,
      total: retrieved.total,
      took_ms: Math.round(performance.now() - started),
      pipeline: request.pipeline,
      embeddings: retrieved.embedder ? { model: retrieved.embedder.name, version: retrieved.embedder.version } : null,
      rerank,
    };
  }

  async #bm25(request: SearchRequest, deadline: Deadline, degraded: Degradation | null = null): Promise<Retrieved> {
    const body = await this.#gateway.search<SearchResponseBody>(
      this.#config.productsAlias,
      {
        query: bm25Query(request.q, request.filters),
        from: request.from,
        size: request.size,
        _source: { excludes: HIDDEN_SOURCE_FIELDS },
      },
      { timeoutMs: deadline.callTimeoutMs(this.#config.opensearchTimeoutMs), retries: 0 },
    );
    const hits = body.hits.hits.map((hit) => ({
      id: hit._id,
      score: hit._score ?? 0,
      source: hit._source ?? {},
      ...(request.explain ? { explain: { bm25: hit._score ?? 0 } } : {}),
    }));
    return { hits, total: totalOf(body), embedder: null, degraded };
  }

  async #hybrid(request: SearchRequest, deadline: Deadline): Promise<Retrieved> {
    const embedder = this.#queryEmbedder();
    if (!embedder) return this.#bm25(request, deadline, { reason: "no_model", message: "no embedding model is active; answered with bm25" });
    let vector: Float32Array;
    try {
      vector = await this.queryVectors.vectorFor(embedder, request.q);
    } catch (err) {
      const message = `query embedding failed (${err instanceof Error ? err.message : String(err)}); answered with bm25`;
      return this.#bm25(request, deadline, { reason: "embedding_failed", message });
    }
    // requestSchema keeps from + size within the candidates.
    const candidates = this.#config.hybrid.candidates;
    const filter = filterClauses(request.filters);
    const [lexical, semantic] = await this.#gateway.msearch(
      this.#config.productsAlias,
      [
        { query: bm25Query(request.q, request.filters), size: candidates, _source: { excludes: HIDDEN_SOURCE_FIELDS } },
        {
          size: candidates,
          _source: { excludes: HIDDEN_SOURCE_FIELDS },
          query: {
            knn: {
              embedding: { vector: Array.from(vector), k: candidates, ...(filter.length > 0 ? { filter: { bool: { filter } } } : {}) },
            },
          },
        },
      ],
      { timeoutMs: deadline.callTimeoutMs(this.#config.opensearchTimeoutMs), retries: 0 },
    );
    const lexicalBody = successful(lexical);
    if (!lexicalBody) throw searchFailure(lexical);
    const semanticBody = successful(semantic);
    const fused = fuseCandidates(
      lexicalBody.hits.hits.map((h) => ({ id: h._id, score: h._score ?? 0 })),
      semanticBody ? semanticBody.hits.hits.map((h) => ({ id: h._id, score: h._score ?? 0 })) : [],
      this.#fusionOptions(request),
    );
    const sources = new Map<string, SearchHitBody>();
    for (const hit of [...(semanticBody?.hits.hits ?? []), ...lexicalBody.hits.hits]) sources.set(hit._id, hit);
    const page = fused.slice(request.from, request.from + request.size);
    return {
      hits: page.map((candidate) => toHybridHit(candidate, sources.get(candidate.id), request.explain)),
      total: Math.max(totalOf(lexicalBody), fused.length),
      embedder: semanticBody ? embedder : null,
      degraded: semanticBody ? null : { reason: "knn_failed", message: `kNN retrieval failed (${describeFailure(semantic)}); answered with bm25` },
    };
  }

  #fusionOptions(request: SearchRequest): FusionOptions {
    const hybrid = this.#config.hybrid;
    return {
      method: request.hybrid?.fusion ?? hybrid.fusion,
      bm25Weight: request.hybrid?.bm25_weight ?? hybrid.bm25Weight,
      knnWeight: request.hybrid?.knn_weight ?? hybrid.knnWeight,
      rrfK: hybrid.rrfK,
    };
  }
}

function successful(item: MultiSearchItem | undefined): SearchResponseBody | undefined {
  return item && !item.error ? item : undefined;
}

function describeFailure(item: MultiSearchItem | undefined): string {
  if (!item) return "no response";
  return item.error ? `${item.error.type ?? "error"}: ${item.error.reason ?? ""}`.trim() : "ok";
}

function searchFailure(item: MultiSearchItem | undefined): OpenSearchError {
  return new SearchFailedError(`BM25 retrieval failed: ${describeFailure(item)}`);
}

class SearchFailedError extends OpenSearchError {
  readonly code = "OPENSEARCH_REJECTED" as const;
}

function toHybridHit(candidate: FusedCandidate, hit: SearchHitBody | undefined, explain: boolean): SearchHit {
  return {
    id: candidate.id,
    score: candidate.score,
    source: hit?._source ?? {},
    ...(explain ? { explain: { fused: candidate.score, bm25: candidate.bm25, knn: candidate.knn } } : {}),
  };
}

function totalOf(body: SearchResponseBody): number {
  const total = body.hits.total;
  return typeof total === "number" ? total : (total?.value ?? body.hits.hits.length);
}
