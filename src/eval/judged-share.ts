import { type PipelineRun } from "./evaluation";
import { type JudgmentGroup } from "./judgment-set";

/**
 * Share of the top-k returned docs that carry a judgment, over the answered queries. A low share means
 * ndcg@k mostly measures unjudged docs (cndcg@k is then the fairer figure); zero usually means the
 * judgments and the index are about different catalogs. Undefined when nothing was returned.
 */
export function judgedShare(groups: readonly JudgmentGroup[], runs: readonly PipelineRun[], k: number): number | undefined {
  let returned = 0;
  let judged = 0;
  runs.forEach((run, i) => {
    const grades = groups[i]?.grades;
    if (run.status !== "ok" || !grades) return;
    for (const id of new Set(run.ranking.slice(0, k))) {
      returned += 1;
      if (grades.has(id)) judged += 1;
    }
  });
  return returned === 0 ? undefined : judged / returned;
}
