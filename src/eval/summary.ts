import { type Evaluation, type PipelineSummary } from "./evaluation";
import { labelMetrics, METRIC_KEYS, metricLabel, type QueryMetrics } from "./metrics";

/** Printed figures are rounded for reading; results.json keeps full precision. */
const round = (value: number): number => Math.round(value * 1e4) / 1e4;

function pipelineFigures(summary: PipelineSummary, k: number): Record<string, unknown> {
  const means: QueryMetrics | undefined = summary.means;
  const figures: Record<string, unknown> = {
    pipeline: summary.pipeline,
    queries: summary.queries,
    ...labelMetrics(
      Object.fromEntries(METRIC_KEYS.map((key) => [key, means === undefined ? null : round(means[key])])) as Record<keyof QueryMetrics, number | null>,
      k,
    ),
  };
  if (summary.failed > 0) figures.failed = summary.failed;
  if (summary.degraded > 0) figures.degraded = summary.degraded;
  return figures;
}

/**
 * The contract's last stdout line (CONTRACTS §4): `{"pipeline","queries","ndcg@k","cndcg@k","recall@100","mrr"}`
 * then `map` and, only when non-zero, `failed` and `degraded` (answered by a fallback pipeline). With a comparison, the baseline's figures go under
 * `compare` and the paired differences (candidate − baseline) under `diff`.
 */
export function summaryLine(evaluation: Evaluation): Record<string, unknown> {
  const [main, other] = evaluation.pipelines;
  if (!main) throw new RangeError("an evaluation has at least one pipeline");
  const line = pipelineFigures(main, evaluation.k);
  const comparison = evaluation.comparison;
  if (!other || !comparison) return line;
  line.compare = pipelineFigures(other, evaluation.k);
  line.diff = Object.fromEntries(
    METRIC_KEYS.map((key) => {
      const d = comparison.differences[key];
      return [
        metricLabel(key, evaluation.k),
        { mean: round(d.mean), ci95: d.ci95 === undefined ? null : d.ci95.map(round), win: d.wins, tie: d.ties, loss: d.losses },
      ];
    }),
  );
  return line;
}
