import { type SidecarConfig } from "../config";
import { OpenSearchError, type MultiSearchItem, type OpenSearchGateway } from "../opensearch";
import { Bm25RetrieveStage } from "./bm25-retrieve-stage";
import { bm25Query, filterClauses } from "./bm25-query";
import { type CandidateNeeds, type RetrieverName } from "./candidate";
import { type CandidateDetails } from "./candidate-details";
import { fuseCandidates, normalizedScores, type FusionOptions } from "./fusion";
import { knnSearch } from "./knn-search";
import { type QueryEmbedder, type QueryEmbedderProvider } from "./query-embedder";
import { type QueryVectorCache } from "./query-vector-cache";
import { candidateOf, MissingDocIdError, retrievalFields, retrieverHits, successful, totalOf, type RetrieverHit } from "./retriever-hits";
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
 * A third list fused into hybrid retrieval (`personal`'s kNN on the user's interest vector) whose
 * search body is known for sure only after a read (the profile) that runs while BM25 and kNN search.
 * A body it can guess at once (`early`) goes into their `_msearch`; `final` then confirms it, or gives
 * the body to search with in an `_msearch` of its own, so the read never holds the other two back.
 */
export interface ExtraRetriever {
  readonly name: Extract<RetrieverName, "personal_knn">;
  /** minmax: weight of its normalized score; rrf: of its reciprocal rank — added to the hybrid fusion. */
  readonly weight: number;
  /** The body to search with at once, in the main `_msearch` (ids only: `fields`, within `filter`, `depth` deep), or null. */
  early(search: ExtraSearch): Record<string, unknown> | null;
  /**
   * Once the read answers: "early" when the early body stands, another body to search with, or null
   * when there is nothing to search with — then the answer is plain hybrid. Never rejects.
   */
  final(search: ExtraSearch): Promise<"early" | Record<string, unknown> | null>;
  /** Why the search failed, for `rerank.degraded`. */
  readonly failure: { reason: "personal_knn_failed"; message: string };
}

/** What an {@link ExtraRetriever}'s search is built with: the hybrid searches' model, query vector, fields, filter and depth. */
export interface ExtraSearch {
  readonly embedder: QueryEmbedder;
  readonly queryVector: Float32Array;
  readonly fields: Record<string, unknown>;
  readonly filter: readonly Record<string, unknown>[];
  readonly depth: number;
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
    return this.retrieveWith(context, needs, null);
  }

  /** {@link retrieve}, with `extra`'s list fused in when it has one (see {@link ExtraRetriever}). */
  async retrieveWith(context: SearchContext, needs: CandidateNeeds, extra: ExtraRetriever | null): Promise<Retrieval> {
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
      return await this.#retrieveFused(context, needs, embedder, vector, extra, false);
    } catch (err) {
      if (err instanceof MissingDocIdError) return this.#retrieveFused(context, needs, embedder, vector, extra, true);
      throw err;
    }
  }

  async #retrieveFused(context: SearchContext, needs: CandidateNeeds, embedder: QueryEmbedder, vector: Float32Array, extra: ExtraRetriever | null, storedIds: boolean): Promise<Retrieval> {
    const { request, deadline, diagnostics } = context;
    // requestSchema keeps from + size within the candidates.
    const depth = this.#options.hybrid.candidates;
    const fields = retrievalFields(needs, storedIds);
    const filter = filterClauses(request.filters);
    const index = embedder.index ?? this.#options.productsAlias;
    const extraSearch: ExtraSearch = { embedder, queryVector: vector, fields, filter, depth };
    const earlyBody = extra?.early(extraSearch) ?? null;
    const searches = [
      // The answer's total: exact up to 10,000, OpenSearch's default track_total_hits.
      { query: bm25Query(request.q, request.filters), size: depth, ...fields },
      knnSearch(vector, depth, fields, filter),
      ...(earlyBody ? [earlyBody] : []),
    ];
    const msearch = (bodies: Record<string, unknown>[]) =>
      this.#options.gateway.msearch(index, bodies, { timeoutMs: deadline.callTimeoutMs(this.#options.opensearchTimeoutMs), retries: 0 });
    const main = msearch(searches);
    main.catch(() => undefined);
    // The extra list's answer: null when it has nothing to search with, else its item (undefined: the search failed).
    const extraRead = extra
      ? extra.final(extraSearch).then(async (body) => {
          if (body === null || (body === "early" && !earlyBody)) return null;
          if (body === "early") return { item: (await main)[2] };
          return { item: await msearch([body]).then(([item]) => item, () => undefined) };
        })
      : Promise.resolve(null);
    const [[lexical, semantic], extraAnswer] = await diagnostics.time(`${this.name}/search`, () => Promise.all([main, extraRead]));
    const lexicalBody = successful(lexical);
    if (!lexicalBody) throw new SearchFailedError(`BM25 retrieval failed: ${describeFailure(lexical)}`);
    const semanticBody = successful(semantic);
    const bm25 = retrieverHits(lexicalBody);
    const knn = semanticBody ? retrieverHits(semanticBody) : [];
    const extraBody = extraAnswer ? successful(extraAnswer.item) : undefined;
    // Hits first: a hit without an id throws before anything is noted, and the search is repeated asking for `_id`.
    const extraHits = extraBody ? retrieverHits(extraBody) : [];
    if (semanticBody) context.embeddings = { model: embedder.name, version: embedder.version };
    else diagnostics.degrade(this.name, "knn_failed", `kNN retrieval failed (${describeFailure(semantic)}); answered with bm25${extra && extraBody ? ` and ${extra.name}` : ""}`);
    if (extra && extraAnswer && !extraBody) diagnostics.degrade(this.name, extra.failure.reason, extra.failure.message);
    const fusion = fusionOptionsFor(this.#options.hybrid, context.request);
    const bm25ById = new Map(bm25.map((hit) => [hit.id, hit]));
    const knnById = new Map(knn.map((hit) => [hit.id, hit]));
    const retrievers: RetrieverName[] = extra && extraAnswer ? ["bm25", "knn", extra.name] : ["bm25", "knn"];
    let order = fuseCandidates(bm25, knn, fusion).map((f) => ({ id: f.id, score: f.score }));
    let extraById = new Map<string, RetrieverHit>();
    if (extra && extraHits.length > 0) {
      // The extra list's normalized score × its weight is added to the hybrid fusion; ties break as there (BM25 score, then id).
      extraById = new Map(extraHits.map((hit) => [hit.id, hit]));
      const scores = new Map(order.map((f) => [f.id, f.score]));
      for (const [id, s] of normalizedScores(extraHits, fusion)) scores.set(id, (scores.get(id) ?? 0) + extra.weight * s);
      const bm25Score = (id: string) => bm25ById.get(id)?.score ?? -1;
      order = [...scores.entries()]
        .map(([id, score]) => ({ id, score }))
        .sort((a, b) => b.score - a.score || bm25Score(b.id) - bm25Score(a.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const found = order.map((f, i) => candidateOf(f.score, i + 1, { bm25: bm25ById.get(f.id), knn: knnById.get(f.id), ...(extra ? { [extra.name]: extraById.get(f.id) } : {}) }));
    const candidates = await diagnostics.time(`${this.name}/details`, () => this.#options.details.fill(found, needs, deadline.callTimeoutMs(this.#options.opensearchTimeoutMs)));
    return { candidates, total: Math.max(totalOf(lexicalBody), candidates.length), retrievers };
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
