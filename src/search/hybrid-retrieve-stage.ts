import { type SidecarConfig } from "../config";
import { OpenSearchError, type MultiSearchItem, type OpenSearchGateway } from "../opensearch";
import { Bm25RetrieveStage } from "./bm25-retrieve-stage";
import { bm25Query, filterClauses } from "./bm25-query";
import { type CandidateNeeds } from "./candidate";
import { type CandidateDetails } from "./candidate-details";
import { fuseCandidates, type FusionOptions } from "./fusion";
import { knnSearch } from "./knn-search";
import { type QueryEmbedder, type QueryEmbedderProvider } from "./query-embedder";
import { type QueryVectorCache } from "./query-vector-cache";
import { candidateOf, MissingDocIdError, retrievalFields, retrieverHits, successful, totalOf } from "./retriever-hits";
import { type SearchContext } from "./search-context";
import { type SearchRequest } from "./search-request";
import { type Retrieval, type RetrieveStage } from "./search-stage";

export interface HybridRetrieveStageOptions {
  gateway: OpenSearchGateway;
  /** The products alias searched. */
  productsAlias: string;
  /** Cap of one OpenSearch call (within what is left of the deadline). */
  opensearchTimeoutMs: number;
  /** Fills the candidates' declared fields and vectors (retrieval searches return ids only). */
  details: CandidateDetails;
  /** Fusion defaults (a request's `hybrid` overrides them) and `candidates`, each retriever's depth. */
  hybrid: SidecarConfig["hybrid"];
  /** The active embedding model, asked for on every search (it changes on a promotion). */
  queryEmbedder: QueryEmbedderProvider;
  /** Query vectors by model version and normalized query. */
  queryVectors: QueryVectorCache;
}

/**
 * BM25 and kNN on the query vector in one `_msearch`, each `hybrid.candidates` deep, fused. Without a
 * model, or when embedding the query fails, BM25 alone as deep, marked degraded; when only kNN fails,
 * BM25's list fused alone, marked degraded.
 */
export class HybridRetrieveStage implements RetrieveStage {
  readonly kind = "retrieve" as const;
  readonly name = "hybrid-retrieve";
  readonly #options: HybridRetrieveStageOptions;
  readonly #bm25: Bm25RetrieveStage;

  constructor(options: HybridRetrieveStageOptions) {
    if (!(Number.isInteger(options.hybrid.candidates) && options.hybrid.candidates > 0)) {
      throw new RangeError(`hybrid.candidates must be a positive integer, got ${options.hybrid.candidates}`);
    }
    this.#options = options;
    this.#bm25 = new Bm25RetrieveStage({ ...options, depth: options.hybrid.candidates });
  }

  async retrieve(context: SearchContext, needs: CandidateNeeds): Promise<Retrieval> {
    const { request, diagnostics } = context;
    const embedder = this.#options.queryEmbedder();
    if (!embedder) {
      diagnostics.degrade(this.name, "no_model", "no embedding model is active; answered with bm25");
      return this.#bm25.retrieve(context, needs);
    }
    let vector: Float32Array;
    try {
      vector = await this.#options.queryVectors.vectorFor(embedder, request.q);
    } catch (err) {
      diagnostics.degrade(this.name, "embedding_failed", `query embedding failed (${err instanceof Error ? err.message : String(err)}); answered with bm25`);
      return this.#bm25.retrieve(context, needs);
    }
    context.queryVector = { vector, model: embedder.name, version: embedder.version };
    try {
      return await this.#retrieveFused(context, needs, embedder, vector, false);
    } catch (err) {
      if (err instanceof MissingDocIdError) return this.#retrieveFused(context, needs, embedder, vector, true);
      throw err;
    }
  }

  async #retrieveFused(context: SearchContext, needs: CandidateNeeds, embedder: QueryEmbedder, vector: Float32Array, storedIds: boolean): Promise<Retrieval> {
    const { request, deadline, diagnostics } = context;
    // requestSchema keeps from + size within the candidates.
    const depth = this.#options.hybrid.candidates;
    const fields = retrievalFields(needs, storedIds);
    const searches = [
      // The answer's total: exact up to 10,000, OpenSearch's default track_total_hits.
      { query: bm25Query(request.q, request.filters), size: depth, ...fields },
      knnSearch(vector, depth, fields, filterClauses(request.filters)),
    ];
    const [lexical, semantic] = await diagnostics.time(`${this.name}/search`, () =>
      this.#options.gateway.msearch(embedder.index ?? this.#options.productsAlias, searches, { timeoutMs: deadline.callTimeoutMs(this.#options.opensearchTimeoutMs), retries: 0 }),
    );
    const lexicalBody = successful(lexical);
    if (!lexicalBody) throw new SearchFailedError(`BM25 retrieval failed: ${describeFailure(lexical)}`);
    const semanticBody = successful(semantic);
    const bm25 = retrieverHits(lexicalBody);
    const knn = semanticBody ? retrieverHits(semanticBody) : [];
    if (semanticBody) context.embeddings = { model: embedder.name, version: embedder.version };
    else diagnostics.degrade(this.name, "knn_failed", `kNN retrieval failed (${describeFailure(semantic)}); answered with bm25`);
    const fused = fuseCandidates(bm25, knn, fusionOptionsFor(this.#options.hybrid, context.request));
    const bm25ById = new Map(bm25.map((hit) => [hit.id, hit]));
    const knnById = new Map(knn.map((hit) => [hit.id, hit]));
    const found = fused.map((f, i) => candidateOf(f.score, i + 1, { bm25: bm25ById.get(f.id), knn: knnById.get(f.id) }));
    const candidates = await diagnostics.time(`${this.name}/details`, () => this.#options.details.fill(found, needs, deadline.callTimeoutMs(this.#options.opensearchTimeoutMs)));
    return { candidates, total: Math.max(totalOf(lexicalBody), candidates.length), retrievers: ["bm25", "knn"] };
  }
}

/** The configured fusion with the request's `hybrid` overrides applied. */
export function fusionOptionsFor(hybrid: SidecarConfig["hybrid"], request: SearchRequest): FusionOptions {
  const override = request.hybrid;
  return {
    method: override?.fusion ?? hybrid.fusion,
    bm25Weight: override?.bm25_weight ?? hybrid.bm25Weight,
    knnWeight: override?.knn_weight ?? hybrid.knnWeight,
    rrfK: hybrid.rrfK,
  };
}

function describeFailure(item: MultiSearchItem | undefined): string {
  if (!item) return "no response";
  return item.error ? `${item.error.type ?? "error"}: ${item.error.reason ?? ""}`.trim() : "ok";
}

/** The BM25 half of hybrid retrieval failed inside an otherwise answered `_msearch`. */
class SearchFailedError extends OpenSearchError {
  readonly code = "OPENSEARCH_REJECTED" as const;
}
