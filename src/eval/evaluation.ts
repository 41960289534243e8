import { compareMetrics, type MetricDifference } from "./compare";
import { type JudgmentGroup } from "./judgment-set";
import { hasRelevant, meanMetrics, scoreRanking, type MetricKey, type QueryMetrics } from "./metrics";

/** What the sidecar gave back for one query and pipeline. */
export type PipelineRun =
  /** `degraded`: the sidecar's reason for answering with a simpler pipeline (`rerank.degraded`). */
  | { readonly status: "ok"; readonly ranking: readonly string[]; readonly degraded?: string }
  | { readonly status: "failed"; readonly error: string };

export type PipelineQueryResult =
  | { readonly status: "ok"; readonly ranking: readonly string[]; readonly degraded?: string; readonly metrics: QueryMetrics }
  | { readonly status: "failed"; readonly error: string };

export interface QueryResult {
  readonly query: string;
  readonly userId?: string;
  /** Number of judged docs for the query. */
  readonly judged: number;
  readonly hasRelevant: boolean;
  /** Counted in the means: has a doc with grade > 0 and every evaluated pipeline answered it. */
  readonly scored: boolean;
  readonly pipelines: Readonly<Record<string, PipelineQueryResult>>;
}

export interface PipelineSummary {
  readonly pipeline: string;
  /** Queries counted in the means. */
  readonly queries: number;
  /** Queries this pipeline failed to answer after retries. */
  readonly failed: number;
  /** Queries the sidecar answered with a fallback pipeline (still scored: that is what users got). */
  readonly degraded: number;
  /** Means over the scored queries; undefined when none was scored. */
  readonly means: QueryMetrics | undefined;
}

export interface Regression {
  readonly query: string;
  readonly userId?: string;
  /** ndcg@k of the candidate (`--pipeline`) and the baseline (`--compare`). */
  readonly candidate: number;
  readonly baseline: number;
  readonly delta: number;
}

export interface Comparison {
  /** The candidate, `--pipeline`; differences are candidate − baseline. */
  readonly pipeline: string;
  /** The baseline, `--compare`. */
  readonly baseline: string;
  readonly queries: number;
  readonly differences: Readonly<Record<MetricKey, MetricDifference>>;
  /** Queries where ndcg@k dropped the most, worst first (only drops). */
  readonly worst: readonly Regression[];
}

export interface Evaluation {
  readonly k: number;
  readonly relevantGrade: number;
  /** The `--pipeline` summary first, then the `--compare` one if any. */
  readonly pipelines: readonly PipelineSummary[];
  readonly queries: readonly QueryResult[];
  /** Queries with no grade > 0: reported per query but left out of every mean. */
  readonly noRelevant: number;
  readonly comparison?: Comparison;
}

export interface EvaluateOptions {
  readonly k: number;
  /** @defaultValue 1 */
  readonly relevantGrade?: number;
  /** The candidate pipeline; `runs` must hold it. */
  readonly pipeline: string;
  /** The baseline pipeline for a paired comparison. @defaultValue none */
  readonly compare?: string;
  /** Bootstrap seed. @defaultValue 42 */
  readonly seed?: number;
  /** How many worst regressions to list. @defaultValue 10 */
  readonly worst?: number;
}

/**
 * Scores the rankings of every group and summarises them. Pure: the runner fetches the rankings,
 * this only does arithmetic, so results.json can be re-scored to the same numbers.
 * `runs[pipeline][i]` belongs to `groups[i]`.
 */
export function evaluate(
  groups: readonly JudgmentGroup[],
  runs: Readonly<Record<string, readonly PipelineRun[]>>,
  options: EvaluateOptions,
): Evaluation {
  const relevantGrade = options.relevantGrade ?? 1;
  const names = options.compare === undefined ? [options.pipeline] : [options.pipeline, options.compare];
  for (const name of names) {
    if (runs[name]?.length !== groups.length) throw new RangeError(`runs for pipeline "${name}" must cover all ${groups.length} queries`);
  }

  const queries: QueryResult[] = groups.map((group, i) => {
    const pipelines: Record<string, PipelineQueryResult> = {};
    for (const name of names) {
      const run = runs[name]?.[i];
      if (!run || run.status === "failed") pipelines[name] = { status: "failed", error: run?.error ?? "not run" };
      else pipelines[name] = { ...run, metrics: scoreRanking(run.ranking, group.grades, { k: options.k, relevantGrade }) };
    }
    const relevant = hasRelevant(group.grades);
    const scored = relevant && names.every((name) => pipelines[name]?.status === "ok");
    const base = { query: group.query, judged: group.grades.size, hasRelevant: relevant, scored, pipelines };
    return group.userId === undefined ? base : { ...base, userId: group.userId };
  });

  const scoredQueries = queries.filter((q) => q.scored);
  const metricsOf = (name: string): QueryMetrics[] =>
    scoredQueries.map((q) => {
      const result = q.pipelines[name];
      if (result?.status !== "ok") throw new Error("unreachable: scored queries have results for every pipeline");
      return result.metrics;
    });
  const pipelines: PipelineSummary[] = names.map((name) => ({
    pipeline: name,
    queries: scoredQueries.length,
    failed: queries.filter((q) => q.pipelines[name]?.status === "failed").length,
    degraded: queries.filter((q) => {
      const result = q.pipelines[name];
      return result?.status === "ok" && result.degraded !== undefined;
    }).length,
    means: meanMetrics(metricsOf(name)),
  }));

  const evaluation: Evaluation = {
    k: options.k,
    relevantGrade,
    pipelines,
    queries,
    noRelevant: queries.filter((q) => !q.hasRelevant).length,
  };
  if (options.compare === undefined) return evaluation;

  const candidate = metricsOf(options.pipeline);
  const baseline = metricsOf(options.compare);
  const worst: Regression[] = scoredQueries
    .map((q, i) => {
      const c = candidate[i]?.ndcg ?? 0;
      const b = baseline[i]?.ndcg ?? 0;
      const regression = { query: q.query, candidate: c, baseline: b, delta: c - b };
      return q.userId === undefined ? regression : { ...regression, userId: q.userId };
    })
    .filter((r) => r.delta < 0)
    .sort((a, b) => a.delta - b.delta)
    .slice(0, options.worst ?? 10);
  return {
    ...evaluation,
    comparison: {
      pipeline: options.pipeline,
      baseline: options.compare,
      queries: scoredQueries.length,
      differences: compareMetrics(candidate, baseline, { seed: options.seed }),
      worst,
    },
  };
}
