import { NO_CANDIDATE_NEEDS, type Candidate, type CandidateNeeds } from "./candidate";
import { type SearchContext } from "./search-context";
import { type Reranked, type RerankStage } from "./search-stage";

/**
 * PLACEHOLDER for the attention re-ranker (issue #9), to be replaced by the real stage: keeps the
 * retrieval order and scores and marks the answer degraded exactly as before the stages existed
 * ("answered with hybrid"). Needs nothing on the candidates.
 */
export class PlaceholderRerankStage implements RerankStage {
  readonly kind = "rerank" as const;
  readonly name = "rerank-placeholder";
  readonly needs: CandidateNeeds = NO_CANDIDATE_NEEDS;

  rerank(context: SearchContext, candidates: readonly Candidate[]): Promise<Reranked> {
    context.diagnostics.degrade(this.name, "reranker_unavailable", "the attention re-ranker is not available yet; answered with hybrid");
    return Promise.resolve({
      ranked: candidates.map((candidate) => ({ candidate, score: candidate.score })),
      info: { model: null, version: null, backend: null },
    });
  }
}
