import { Command, InvalidArgumentError, Option } from "commander";
import { Presets, SingleBar } from "cli-progress";
import { readConnectionSettings } from "../../config/connection-settings";
import { redactUrlCredentials } from "../../config/log-redaction";
import {
  JUDGMENT_FORMATS,
  RECALL_DEPTH,
  evaluate,
  filterByMinJudgments,
  judgedShare,
  readJudgments,
  runSearches,
  summaryLine,
  withoutSyntheticJudgments,
  writeReport,
  type JudgmentFormat,
  type PipelineRun,
} from "../../eval";
import { note, positiveInt, positiveNumber } from "../output";

interface EvalOptions {
  judgments: string;
  pipeline: string;
  k: number;
  relevantGrade: number;
  out?: string;
  compare?: string;
  minJudgments: number;
  concurrency: number;
  sidecarUrl?: string;
  seed: number;
  format?: JudgmentFormat;
  timeoutMs: number;
  includeSynthetic?: boolean;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

/** A bar only for a person watching: never when stdout is piped, so scripts see just the summary line. */
function progressReporter(): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stdout.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: "searching [{bar}] {value}/{total} {eta_formatted}", hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update: (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function failedEverywhere(runs: readonly PipelineRun[]): string | undefined {
  const first = runs[0];
  if (first?.status !== "failed" || runs.some((r) => r.status === "ok")) return undefined;
  return first.error;
}

async function runEval(options: EvalOptions): Promise<void> {
  if (options.compare !== undefined && options.compare === options.pipeline) {
    throw new Error(`--compare must name a different pipeline than --pipeline (both are "${options.pipeline}")`);
  }
  // The flag wins over SIDECAR_URL; SIDECAR_API_KEY has no flag (a key on the command line would show in `ps`).
  const connections = readConnectionSettings();
  const sidecarUrl = options.sidecarUrl ?? connections.sidecarUrl;
  const judgments = await readJudgments(options.judgments, options.format);
  note(`read ${judgments.rows} judgments in ${judgments.groups.length} query groups from ${judgments.source} (${judgments.format})`);
  if (judgments.duplicates > 0) note(`${judgments.duplicates} duplicate judgment(s); the later row of each was kept`);
  for (const warning of judgments.warnings.slice(0, 5)) note(`  ${warning}`);
  if (judgments.warnings.length > 5) note(`  … and ${judgments.warnings.length - 5} more warnings`);

  // Synthetic judgment rows are never scored as real unless asked (README "Synthetic data", provenance).
  const real = options.includeSynthetic ? { groups: [...judgments.groups], rows: 0 } : withoutSyntheticJudgments(judgments.groups);
  if (real.rows > 0) note(`left out ${real.rows} synthetic judgment rows (--include-synthetic scores them)`);
  const groups = filterByMinJudgments(real.groups, options.minJudgments);
  if (groups.length === 0) throw new Error(`no query group has at least ${options.minJudgments} judgments`);
  if (groups.length < judgments.groups.length) {
    note(`kept ${groups.length} query groups with at least ${options.minJudgments} judgments`);
  }

  const pipelines = options.compare === undefined ? [options.pipeline] : [options.pipeline, options.compare];
  const progress = progressReporter();
  let runs: Record<string, PipelineRun[]>;
  try {
    runs = await runSearches(groups, {
      sidecarUrl,
      apiKey: connections.sidecarApiKey,
      pipelines,
      k: options.k,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  for (const pipeline of pipelines) {
    const reason = failedEverywhere(runs[pipeline] ?? []);
    if (reason !== undefined) throw new Error(`every search with pipeline "${pipeline}" failed: ${reason}`);
    const share = judgedShare(groups, runs[pipeline] ?? [], options.k);
    if (share === undefined) continue;
    note(`${pipeline}: ${(share * 100).toFixed(1)}% of the top-${options.k} results are judged`);
    if (share === 0) note(`warning: no result of "${pipeline}" is judged; do the judgments describe the indexed catalog?`);
  }

  const evaluation = evaluate(groups, runs, {
    k: options.k,
    relevantGrade: options.relevantGrade,
    pipeline: options.pipeline,
    compare: options.compare,
    seed: options.seed,
  });
  for (const summary of evaluation.pipelines) {
    if (summary.failed === 0) continue;
    note(`${summary.failed} queries failed with pipeline "${summary.pipeline}" and are left out of the means:`);
    const failures = evaluation.queries.flatMap((q) => {
      const r = q.pipelines[summary.pipeline];
      return r?.status === "failed" ? [`  ${JSON.stringify(q.query)}: ${r.error}`] : [];
    });
    failures.slice(0, 10).forEach(note);
    if (failures.length > 10) note(`  … and ${failures.length - 10} more (see results.json)`);
  }
  for (const summary of evaluation.pipelines) {
    if (summary.degraded === 0) continue;
    const first = evaluation.queries
      .map((q) => q.pipelines[summary.pipeline])
      .find((r) => r?.status === "ok" && r.degraded !== undefined);
    const reason = first?.status === "ok" ? first.degraded : "";
    note(`warning: ${summary.degraded} queries of pipeline "${summary.pipeline}" were answered degraded (${reason})`);
  }
  if (evaluation.noRelevant > 0) note(`${evaluation.noRelevant} queries have no grade > 0 and are left out of the means`);

  if (options.out !== undefined) {
    const written = await writeReport(options.out, evaluation, {
      judgments: options.judgments,
      format: judgments.format,
      pipeline: options.pipeline,
      ...(options.compare === undefined ? {} : { compare: options.compare }),
      k: options.k,
      relevantGrade: options.relevantGrade,
      minJudgments: options.minJudgments,
      sidecarUrl: redactUrlCredentials(sidecarUrl),
      seed: options.seed,
      concurrency: options.concurrency,
      size: Math.max(options.k, RECALL_DEPTH),
      createdAt: new Date().toISOString(),
    });
    note(`wrote ${written.results} and ${written.report}`);
  }
  process.stdout.write(`${JSON.stringify({ ...summaryLine(evaluation), ...(real.rows > 0 ? { synthetic_excluded: real.rows } : {}) })}\n`);
}

/** `relevance eval`: runs every judged query through the running sidecar and scores it (CONTRACTS §4). */
export function evalCommand(): Command {
  return new Command("eval")
    .description("run every judged query through the sidecar with a pipeline and score the rankings")
    .requiredOption("--judgments <file>", "judgments: CSV (query,doc_id,grade[,user_id]), SRW JSON or TREC qrels")
    .requiredOption("--pipeline <name>", "pipeline to evaluate (bm25, hybrid, rerank, personal, ...)")
    .option("--k <n>", "cut-off for ndcg@k and cndcg@k", positiveInt("--k"), 10)
    .option("--relevant-grade <g>", "smallest grade counted as relevant by recall, mrr and map", positiveNumber("--relevant-grade"), 1)
    .option("--out <dir>", "write results.json and report.html here")
    .option("--compare <pipeline>", "also evaluate this pipeline and report paired differences (pipeline − compare)")
    .option("--min-judgments <n>", "keep only query groups with at least n judgments", positiveInt("--min-judgments"), 1)
    .option("--concurrency <n>", "searches in flight at once", positiveInt("--concurrency"), 8)
    .option("--sidecar-url <url>", "sidecar base URL (default: SIDECAR_URL or http://127.0.0.1:8080)")
    .option("--seed <n>", "seed of the bootstrap resampling", integer, 42)
    .option("--timeout-ms <ms>", "deadline of each search request", positiveInt("--timeout-ms"), 10_000)
    .addOption(new Option("--format <format>", "judgment file format (default: detected)").choices(JUDGMENT_FORMATS))
    .option("--include-synthetic", "also score synthetic judgment rows (a true synthetic column, or a simulated syn-<seed>-<n> user); left out by default")
    .action(async (_args: unknown, command: Command) => {
      await runEval(command.opts<EvalOptions>());
    });
}
