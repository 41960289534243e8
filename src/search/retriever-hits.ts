import { type MultiSearchItem, type SearchResponseBody } from "../opensearch";
import { type Candidate, type CandidateNeeds, type RetrieverName } from "./candidate";

/** The vector field: large and internal, fetched only when a stage needs embeddings, never returned to callers. */
export const EMBEDDING_FIELD = "embedding";

/** One hit of one retriever, reduced to what the stages carry. */
export interface RetrieverHit {
  id: string;
  index: string;
  score: number;
  /** 1-based, after duplicates were dropped. */
  rank: number;
  fields: Record<string, unknown>;
  embedding?: Float32Array;
}

/**
 * The `_source` part of a retrieval search: nothing (ids and scores only) unless later stages
 * declared fields or embeddings.
 */
export function sourceFilter(needs: CandidateNeeds): false | { includes: string[] } {
  const includes = [...needs.fields.filter((f) => f !== EMBEDDING_FIELD), ...(needs.embedding ? [EMBEDDING_FIELD] : [])];
  return includes.length > 0 ? { includes } : false;
}

/** The keyword field holding a product's id: the sidecar's write path stores every document's `_id` in it too (withDocumentId). */
export const DOC_ID_FIELD = "id";

/**
 * The fields part of a retrieval search body. With no source field needed, the ids come from the `id`
 * keyword's doc values (`stored_fields: "_none_"`): reading `_id` decompresses each hit's stored-fields
 * block — the same block as `_source` — which cost more than the kNN search itself for 100 hits.
 * `storedIds` asks for `_id` the ordinary way (a document without the `id` field).
 */
export function retrievalFields(needs: CandidateNeeds, storedIds = false): Record<string, unknown> {
  const source = sourceFilter(needs);
  return source === false && !storedIds ? { _source: false, stored_fields: "_none_", docvalue_fields: [DOC_ID_FIELD] } : { _source: source };
}

/** A hit as a retrieval search answers it: no `_id` when it asked `stored_fields: "_none_"`. */
export interface RetrievalHitBody {
  _index: string;
  _id?: string;
  _score: number | null;
  _source?: Record<string, unknown>;
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
export function retrieverHits(body: { hits: { hits: readonly RetrievalHitBody[] } }, needs: CandidateNeeds): RetrieverHit[] {
  const seen = new Set<string>();
  const hits: RetrieverHit[] = [];
  for (const hit of body.hits.hits) {
    const id = idOf(hit);
    if (seen.has(id)) continue;
    seen.add(id);
    hits.push({ id, index: hit._index, score: hit._score ?? 0, rank: hits.length + 1, ...carried(hit, needs) });
  }
  return hits;
}

function carried(hit: RetrievalHitBody, needs: CandidateNeeds): { fields: Record<string, unknown>; embedding?: Float32Array } {
  const source = hit._source ?? {};
  const fields: Record<string, unknown> = {};
  for (const field of needs.fields) if (field !== EMBEDDING_FIELD && source[field] !== undefined) fields[field] = source[field];
  const vector = needs.embedding ? source[EMBEDDING_FIELD] : undefined;
  return Array.isArray(vector) ? { fields, embedding: Float32Array.from(vector as number[]) } : { fields };
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
 * A candidate from what each retriever found for it (at least one): its index, fields and embedding
 * come from the first retriever present, in the order given (BM25's copy first: the one the total counted).
 */
export function candidateOf(score: number, rank: number, found: Partial<Record<RetrieverName, RetrieverHit | undefined>>): Candidate {
  const retrievers: Partial<Record<RetrieverName, { score: number; rank: number }>> = {};
  let carried: RetrieverHit | undefined;
  for (const [name, hit] of Object.entries(found) as [RetrieverName, RetrieverHit | undefined][]) {
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
    fields: carried.fields,
    ...(carried.embedding ? { embedding: carried.embedding } : {}),
  };
}
