/**
 * List metrics with the relevance lab's conventions (src/eval): gain 2^grade − 1, discount
 * log2(rank + 1), the ideal ranking from the list's own grades; a candidate is relevant for MRR when
 * its grade is ≥ `relevantGrade`. `order` holds candidate indices, best first.
 */
export function ndcgAt(order: readonly number[], labels: readonly number[], k: number): number {
  let dcg = 0;
  for (let rank = 0; rank < Math.min(k, order.length); rank++) dcg += gain(labels[order[rank] as number]) / Math.log2(rank + 2);
  const ideal = labels.map(gain).sort((a, b) => b - a);
  let idcg = 0;
  for (let rank = 0; rank < Math.min(k, ideal.length); rank++) idcg += (ideal[rank] as number) / Math.log2(rank + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

export function reciprocalRank(order: readonly number[], labels: readonly number[], relevantGrade = 1): number {
  for (let rank = 0; rank < order.length; rank++) if ((labels[order[rank] as number] ?? 0) >= relevantGrade) return 1 / (rank + 1);
  return 0;
}

function gain(grade: number | undefined): number {
  return grade !== undefined && grade > 0 ? 2 ** grade - 1 : 0;
}

export interface ListMetrics {
  "ndcg@10": number;
  mrr: number;
  lists: number;
}

/** Means over lists with at least one grade > 0 (the others cannot be ranked better or worse). */
export function meanListMetrics(orders: readonly (readonly number[])[], labels: readonly (readonly number[])[], relevantGrade = 1): ListMetrics {
  let ndcg = 0;
  let mrr = 0;
  let lists = 0;
  orders.forEach((order, i) => {
    const grades = labels[i] as readonly number[];
    if (!grades.some((g) => g > 0)) return;
    ndcg += ndcgAt(order, grades, 10);
    mrr += reciprocalRank(order, grades, relevantGrade);
    lists++;
  });
  return { "ndcg@10": lists > 0 ? ndcg / lists : 0, mrr: lists > 0 ? mrr / lists : 0, lists };
}
