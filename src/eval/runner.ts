import { mapWithConcurrency } from "../shared/concurrency";
import { SearchRequestError } from "./errors";
import { type PipelineRun } from "./evaluation";
import { type JudgmentGroup } from "./judgment-set";
import { RECALL_DEPTH } from "./metrics";
import { SearchClient, type SearchClientOptions } from "./search-client";

export interface RunOptions extends SearchClientOptions {
  readonly pipelines: readonly string[];
  /** ndcg cut-off; each search asks for max(k, 100) hits so recall@100 is measurable. */
  readonly k: number;
  /** Searches in flight at once. @defaultValue 8 */
  readonly concurrency?: number;
  /** Called after every finished search (answered or failed). @defaultValue none */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs every judged query through the sidecar once per pipeline. A query that still fails after the
 * retries becomes a `failed` run carrying the reason, never an empty ranking that would score as zero.
 * @returns pipeline → runs, aligned with `groups`.
 */
export async function runSearches(groups: readonly JudgmentGroup[], options: RunOptions): Promise<Record<string, PipelineRun[]>> {
  const client = new SearchClient(options);
  const size = Math.max(options.k, RECALL_DEPTH);
  const tasks = options.pipelines.flatMap((pipeline) => groups.map((group) => ({ pipeline, group })));
  let done = 0;
  const outcomes = await mapWithConcurrency(tasks, options.concurrency ?? 8, async ({ pipeline, group }): Promise<PipelineRun> => {
    let run: PipelineRun;
    try {
      const answer = await client.search({ q: group.query, pipeline, size, ...(group.userId === undefined ? {} : { userId: group.userId }) });
      run = { status: "ok", ...answer };
    } catch (err) {
      if (!(err instanceof SearchRequestError)) throw err;
      run = { status: "failed", error: err.message };
    }
    done += 1;
    options.onProgress?.(done, tasks.length);
    return run;
  });
  const runs: Record<string, PipelineRun[]> = {};
  options.pipelines.forEach((pipeline, p) => {
    runs[pipeline] = outcomes.slice(p * groups.length, (p + 1) * groups.length);
  });
  return runs;
}
