import { type MultiSearchItem, type SearchResponseBody } from "../opensearch";
import { RETRIEVER_NAMES, type Candidate, type CandidateNeeds, type DocVersion, type RetrieverName } from "./candidate";

/** The vector field: large and internal, fetched only when a stage needs embeddings, never returned to callers. */
export const EMBEDDING_FIELD = "embedding";

/** One hit of one retriever, reduced to what the stages carry. */
export interface RetrieverHit {
  id: string;
  index: string;
  score: number;
  /** 1-based, after duplicates were dropped. */
  rank: number;
  /** Present when the search asked for it (`seq_no_primary_term`). */
  version?: DocVersion;
}

/** The keyword field holding a product's id: the sidecar's write path stores every document's `_id` in it too (withDocumentId). */
export const DOC_ID_FIELD = "id";

/**
 * The fields part of a retrieval search body: ids and scores only, never `_source` (the fields and
 * vectors later stages declared come from {@link CandidateDetails}, by id, behind a cache). The ids
 * come from the `id` keyword's doc values (`stored_fields: "_none_"`): reading `_id` decompresses each
 * hit's stored-fields block — the same block as `_source` — which cost more than the kNN search itself
 * for 100 hits. `storedIds` asks for `_id` the ordinary way (a document without the `id` field). With
 * `needs` to fill, each hit's version comes too (doc values as well), to key that cache.
 */
export function retrievalFields(needs: CandidateNeeds, storedIds = false): Record<string, unknown> {
  const versions = needs.fields.length > 0 || needs.embedding ? { seq_no_primary_term: true } : {};
  return storedIds ? { _source: false, ...versions } : { _source: false, stored_fields: "_none_", docvalue_fields: [DOC_ID_FIELD], ...versions };
}

/** A hit as a retrieval search answers it: no `_id` when it asked `stored_fields: "_none_"`. */
export interface RetrievalHitBody {
  _index: string;
  _id?: string;
  _score: number | null;
  _seq_no?: number;
  _primary_term?: number;
  fields?: Record<string, unknown>;
}

/** A hit that carries no id: its document has no `id` field, so the search must be repeated asking for `_id`. */
export class MissingDocIdError extends Error {}

function idOf(hit: RetrievalHitBody): string {
  if (typeof hit._id === "string") return hit._id;
  const values = hit.fields?.[DOC_ID_FIELD];
  const id: unknown = Array.isArray(values) ? values[0] : undefined;
  if (typeof id !== "string") throw new MissingDocIdError(`a hit in ${hit._index} has neither _id nor an ${DOC_ID_FIELD} doc value`);
  return id;
}

/**
 * A retriever's hits in order, one per id: while the alias spans an old and a new index (a reindex),
 * the same id can come back from both, and the first (best) one is kept with its concrete index.
 * Throws {@link MissingDocIdError} when a hit has no id.
 */
export function retrieverHits(body: { hits: { hits: readonly RetrievalHitBody[] } }): RetrieverHit[] {
  const seen = new Set<string>();
  const hits: RetrieverHit[] = [];
  for (const hit of body.hits.hits) {
    const id = idOf(hit);
    if (seen.has(id)) continue;
    seen.add(id);
    const version = hit._seq_no !== undefined && hit._primary_term !== undefined ? { version: { seqNo: hit._seq_no, primaryTerm: hit._primary_term } } : {};
    hits.push({ id, index: hit._index, score: hit._score ?? 0, rank: hits.length + 1, ...version });
  }
  return hits;
}

export function totalOf(body: SearchResponseBody): number {
  const total = body.hits.total;
  return typeof total === "number" ? total : (total?.value ?? body.hits.hits.length);
}

/** An `_msearch` item's body when that search succeeded. */
export function successful(item: MultiSearchItem | undefined): SearchResponseBody | undefined {
  return item && !item.error ? item : undefined;
}

/**
 * A candidate from what each retriever found for it (at least one), with no fields yet
 * ({@link CandidateDetails} fills them): its index and version come from the first retriever present,
 * in {@link RETRIEVER_NAMES} order (BM25's copy first: the one the total counted).
 */
export function candidateOf(score: number, rank: number, found: Partial<Record<RetrieverName, RetrieverHit | undefined>>): Candidate {
  const retrievers: Partial<Record<RetrieverName, { score: number; rank: number }>> = {};
  let carried: RetrieverHit | undefined;
  for (const name of RETRIEVER_NAMES) {
    const hit = found[name];
    if (!hit) continue;
    carried ??= hit;
    retrievers[name] = { score: hit.score, rank: hit.rank };
  }
  if (!carried) throw new TypeError("a candidate needs at least one retriever's hit");
  return {
    id: carried.id,
    index: carried.index,
    score,
    rank,
    retrievers,
    fields: {},
    ...(carried.version ? { version: carried.version } : {}),
  };
}
