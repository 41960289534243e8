/**
 * Exact top-k by dot product over unit vectors (= cosine), and recall@k against a set of relevant
 * ids. Brute force is fine for validation: 500 queries × 55k products × 64 dims is about a second.
 */
export function topK(query: Float32Array, matrix: Float32Array, count: number, k: number): number[] {
  const d = query.length;
  const bestIndex: number[] = [];
  const bestScore: number[] = [];
  for (let row = 0; row < count; row++) {
    let score = 0;
    const base = row * d;
    for (let j = 0; j < d; j++) score += (query[j] as number) * (matrix[base + j] as number);
    if (bestScore.length === k && score <= (bestScore[k - 1] as number)) continue;
    let at = bestScore.length;
    while (at > 0 && (bestScore[at - 1] as number) < score) at--;
    bestScore.splice(at, 0, score);
    bestIndex.splice(at, 0, row);
    if (bestScore.length > k) {
      bestScore.pop();
      bestIndex.pop();
    }
  }
  return bestIndex;
}

/** Share of `relevant` found among `retrieved`. */
export function recall(retrieved: readonly string[], relevant: ReadonlySet<string>): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  for (const id of retrieved) if (relevant.has(id)) found++;
  return found / relevant.size;
}

/** Packs equal-length vectors into one row-major matrix. */
export function stack(vectors: readonly Float32Array[], dimension: number): Float32Array {
  const out = new Float32Array(vectors.length * dimension);
  vectors.forEach((vector, i) => out.set(vector, i * dimension));
  return out;
}
