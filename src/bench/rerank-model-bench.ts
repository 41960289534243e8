import * as tf from "@tensorflow/tfjs";
import { FastReranker, FeatureNormalizer, fitFeatureSchema, initRerankerWeights, TfjsReranker, type RerankerShape, type RerankList } from "../model/reranker";
import { Rng } from "../model/rng";
import { latencyFigures } from "./latency-run";

export interface RerankModelBenchOptions {
  /** Candidates per list. @defaultValue 200 */
  candidates?: number;
  /** History items per list (all valid). @defaultValue 50 */
  history?: number;
  /** Embedding width D. @defaultValue 64 */
  dimension?: number;
  /** Raw features per candidate F. @defaultValue 24 */
  features?: number;
  /** @defaultValue 32 */
  hidden?: number;
  /** @defaultValue 16 */
  attention?: number;
  /** Timed calls of the fast path. @defaultValue 300 */
  iterations?: number;
  /** Timed calls of the TensorFlow.js graph (slower, so fewer). @defaultValue 60 */
  tfjsIterations?: number;
  /** Untimed calls first (JIT, kernel and weight upload). @defaultValue 20 */
  warmup?: number;
  /** Lists per call in the micro-batched figures. @defaultValue 8 */
  batchLists?: number;
  /** @defaultValue 1 */
  seed?: number;
}

export interface LatencyPercentiles {
  calls: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  /** Process CPU time (user + system, all threads) per call: on a shared machine, what a call costs regardless of waiting for a core. */
  cpu_ms_per_call: number;
}

export interface RerankModelBenchResult {
  shape: RerankerShape;
  candidates: number;
  history: number;
  /** The TensorFlow.js backend the graph ran on. */
  backend: string;
  /** One list per call, Float32Array forward pass; the history vectors are arrays it has seen (as serving's item-vector cache hands them out). */
  fast: LatencyPercentiles;
  /** The same with history vectors new to the model (fresh arrays each call): the history is projected every call, as for a user's first search. */
  fastNewHistory: LatencyPercentiles;
  /** One list per call, TensorFlow.js graph: the baseline of the same run. */
  tfjs: LatencyPercentiles;
  /** `batchLists` lists per call; latency per call. */
  fastBatched: LatencyPercentiles & { lists: number };
  tfjsBatched: LatencyPercentiles & { lists: number };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function unit(rng: Rng, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => rng.normal());
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** The list with copies of its history vectors (arrays the fast path has not projected before). */
function withNewHistory(list: RerankList): RerankList {
  return { ...list, history: (list.history ?? []).map((h) => ({ ...h, embedding: h.embedding ? Float32Array.from(h.embedding) : null })) };
}

async function time(calls: number, warmup: number, run: () => unknown): Promise<LatencyPercentiles> {
  for (let i = 0; i < warmup; i++) await run();
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await run();
    latencies.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    calls,
    ...latencyFigures(latencies, 3),
    cpu_ms_per_call: round((cpu.user + cpu.system) / 1000 / Math.max(1, calls)),
  };
}

/**
 * Model-only latency of the attention re-ranker on random inputs (untrained weights cost the same as
 * trained ones): the Float32Array fast path and the TensorFlow.js graph on the active backend, one
 * list per call and micro-batched. No retrieval, features or profile fetch — those belong to the
 * end-to-end bench.
 */
export async function benchRerankModel(options: RerankModelBenchOptions = {}): Promise<RerankModelBenchResult> {
  const candidates = options.candidates ?? 200;
  const history = options.history ?? 50;
  const shape: RerankerShape = {
    features: options.features ?? 24,
    dimension: options.dimension ?? 64,
    maxHistory: Math.max(history, 1),
    hidden: options.hidden ?? 32,
    attention: options.attention ?? 16,
  };
  const iterations = options.iterations ?? 300;
  const tfjsIterations = options.tfjsIterations ?? 60;
  const warmup = options.warmup ?? 20;
  const batchLists = options.batchLists ?? 8;
  const rng = new Rng(options.seed ?? 1);
  const names = Array.from({ length: shape.features }, (_, i) => `f${i}`);
  const randomFeatures = () => Array.from({ length: shape.features }, () => rng.normal() * 2 + 1);
  const normalizer = new FeatureNormalizer(fitFeatureSchema(names, Array.from({ length: 200 }, randomFeatures)));
  const weights = initRerankerWeights(shape, options.seed ?? 1);
  const pool: RerankList[] = Array.from({ length: Math.max(8, batchLists) }, () => ({
    queryEmbedding: unit(rng, shape.dimension),
    candidates: Array.from({ length: candidates }, () => ({ features: randomFeatures(), embedding: unit(rng, shape.dimension) })),
    history: Array.from({ length: history }, (_, j) => ({ embedding: unit(rng, shape.dimension), weight: 1 / (1 + j) })),
  }));
  const batch = pool.slice(0, batchLists);

  const fast = new FastReranker(weights, shape, normalizer);
  const graph = new TfjsReranker(weights, shape, normalizer);
  try {
    let next = 0;
    const anyList = () => pool[next++ % pool.length] as RerankList;
    return {
      shape,
      candidates,
      history,
      backend: tf.getBackend(),
      fast: await time(iterations, warmup, () => fast.score(anyList())),
      fastNewHistory: await time(iterations, warmup, () => fast.score(withNewHistory(anyList()))),
      tfjs: await time(tfjsIterations, warmup, () => graph.score([anyList()])),
      fastBatched: { lists: batchLists, ...(await time(Math.ceil(iterations / batchLists), 2, () => batch.map((list) => fast.score(list)))) },
      tfjsBatched: { lists: batchLists, ...(await time(Math.ceil(tfjsIterations / batchLists), 2, () => graph.score(batch))) },
    };
  } finally {
    graph.dispose();
  }
}
