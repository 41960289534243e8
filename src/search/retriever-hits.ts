import { type SearchHitBody, type SearchResponseBody } from "../opensearch";
import { type CandidateNeeds } from "./candidate";

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

/**
 * A retriever's hits in order, one per id: while the alias spans an old and a new index (a reindex),
 * the same id can come back from both, and the first (best) one is kept with its concrete index.
 */
export function retrieverHits(body: SearchResponseBody, needs: CandidateNeeds): RetrieverHit[] {
  const seen = new Set<string>();
  const hits: RetrieverHit[] = [];
  for (const hit of body.hits.hits) {
    if (seen.has(hit._id)) continue;
    seen.add(hit._id);
    hits.push({ id: hit._id, index: hit._index, score: hit._score ?? 0, rank: hits.length + 1, ...carried(hit, needs) });
  }
  return hits;
}

function carried(hit: SearchHitBody, needs: CandidateNeeds): { fields: Record<string, unknown>; embedding?: Float32Array } {
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
