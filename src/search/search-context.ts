import { Deadline } from "./deadline";
import { type SearchRequest } from "./search-request";
import { StageDiagnostics } from "./stage-diagnostics";

/** A query vector and the model that computed it. */
export interface QueryVector {
  readonly vector: Float32Array;
  readonly model: string;
  readonly version: string;
}

/**
 * Everything the stages of one search share. Built by the SearchService per request; stages read the
 * request and the deadline and fill in what they computed (the query vector, the embeddings used).
 */
export interface SearchContext {
  /** The validated request (paging limits already checked). */
  readonly request: SearchRequest;
  /** Every OpenSearch, Redis and model call takes its timeout from what is left of this. */
  readonly deadline: Deadline;
  /** HMAC pseudonym of `request.user_id` (src/events Pseudonymizer); null without a user or without PSEUDONYM_KEY. */
  readonly userKey: string | null;
  /** The query's vector once a stage computed it (cached per model version); null before or without a model. */
  queryVector: QueryVector | null;
  /** The embedding model whose vector retrieved kNN candidates — the answer's `embeddings`; null when kNN took no part. */
  embeddings: { readonly model: string; readonly version: string } | null;
  readonly diagnostics: StageDiagnostics;
}

/** What a search needs of src/events' Pseudonymizer. */
export interface UserPseudonymizer {
  userKey(userId: string): string;
}

/** The context of one search about to run: its deadline starts now; `userKey` is the user's pseudonym when there is a user and a pseudonymizer. */
export function newSearchContext(request: SearchRequest, deadlineMs: number, pseudonymizer: UserPseudonymizer | undefined): SearchContext {
  return {
    request,
    deadline: new Deadline(deadlineMs),
    userKey: request.user_id !== undefined && pseudonymizer ? pseudonymizer.userKey(request.user_id) : null,
    queryVector: null,
    embeddings: null,
    diagnostics: new StageDiagnostics(),
  };
}
