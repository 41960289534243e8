/**
 * Model-only latency of the attention re-ranker: p50/p95/p99 of the Float32Array fast path and of the
 * TensorFlow.js graph (the baseline of the same run) for 200 candidates with a 50-item history, on
 * every TensorFlow.js backend that starts here.
 *
 *   npx tsx scripts/bench-rerank-model.ts [--candidates 200] [--history 50] [--dimension 64] [--features 24] [--iterations 300] [--tfjs-iterations 60] [--batch-lists 8]
 *
 * Last stdout line: JSON.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { benchRerankModel, type LatencyPercentiles, type RerankModelBenchResult } from "../src/bench";
import { INFERENCE_BACKENDS, selectInferenceBackend } from "../src/model";

const { values } = parseArgs({
  options: {
    candidates: { type: "string", default: "200" },
    history: { type: "string", default: "50" },
    dimension: { type: "string", default: "64" },
    features: { type: "string", default: "24" },
    iterations: { type: "string", default: "300" },
    "tfjs-iterations": { type: "string", default: "60" },
    "batch-lists": { type: "string", default: "8" },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const line = (label: string, l: LatencyPercentiles) =>
  `${label.padEnd(40)} p50 ${l.p50_ms.toFixed(2).padStart(8)} ms  p95 ${l.p95_ms.toFixed(2).padStart(8)} ms  p99 ${l.p99_ms.toFixed(2).padStart(8)} ms  cpu ${l.cpu_ms_per_call.toFixed(2).padStart(7)} ms/call  (${l.calls} calls)`;

async function main(): Promise<void> {
  const options = {
    candidates: positive("candidates", values.candidates),
    history: positive("history", values.history),
    dimension: positive("dimension", values.dimension),
    features: positive("features", values.features),
    iterations: positive("iterations", values.iterations),
    tfjsIterations: positive("tfjs-iterations", values["tfjs-iterations"]),
    batchLists: positive("batch-lists", values["batch-lists"]),
  };
  log(`attention re-ranker, model only: ${options.candidates} candidates × ${options.history} history items, D=${options.dimension}, F=${options.features}; ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)}`);
  const runs: RerankModelBenchResult[] = [];
  for (const backend of INFERENCE_BACKENDS) {
    try {
      await selectInferenceBackend({ preference: backend });
    } catch {
      log(`tfjs on ${backend}: not available here`);
      continue;
    }
    const result = await benchRerankModel(options);
    runs.push(result);
    log(line(`fast path (SIMD kernel)       [${backend} run]`, result.fast));
    log(line(`tfjs graph on ${backend}`, result.tfjs));
    log(line(`fast path, ${result.fastBatched.lists} lists per call`, result.fastBatched));
    log(line(`tfjs graph, ${result.tfjsBatched.lists} lists per call`, result.tfjsBatched));
  }
  const first = runs[0];
  if (!first) throw new Error("no TensorFlow.js backend started");
  process.stdout.write(
    `${JSON.stringify({
      bench: "rerank-model",
      candidates: first.candidates,
      history: first.history,
      shape: first.shape,
      cores: availableParallelism(),
      load_average_1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      fast: first.fast,
      fast_batched: first.fastBatched,
      tfjs: Object.fromEntries(runs.map((r) => [r.backend, { single: r.tfjs, batched: r.tfjsBatched }])),
      fast_runs_p50_ms: runs.map((r) => r.fast.p50_ms),
      speedup_p50_vs_tfjs: Object.fromEntries(runs.map((r) => [r.backend, Math.round((r.tfjs.p50_ms / r.fast.p50_ms) * 10) / 10])),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-rerank-model: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
