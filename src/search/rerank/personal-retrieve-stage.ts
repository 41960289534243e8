import { type InterestVector } from "../../profiles";
import { type CandidateNeeds } from "../candidate";
import { type HybridRetrieveStage } from "../hybrid-retrieve-stage";
import { knnSearch } from "../knn-search";
import { type QueryEmbedder } from "../query-embedder";
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
 * query's filters), fused — so items the query words miss can enter the candidates. All three go in one
 * `_msearch` at once when this process has read the user's profile before: the interest-vector kNN then
 * uses that vector, and is kept only if the profile read of this search (started when it started,
 * running beside the searches) has the very same vector; otherwise it is searched again with the
 * fresh one. The interest vector is used only when it was made by the serving embedding model. Without
 * a user, a profile or a usable vector, or when the profile cannot be read (the re-rank stage reports
 * that): the rerank pipeline's hybrid retrieval.
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
    const userKey = context.userKey;
    if (userKey === null || o.personalWeight === 0) return o.hybrid.retrieve(context, needs);
    const { profile } = o.prefetch.start(context, true);
    const profileRead = context.diagnostics.time(`${this.name}/profile`, () => profile ?? Promise.resolve(null)).catch(() => null);
    let searchedEarly: Float32Array | null = null;
    return o.hybrid.retrieveWith(context, needs, {
      name: "personal_knn",
      weight: o.personalWeight,
      failure: { reason: "personal_knn_failed", message: "kNN on the user's interest vector failed; answered without it" },
      // The vector of the profile as last read here: searched at once, kept only if the fresh read has the same one.
      early: ({ embedder, queryVector, fields, filter, depth }) => {
        const last = o.prefetch.lastReadInterest(userKey);
        if (!usable(last, embedder, queryVector)) return null;
        searchedEarly = last.vector;
        return knnSearch(last.vector, depth, fields, filter);
      },
      final: async ({ embedder, queryVector, fields, filter, depth }) => {
        const interest = (await profileRead)?.interest ?? null;
        if (!usable(interest, embedder, queryVector)) return null;
        if (searchedEarly && sameVector(searchedEarly, interest.vector)) return "early";
        return knnSearch(interest.vector, depth, fields, filter);
      },
    });
  }
}

/** An interest vector made by the serving embedding model, of the query vector's dimension. */
function usable(interest: InterestVector | null, embedder: QueryEmbedder, queryVector: Float32Array): interest is InterestVector {
  return interest !== null && interest.modelVersion === embedder.version && interest.vector.length === queryVector.length;
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
