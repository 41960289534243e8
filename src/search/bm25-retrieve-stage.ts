import { type OpenSearchGateway, type SearchResponseBody } from "../opensearch";
import { type CandidateNeeds } from "./candidate";
import { bm25Query } from "./bm25-query";
import { type CandidateDetails } from "./candidate-details";
import { candidateOf, MissingDocIdError, retrievalFields, retrieverHits, totalOf } from "./retriever-hits";
import { type SearchContext } from "./search-context";
import { type Retrieval, type RetrieveStage } from "./search-stage";

export interface Bm25RetrieveStageOptions {
  gateway: OpenSearchGateway;
  /** The products alias searched. */
  productsAlias: string;
  /** Cap of one OpenSearch call (within what is left of the deadline). */
  opensearchTimeoutMs: number;
  /** Fills the candidates' declared fields and vectors (retrieval searches return ids only). */
  details: CandidateDetails;
  /**
   * How many candidates to retrieve: a number, or `"page"` for as deep as the requested page ends
   * (`from + size`), which is all the `bm25` pipeline can show. @defaultValue "page"
   */
  depth?: number | "page";
}

/** BM25 alone: ids and scores (plus the declared fields, read by id), the total exact up to 10,000 (OpenSearch's default). */
export class Bm25RetrieveStage implements RetrieveStage {
  readonly kind = "retrieve" as const;
  readonly name = "bm25-retrieve";
  readonly #options: Bm25RetrieveStageOptions;

  constructor(options: Bm25RetrieveStageOptions) {
    if (typeof options.depth === "number" && !(Number.isInteger(options.depth) && options.depth > 0)) {
      throw new RangeError(`BM25 retrieval depth must be a positive integer or "page", got ${options.depth}`);
    }
    this.#options = options;
  }

  async retrieve(context: SearchContext, needs: CandidateNeeds): Promise<Retrieval> {
    try {
      return await this.#retrieve(context, needs, false);
    } catch (err) {
      if (err instanceof MissingDocIdError) return this.#retrieve(context, needs, true);
      throw err;
    }
  }

  async #retrieve(context: SearchContext, needs: CandidateNeeds, storedIds: boolean): Promise<Retrieval> {
    const { request, deadline } = context;
    const depth = this.#options.depth ?? "page";
    const body = await this.#options.gateway.search<SearchResponseBody>(
      this.#options.productsAlias,
      {
        query: bm25Query(request.q, request.filters),
        size: depth === "page" ? request.from + request.size : depth,
        ...retrievalFields(needs, storedIds),
      },
      { timeoutMs: deadline.callTimeoutMs(this.#options.opensearchTimeoutMs), retries: 0 },
    );
    const hits = retrieverHits(body).map((hit) => candidateOf(hit.score, hit.rank, { bm25: hit }));
    const candidates = await context.diagnostics.time(`${this.name}/details`, () => this.#options.details.fill(hits, needs, deadline.callTimeoutMs(this.#options.opensearchTimeoutMs)));
    return { candidates, total: totalOf(body), retrievers: ["bm25"] };
  }
}
