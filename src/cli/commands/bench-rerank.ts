import { availableParallelism, loadavg } from "node:os";
import { Command } from "commander";
import { benchRerank, type LatencyPercentiles, type PipelineLatency } from "../../bench";
import { envDefault } from "../../config";
import { selectInferenceBackend } from "../../model";
import { note, positiveInt, printSummary } from "../output";
import { benchConfig } from "./bench-config";

interface BenchRerankFlags {
  candidates: number;
  history: number;
  iterations: number;
  requests: number;
  concurrency: number;
  users: number;
  catalogSize: number;
  seed: number;
  modelsDir?: string;
  opensearchUrl?: string;
  redisUrl?: string;
}

const model = (label: string, l: LatencyPercentiles) =>
  note(`${label.padEnd(34)} p50 ${l.p50_ms.toFixed(2).padStart(7)} ms  p95 ${l.p95_ms.toFixed(2).padStart(7)} ms  p99 ${l.p99_ms.toFixed(2).padStart(7)} ms  cpu ${l.cpu_ms_per_call.toFixed(2)} ms/call  (${l.calls} calls)`);

const search = (name: string, p: PipelineLatency, baseline: PipelineLatency) =>
  note(
    `${name.padEnd(9)} p50 ${p.p50_ms.toFixed(1).padStart(6)} ms  p95 ${p.p95_ms.toFixed(1).padStart(6)} ms  p99 ${p.p99_ms.toFixed(1).padStart(6)} ms  ` +
      `(p50 ×${(p.p50_ms / baseline.p50_ms).toFixed(2)}, p99 ×${(p.p99_ms / baseline.p99_ms).toFixed(2)} of hybrid)  cpu ${p.cpu_ms_per_search.toFixed(1)} ms/search  errors ${p.errors}  degraded ${p.degraded}/${p.requests}`,
  );

/** `relevance bench rerank`: the re-ranker's model-only latency and `/v1/search` end to end against hybrid, in one run. */
export function benchRerankCommand(): Command {
  return new Command("rerank")
    .description(
      "attention re-ranker latency: model only (fast path and TensorFlow.js graph, the promoted model's shape or the default) and /v1/search end to end for hybrid (the baseline), rerank and personal in the same run, against a throw-away sidecar in this process (sample catalog, small models trained on the spot, synthetic users and events)",
    )
    .option("--candidates <n>", "model only: candidates per list", positiveInt("--candidates"), 200)
    .option("--history <n>", "history items per list (model only) and events per user (end to end)", positiveInt("--history"), 50)
    .option("--iterations <n>", "model only: timed fast-path calls (the graph gets a fifth)", positiveInt("--iterations"), 300)
    .option("--requests <n>", "end to end: timed searches per pipeline", positiveInt("--requests"), 300)
    .option("--concurrency <n>", "end to end: searches in flight", positiveInt("--concurrency"), 4)
    .option("--users <n>", "end to end: synthetic users with profiles", positiveInt("--users"), 50)
    .option("--catalog-size <n>", "end to end: sample products", positiveInt("--catalog-size"), 1000)
    .option("--seed <n>", "random seed", positiveInt("--seed"), 42)
    .option("--models-dir <dir>", `models folder whose promoted reranker gives the model-only shape ${envDefault("MODELS_DIR")}`)
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .option("--redis-url <url>", "Redis URL (env REDIS_URL)")
    .action(async (flags: BenchRerankFlags) => {
      const config = benchConfig(flags);
      // The backend serve would pick (INFERENCE_BACKEND), so the graph figures are serving's.
      const backend = await selectInferenceBackend({ preference: config.inferenceBackend });
      const loadStart = loadavg()[0] ?? 0;
      const result = await benchRerank({
        config,
        candidates: flags.candidates,
        history: flags.history,
        modelIterations: flags.iterations,
        requests: flags.requests,
        concurrency: flags.concurrency,
        users: flags.users,
        catalogSize: flags.catalogSize,
        seed: flags.seed,
        onPhase: (phase) => note(`${phase}…`),
      });
      const m = result.model_only;
      const s = m.shape;
      note(`model only: ${m.candidates} candidates × ${m.history} history items, ${m.shape_from} shape F=${s.features} D=${s.dimension} K=${s.hidden} A=${s.attention}; backend ${m.backend}`);
      model("fast path (SIMD kernel)", m.fast);
      model("fast path, history new to it", m.fastNewHistory);
      model(`TF.js graph on ${m.backend} (baseline)`, m.tfjs);
      model(`fast path, ${m.fastBatched.lists} lists per call`, m.fastBatched);
      model(`TF.js graph, ${m.tfjsBatched.lists} lists per call`, m.tfjsBatched);
      const e = result.end_to_end;
      note(
        `end to end: ${e.products} products, ${e.users} users × ${e.events_per_user} events, RERANK_CANDIDATES ${e.rerank_candidates}, concurrency ${e.concurrency}; reranker ${e.reranker.version} (K=${e.reranker.shape.hidden} A=${e.reranker.shape.attention} D=${e.reranker.shape.dimension}, ${e.reranker.lists} lists)`,
      );
      for (const name of ["hybrid", "rerank", "personal"] as const) search(name, e.pipelines[name], e.pipelines.hybrid);
      note("mean ms per search of each stage (stage/part; concurrent parts overlap):");
      for (const name of ["hybrid", "rerank", "personal"] as const) {
        note(`  ${name.padEnd(9)} ${Object.entries(e.stages[name]).map(([stage, ms]) => `${stage} ${ms.toFixed(1)}`).join(", ")}`);
      }
      for (const name of ["hybrid", "rerank", "personal"] as const) {
        const reasons = Object.entries(e.degraded_reasons[name]);
        if (reasons.length > 0) note(`degraded ${name}: ${reasons.map(([reason, n]) => `${reason} ${n}`).join(", ")}`);
      }
      const loadEnd = loadavg()[0] ?? 0;
      note(`${availableParallelism()} cores, load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end`);
      printSummary({
        bench: "rerank",
        baseline: { model_only: "tfjs", end_to_end: "hybrid" },
        backend: backend.backend,
        cores: availableParallelism(),
        load_average_1m: { start: Math.round(loadStart * 10) / 10, end: Math.round(loadEnd * 10) / 10 },
        ...result,
      });
    });
}
