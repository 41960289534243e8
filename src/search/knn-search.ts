/**
 * One kNN search of a retrieval `_msearch`: the `depth` nearest documents to `vector` on the embedding
 * field, within the request's filter clauses (from `filterClauses`, the same BM25 sees), no total counted.
 */
export function knnSearch(vector: Float32Array, depth: number, fields: Record<string, unknown>, filter: readonly Record<string, unknown>[]): Record<string, unknown> {
  const within = filter.length > 0 ? { filter: { bool: { filter } } } : {};
  return { size: depth, ...fields, track_total_hits: false, query: { knn: { embedding: { vector: Array.from(vector), k: depth, ...within } } } };
}
