/** Per-query metric values; keys are stable, labels with the cut-off (`ndcg@10`) come from `metricLabel`. */
export interface QueryMetrics {
  readonly ndcg: number;
  readonly cndcg: number;
  readonly recall: number;
  readonly mrr: number;
  readonly map: number;
}

export type MetricKey = keyof QueryMetrics;

/** Order of the metrics in every output (the contract's order, then the extras). */
export const METRIC_KEYS: readonly MetricKey[] = ["ndcg", "cndcg", "recall", "mrr", "map"];

/** Depth of `recall@100`; fixed by the contract, independent of `k`. */
export const RECALL_DEPTH = 100;

export interface MetricOptions {
  /** Cut-off for ndcg and cndcg. */
  readonly k: number;
  /** Smallest grade counted as relevant by recall, mrr and map. @defaultValue 1 */
  readonly relevantGrade?: number;
}

export function metricLabel(key: MetricKey, k: number): string {
  switch (key) {
    case "ndcg":
      return `ndcg@${k}`;
    case "cndcg":
      return `cndcg@${k}`;
    case "recall":
      return `recall@${RECALL_DEPTH}`;
    case "mrr":
    case "map":
      return key;
  }
}

/** Metrics keyed by their output labels, in output order. */
export function labelMetrics<T>(values: Readonly<Record<MetricKey, T>>, k: number): Record<string, T> {
  return Object.fromEntries(METRIC_KEYS.map((key) => [metricLabel(key, k), values[key]]));
}

/** A query counts in the means only if it has something to find (CONTRACTS §4: some grade > 0). */
export function hasRelevant(grades: ReadonlyMap<string, number>): boolean {
  for (const grade of grades.values()) if (grade > 0) return true;
  return false;
}

/** Keeps the first occurrence of each doc id, as trec_eval does, so a repeated doc cannot earn gain twice. */
function firstOccurrences(ranking: readonly string[]): string[] {
  return [...new Set(ranking)];
}

function dcg(grades: readonly number[], k: number): number {
  let sum = 0;
  grades.slice(0, k).forEach((grade, i) => {
    sum += (2 ** grade - 1) / Math.log2(i + 2);
  });
  return sum;
}

function ndcg(ranked: readonly string[], grades: ReadonlyMap<string, number>, idealDcg: number, k: number): number {
  if (idealDcg === 0) return 0;
  return dcg(ranked.map((id) => grades.get(id) ?? 0), k) / idealDcg;
}

/**
 * Scores one ranking against one query's judgments. Rank order is the order given (the sidecar's order);
 * scores are not re-sorted. mrr and map look at the whole ranking, recall at its first 100 docs.
 * Queries with no doc at `relevantGrade` or above get recall, mrr and map of 0 (trec_eval's convention).
 */
export function scoreRanking(ranking: readonly string[], grades: ReadonlyMap<string, number>, options: MetricOptions): QueryMetrics {
  const { k } = options;
  const relevantGrade = options.relevantGrade ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const ranked = firstOccurrences(ranking);
  const idealDcg = dcg([...grades.values()].sort((a, b) => b - a), k);
  const isRelevant = (id: string): boolean => (grades.get(id) ?? 0) >= relevantGrade;
  let relevantTotal = 0;
  for (const grade of grades.values()) if (grade >= relevantGrade) relevantTotal += 1;

  let firstRelevantRank = 0;
  let found = 0;
  let precisionSum = 0;
  let foundInRecallDepth = 0;
  ranked.forEach((id, i) => {
    if (!isRelevant(id)) return;
    found += 1;
    precisionSum += found / (i + 1);
    if (firstRelevantRank === 0) firstRelevantRank = i + 1;
    if (i < RECALL_DEPTH) foundInRecallDepth += 1;
  });

  return {
    ndcg: ndcg(ranked, grades, idealDcg, k),
    cndcg: ndcg(
      ranked.filter((id) => grades.has(id)),
      grades,
      idealDcg,
      k,
    ),
    recall: relevantTotal === 0 ? 0 : foundInRecallDepth / relevantTotal,
    mrr: firstRelevantRank === 0 ? 0 : 1 / firstRelevantRank,
    map: relevantTotal === 0 ? 0 : precisionSum / relevantTotal,
  };
}

/** Arithmetic mean of each metric; undefined for an empty list (nothing to average). */
export function meanMetrics(values: readonly QueryMetrics[]): QueryMetrics | undefined {
  if (values.length === 0) return undefined;
  const mean = (key: MetricKey): number => values.reduce((sum, m) => sum + m[key], 0) / values.length;
  return { ndcg: mean("ndcg"), cndcg: mean("cndcg"), recall: mean("recall"), mrr: mean("mrr"), map: mean("map") };
}
