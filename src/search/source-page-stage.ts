import { type OpenSearchGateway } from "../opensearch";
import { NO_CANDIDATE_NEEDS, type CandidateNeeds } from "./candidate";
import { EMBEDDING_FIELD } from "./retriever-hits";
import { type SearchContext } from "./search-context";
import { type SearchHit } from "./search-response";
import { type PageStage, type RankedCandidate } from "./search-stage";

export interface SourcePageStageOptions {
  gateway: OpenSearchGateway;
  /** Cap of one OpenSearch call (within what is left of the deadline). */
  opensearchTimeoutMs: number;
}

/**
 * The requested page of the final order, with each hit's `_source` (never `embedding`) fetched in one
 * `_mget` for that page only, from the concrete index the candidate was scored in. `realtime: false`
 * reads what search saw (the last refresh), not a newer unrefreshed write.
 */
export class SourcePageStage implements PageStage {
  readonly kind = "page" as const;
  readonly name = "source-page";
  readonly needs: CandidateNeeds = NO_CANDIDATE_NEEDS;
  readonly #options: SourcePageStageOptions;

  constructor(options: SourcePageStageOptions) {
    this.#options = options;
  }

  async page(context: SearchContext, ranked: readonly RankedCandidate[]): Promise<SearchHit[]> {
    const { from, size } = context.request;
    const page = ranked.slice(from, from + size);
    if (page.length === 0) return [];
    const docs = await this.#options.gateway.mget(
      page.map(({ candidate }) => ({ _index: candidate.index, _id: candidate.id })),
      {
        timeoutMs: context.deadline.callTimeoutMs(this.#options.opensearchTimeoutMs),
        retries: 0,
        querystring: { _source_excludes: EMBEDDING_FIELD, realtime: false },
      },
    );
    // _mget answers in request order; a document deleted between the search and this fetch keeps its ranked place with an empty source.
    return page.map((hit, i) => ({
      id: hit.candidate.id,
      score: hit.score,
      source: docs[i]?.found ? (docs[i]?._source ?? {}) : {},
      ...(hit.explain ? { explain: hit.explain } : {}),
    }));
  }
}
