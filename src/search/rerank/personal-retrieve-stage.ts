import { type CandidateNeeds } from "../candidate";
import { type HybridRetrieveStage } from "../hybrid-retrieve-stage";
import { knnSearch } from "../knn-search";
import { type SearchContext } from "../search-context";
import { type Retrieval, type RetrieveStage } from "../search-stage";
import { type BehaviourPrefetch } from "./behaviour-prefetch";

export interface PersonalRetrieveStageOptions {
  /** The rerank pipeline's hybrid retrieval (`RERANK_CANDIDATES` deep): BM25 and query kNN, into which the interest-vector list is fused. */
  hybrid: HybridRetrieveStage;
  /** The search's profile read (started here unless the re-rank stage started it), shared with the re-rank stage. */
  prefetch: BehaviourPrefetch;
  /** Weight of the interest-vector kNN in the fusion (minmax: of its normalized score; rrf: of its reciprocal rank). */
  personalWeight: number;
}

/**
 * `personal` retrieval: BM25, kNN on the query vector and kNN on the user's interest vector (with the
 * query's filters), fused — so items the query words miss can enter the candidates. BM25 and query kNN
 * are searched at once; the interest-vector kNN as soon as the profile read (started when the search
 * started) answers, beside them. The interest vector is used only when it was made by the serving
 * embedding model. Without a user, a profile or a usable vector, or when the profile cannot be read
 * (the re-rank stage reports that): the rerank pipeline's hybrid retrieval.
 */
export class PersonalRetrieveStage implements RetrieveStage {
  readonly kind = "retrieve" as const;
  readonly name = "personal-retrieve";
  readonly #options: PersonalRetrieveStageOptions;

  constructor(options: PersonalRetrieveStageOptions) {
    if (!(options.personalWeight >= 0 && options.personalWeight <= 1)) throw new RangeError(`personalWeight must be in [0, 1], got ${options.personalWeight}`);
    this.#options = options;
  }

  retrieve(context: SearchContext, needs: CandidateNeeds): Promise<Retrieval> {
    const o = this.#options;
    if (context.userKey === null || o.personalWeight === 0) return o.hybrid.retrieve(context, needs);
    const { profile } = o.prefetch.start(context, true);
    const profileRead = context.diagnostics.time(`${this.name}/profile`, () => profile ?? Promise.resolve(null)).catch(() => null);
    return o.hybrid.retrieveWith(context, needs, {
      name: "personal_knn",
      weight: o.personalWeight,
      failure: { reason: "personal_knn_failed", message: "kNN on the user's interest vector failed; answered without it" },
      body: async ({ embedder, queryVector, fields, filter, depth }) => {
        const interest = (await profileRead)?.interest;
        if (!interest || interest.modelVersion !== embedder.version || interest.vector.length !== queryVector.length) return null;
        return knnSearch(interest.vector, depth, fields, filter);
      },
    });
  }
}
