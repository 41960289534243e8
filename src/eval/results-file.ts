import { type Evaluation, type PipelineQueryResult } from "./evaluation";
import { labelMetrics, METRIC_KEYS, type MetricKey } from "./metrics";
import { summaryLine } from "./summary";

/** How a run was made; stored with the results so a report explains itself. */
export interface EvalRunConfig {
  readonly judgments: string;
  readonly format: string;
  readonly pipeline: string;
  readonly compare?: string;
  readonly k: number;
  readonly relevantGrade: number;
  readonly minJudgments: number;
  readonly sidecarUrl: string;
  readonly seed: number;
  readonly concurrency: number;
  /** Hits requested per search: max(k, 100). */
  readonly size: number;
  readonly createdAt: string;
}

function pipelineResult(result: PipelineQueryResult, k: number): Record<string, unknown> {
  if (result.status === "failed") return { status: "failed", error: result.error };
  return {
    status: "ok",
    ...(result.degraded === undefined ? {} : { degraded: result.degraded }),
    ranking: result.ranking,
    metrics: labelMetrics(result.metrics, k),
  };
}

/**
 * The `results.json` document: config, the printed summary, full-precision means, and per query the
 * ranked doc ids each pipeline returned with their metrics, so every mean can be recomputed from it.
 */
export function buildResultsDocument(evaluation: Evaluation, config: EvalRunConfig): Record<string, unknown> {
  const { k } = evaluation;
  const comparison = evaluation.comparison;
  return {
    config,
    notes: [
      "Means are over queries with at least one grade > 0 that every pipeline answered ('scored': true).",
      "Queries with no grade >= relevantGrade score 0 on recall, mrr and map (trec_eval's convention).",
      "Differences are pipeline - compare, with 95% percentile-bootstrap intervals over queries.",
    ],
    summary: summaryLine(evaluation),
    means: Object.fromEntries(evaluation.pipelines.map((p) => [p.pipeline, p.means === undefined ? null : labelMetrics(p.means, k)])),
    excluded: {
      no_relevant: evaluation.noRelevant,
      failed: Object.fromEntries(evaluation.pipelines.map((p) => [p.pipeline, p.failed])),
    },
    degraded: Object.fromEntries(evaluation.pipelines.map((p) => [p.pipeline, p.degraded])),
    ...(comparison === undefined
      ? {}
      : {
          comparison: {
            pipeline: comparison.pipeline,
            compare: comparison.baseline,
            queries: comparison.queries,
            differences: labelMetrics(comparison.differences, k),
            worst: comparison.worst.map((r) => ({ query: r.query, user_id: r.userId ?? null, pipeline: r.candidate, compare: r.baseline, delta: r.delta })),
          },
        }),
    queries: evaluation.queries.map((q) => {
      const main = q.pipelines[comparison?.pipeline ?? ""];
      const other = q.pipelines[comparison?.baseline ?? ""];
      const delta =
        main?.status === "ok" && other?.status === "ok"
          ? labelMetrics(Object.fromEntries(METRIC_KEYS.map((key) => [key, main.metrics[key] - other.metrics[key]])) as Record<MetricKey, number>, k)
          : undefined;
      return {
        query: q.query,
        user_id: q.userId ?? null,
        judged: q.judged,
        has_relevant: q.hasRelevant,
        scored: q.scored,
        pipelines: Object.fromEntries(Object.entries(q.pipelines).map(([name, result]) => [name, pipelineResult(result, k)])),
        ...(delta === undefined ? {} : { delta }),
      };
    }),
  };
}
