import { type UserProfile } from "../../profiles";
import { bm25Query, filterClauses } from "../bm25-query";
import { type CandidateNeeds } from "../candidate";
import { fuseCandidates, normalizedScores } from "../fusion";
import { fusionOptionsFor, type HybridRetrieveStageOptions } from "../hybrid-retrieve-stage";
import { knnSearch } from "../knn-search";
import { type QueryEmbedder } from "../query-embedder";
import { candidateOf, MissingDocIdError, retrievalFields, retrieverHits, successful, totalOf, type RetrieverHit } from "../retriever-hits";
import { type SearchContext } from "../search-context";
import { type Retrieval, type RetrieveStage } from "../search-stage";
import { type BehaviourPrefetch } from "./behaviour-prefetch";

export interface PersonalRetrieveStageOptions extends HybridRetrieveStageOptions {
  /** What `personal` falls back to (no user, no usable interest vector): the rerank pipeline's hybrid retrieval. */
  fallback: RetrieveStage;
  /** The search's profile read (started here unless the re-rank stage started it), shared with the re-rank stage. */
  prefetch: BehaviourPrefetch;
  /** Weight of the interest-vector kNN in the fusion (minmax: of its normalized score; rrf: of its reciprocal rank). */
  personalWeight: number;
}

/**
 * `personal` retrieval: BM25, kNN on the query vector and kNN on the user's interest vector (with the
 * query's filters) in ONE `_msearch`, fused — so items the query words miss can enter the candidates.
 * The profile is read (for the interest vector) while the query is embedded; the re-rank stage reuses it.
 * The interest vector is used only when it was made by the serving embedding model. Without a user,
 * a profile or a usable vector, or when the profile cannot be read: the rerank pipeline's retrieval.
 */
export class PersonalRetrieveStage implements RetrieveStage {
  readonly kind = "retrieve" as const;
  readonly name = "personal-retrieve";
  readonly #options: PersonalRetrieveStageOptions;

  constructor(options: PersonalRetrieveStageOptions) {
    if (!(options.personalWeight >= 0 && options.personalWeight <= 1)) throw new RangeError(`personalWeight must be in [0, 1], got ${options.personalWeight}`);
    this.#options = options;
  }

  async retrieve(context: SearchContext, needs: CandidateNeeds): Promise<Retrieval> {
    const o = this.#options;
    const embedder = o.queryEmbedder();
    if (context.userKey === null || !embedder || o.personalWeight === 0) return o.fallback.retrieve(context, needs);
    // The profile (for the interest vector) and the query vector are read at the same time.
    const { profile: started } = o.prefetch.start(context, true);
    const profileRead = context.diagnostics.time(`${this.name}/profile`, () => started ?? Promise.resolve(null));
    const vectorRead = o.queryVectors.vectorFor(embedder, context.request.q);
    vectorRead.catch(() => undefined);
    let profile: UserProfile | null;
    try {
      profile = await profileRead;
    } catch {
      // The re-rank stage reports Redis trouble; retrieval goes on without the profile.
      return o.fallback.retrieve(context, needs);
    }
    const interest = profile?.interest;
    if (!interest || interest.modelVersion !== embedder.version) return o.fallback.retrieve(context, needs);

    let vector: Float32Array;
    try {
      vector = await vectorRead;
    } catch {
      return o.fallback.retrieve(context, needs);
    }
    if (interest.vector.length !== vector.length) return o.fallback.retrieve(context, needs);
    context.queryVector = { vector, model: embedder.name, version: embedder.version };
    try {
      return await this.#retrieveFused(context, needs, embedder, vector, interest.vector, false);
    } catch (err) {
      if (err instanceof MissingDocIdError) return this.#retrieveFused(context, needs, embedder, vector, interest.vector, true);
      throw err;
    }
  }

  async #retrieveFused(context: SearchContext, needs: CandidateNeeds, embedder: QueryEmbedder, vector: Float32Array, interest: Float32Array, storedIds: boolean): Promise<Retrieval> {
    const o = this.#options;
    const { request, deadline, diagnostics } = context;
    const depth = o.hybrid.candidates;
    const filter = filterClauses(request.filters);
    const fields = retrievalFields(needs, storedIds);
    const searches = [{ query: bm25Query(request.q, request.filters), size: depth, ...fields }, knnSearch(vector, depth, fields, filter), knnSearch(interest, depth, fields, filter)];
    const [lexical, semantic, personal] = await diagnostics.time(`${this.name}/search`, () =>
      o.gateway.msearch(embedder.index ?? o.productsAlias, searches, { timeoutMs: deadline.callTimeoutMs(o.opensearchTimeoutMs), retries: 0 }),
    );
    const lexicalBody = successful(lexical);
    // Let the plain hybrid stage raise (or degrade) exactly as it does for BM25 failures.
    if (!lexicalBody) return o.fallback.retrieve(context, needs);
    const semanticBody = successful(semantic);
    const personalBody = successful(personal);
    // Hits first: a hit without an id throws before anything is noted, and the search is repeated asking for `_id`.
    const bm25 = retrieverHits(lexicalBody);
    const query = semanticBody ? retrieverHits(semanticBody) : [];
    const mine = personalBody ? retrieverHits(personalBody) : [];
    if (semanticBody) context.embeddings = { model: embedder.name, version: embedder.version };
    else diagnostics.degrade(this.name, "knn_failed", "kNN retrieval failed; answered with bm25 and the personal kNN");
    if (!personalBody) diagnostics.degrade(this.name, "personal_knn_failed", "kNN on the user's interest vector failed; answered without it");

    const fusion = fusionOptionsFor(o.hybrid, request);
    const fused = fuseCandidates(bm25, query, fusion);
    const personalPart = normalizedScores(mine, fusion);
    const scores = new Map(fused.map((f) => [f.id, f.score]));
    for (const [id, s] of personalPart) scores.set(id, (scores.get(id) ?? 0) + o.personalWeight * s);
    const byId = (hits: RetrieverHit[]) => new Map(hits.map((h) => [h.id, h]));
    const [bm25ById, queryById, mineById] = [byId(bm25), byId(query), byId(mine)];
    const order = [...scores.entries()].sort((a, b) => b[1] - a[1] || (bm25ById.get(b[0])?.score ?? -1) - (bm25ById.get(a[0])?.score ?? -1) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const found = order.map(([id, score], i) => candidateOf(score, i + 1, { bm25: bm25ById.get(id), knn: queryById.get(id), personal_knn: mineById.get(id) }));
    const candidates = await diagnostics.time(`${this.name}/details`, () => o.details.fill(found, needs, deadline.callTimeoutMs(o.opensearchTimeoutMs)));
    return { candidates, total: Math.max(totalOf(lexicalBody), candidates.length), retrievers: ["bm25", "knn", "personal_knn"] };
  }
}
