import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Counter, type Histogram } from "prom-client";
import { SidecarClient } from "../client";
import { type SidecarConfig } from "../config";
import { createSidecar } from "../http";
import { cleanProduct, type Product, type RawRecord } from "../indexing";
import {
  EMBEDDINGS_KIND,
  loadActiveReranker,
  loadEmbedder,
  loadReranker,
  RERANKER_KIND,
  saveEmbeddingModel,
  saveReranker,
  trainEmbeddings,
  trainReranker,
  type LabeledRerankList,
  type Reranker,
  type RerankerShape,
} from "../model";
import { Rng } from "../model/rng";
import { deleteIndexes, setupIndexes } from "../opensearch";
import { ActiveModels, type ServingEmbedder } from "../runtime";
import { FEATURE_NAMES } from "../search/rerank";
import { generateSampleCatalog } from "../synthetic";
import { fetchCandidates, labeledList } from "../training";
import { latencyFigures } from "./latency-run";
import { deleteKeysWithPrefix } from "./redis-prefix";
import { benchRerankModel, type RerankModelBenchResult } from "./rerank-model-bench";

export interface RerankBenchOptions {
  /** The sidecar's config; the end-to-end part replaces aliases, key prefix, keys and port with throw-away ones. */
  config: SidecarConfig;
  /** Model only: candidates per list. @defaultValue 200 */
  candidates?: number;
  /** Model only: history items per list. @defaultValue 50 */
  history?: number;
  /** Model only: timed fast-path calls (the TF.js graph gets a fifth). @defaultValue 300 */
  modelIterations?: number;
  /** End to end: timed `/v1/search` requests per pipeline. @defaultValue 300 */
  requests?: number;
  /** End to end: requests in flight. @defaultValue 4 */
  concurrency?: number;
  /** End to end: synthetic users with a profile (`personal` asks as them, round robin). @defaultValue 50 */
  users?: number;
  /** End to end: sample products loaded through `/v1/enrich`. @defaultValue 1000 */
  catalogSize?: number;
  /** @defaultValue 42 */
  seed?: number;
  /** Reports each phase as it starts. */
  onPhase?: (phase: string) => void;
}

export interface PipelineLatency {
  requests: number;
  errors: number;
  /** Answers whose `rerank.degraded` was set (for rerank/personal: the model did not run or ran without its inputs). */
  degraded: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  /**
   * CPU time of this process (sidecar and bench client, user + system) per timed search: what a search
   * costs the sidecar's process whatever the machine's load (OpenSearch and Redis run elsewhere).
   */
  cpu_ms_per_search: number;
}

export interface RerankBenchResult {
  model_only: RerankModelBenchResult & { shape_from: "promoted" | "default" };
  end_to_end: {
    /** Always a throw-away sidecar in this process (loopback HTTP), on throw-away aliases and Redis keys deleted afterwards. */
    setup: string;
    run: string;
    products: number;
    users: number;
    /** Items per user sent as events (the history the personal re-ranker attends over is capped by PROFILE_RECENT_ITEMS). */
    events_per_user: number;
    /** Each retriever's depth for rerank and personal (RERANK_CANDIDATES). */
    rerank_candidates: number;
    concurrency: number;
    embedder: { version: string; dimension: number; train_seconds: number };
    reranker: { version: string; shape: RerankerShape; lists: number; train_seconds: number };
    pipelines: { hybrid: PipelineLatency; rerank: PipelineLatency; personal: PipelineLatency };
    /**
     * Mean ms per timed search of each stage and stage part (`stage/part`), per pipeline, from the
     * sidecar's `sidecar_search_stage_seconds`: where the time goes. Parts that run concurrently overlap.
     */
    stages: Record<Pipeline, Record<string, number>>;
    /** Degraded answers of the timed searches by reason (`sidecar_search_degraded_total`), per pipeline. */
    degraded_reasons: Record<Pipeline, Record<string, number>>;
    /** p50 and p99 of each re-ranked pipeline over hybrid's, measured in the same run (pipelines interleaved in rounds). */
    ratios: { rerank_vs_hybrid_p50: number; personal_vs_hybrid_p50: number; rerank_vs_hybrid_p99: number; personal_vs_hybrid_p99: number };
  };
}

const PIPELINES = ["hybrid", "rerank", "personal"] as const;
type Pipeline = (typeof PIPELINES)[number];

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** The promoted reranker's shape (the model served here), or null when none is promoted or it cannot be read. */
async function promotedShape(modelsDir: string): Promise<RerankerShape | null> {
  const reranker = await loadActiveReranker(modelsDir).catch(() => null);
  if (!reranker) return null;
  const shape = reranker.shape;
  reranker.dispose();
  return shape;
}

/** Leaf of a sample product's category path ("Tools/Power Tools" → "Power Tools"): a generic query, the case personal retrieval is for. */
function leaf(record: RawRecord): string {
  return (typeof record.category === "string" ? record.category : "").split("/").pop() ?? "";
}

function summarize(latencies: number[], errors: number, degraded: number, cpuMicros: number): PipelineLatency {
  const requests = latencies.length + errors;
  return { requests, errors, degraded, ...latencyFigures([...latencies]), cpu_ms_per_search: round(cpuMicros / 1000 / Math.max(1, requests), 2) };
}

/** Mean ms per search of each stage (sum over count of the stage-time histogram), per pipeline; stages in the order first seen. */
async function stageMeans(histogram: Histogram<"pipeline" | "stage">): Promise<Record<Pipeline, Record<string, number>>> {
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const { metricName, labels, value } of (await histogram.get()).values) {
    const key = `${String(labels.pipeline)}\u0000${String(labels.stage)}`;
    if (metricName?.endsWith("_sum")) sums.set(key, value);
    else if (metricName?.endsWith("_count")) counts.set(key, value);
  }
  const out: Record<Pipeline, Record<string, number>> = { hybrid: {}, rerank: {}, personal: {} };
  for (const [key, sum] of sums) {
    const [pipeline, stage] = key.split("\u0000") as [string, string];
    const count = counts.get(key) ?? 0;
    const perPipeline = (PIPELINES as readonly string[]).includes(pipeline) ? out[pipeline as Pipeline] : undefined;
    if (perPipeline && count > 0) perPipeline[stage] = round((sum * 1000) / count, 2);
  }
  return out;
}

/** Degraded answers per pipeline and reason, from the degraded-search counter. */
async function reasonCounts(counter: Counter<"pipeline" | "reason">): Promise<Record<Pipeline, Record<string, number>>> {
  const out: Record<Pipeline, Record<string, number>> = { hybrid: {}, rerank: {}, personal: {} };
  for (const { labels, value } of (await counter.get()).values) {
    const pipeline = String(labels.pipeline);
    if ((PIPELINES as readonly string[]).includes(pipeline) && value > 0) out[pipeline as Pipeline][String(labels.reason)] = value;
  }
  return out;
}

/**
 * The attention re-ranker's latency in one run: (a) model only, the fast path and the TensorFlow.js
 * graph on random inputs of the promoted model's shape (or the default shape); (b) end to end, `/v1/search`
 * p50/p99 of `hybrid` (the baseline), `rerank` and `personal` (as users with profiles) at the same
 * concurrency, against a throw-away sidecar in this process with a sample catalog, a small embedding
 * model and a small re-ranker of the default shape trained on the spot (quality is not the point;
 * the shape is what costs), and synthetic events that give the users their profiles.
 */
export async function benchRerank(options: RerankBenchOptions): Promise<RerankBenchResult> {
  const seed = options.seed ?? 42;
  const history = options.history ?? 50;
  options.onPhase?.("model only");
  const promoted = await promotedShape(options.config.modelsDir);
  const iterations = options.modelIterations ?? 300;
  const modelOnly = await benchRerankModel({
    candidates: options.candidates ?? 200,
    history,
    ...(promoted ? { features: promoted.features, dimension: promoted.dimension, hidden: promoted.hidden, attention: promoted.attention } : {}),
    iterations,
    tfjsIterations: Math.max(10, Math.round(iterations / 5)),
    seed,
  });
  const endToEnd = await benchEndToEnd(options, seed);
  return { model_only: { ...modelOnly, shape_from: promoted ? "promoted" : "default" }, end_to_end: endToEnd };
}

async function benchEndToEnd(options: RerankBenchOptions, seed: number): Promise<RerankBenchResult["end_to_end"]> {
  const modelsDir = await mkdtemp(join(tmpdir(), "bench-rerank-"));
  try {
    return await benchEndToEndIn(options, seed, modelsDir);
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
}

/** {@link benchEndToEnd} with the models written to `modelsDir` (the caller deletes it, whatever fails). */
async function benchEndToEndIn(options: RerankBenchOptions, seed: number, modelsDir: string): Promise<RerankBenchResult["end_to_end"]> {
  const requests = options.requests ?? 300;
  const concurrency = options.concurrency ?? 4;
  const userCount = options.users ?? 50;
  const catalogSize = options.catalogSize ?? 1000;
  const eventsPerUser = options.history ?? 50;
  const run = `bench-${randomUUID().slice(0, 8)}`;
  const aliases = { products: `${run}-products`, events: `${run}-events`, profiles: `${run}-profiles` };
  const keyPrefix = `${run}:`;
  const apiKey = randomBytes(24).toString("hex");
  const rng = new Rng(seed);
  const records = [...generateSampleCatalog({ count: catalogSize, seed })];
  const products = new Map<string, Product>();
  for (const record of records) {
    const cleaned = cleanProduct(record);
    if (cleaned.ok) products.set(cleaned.product.id, cleaned.product);
  }

  options.onPhase?.(`a small embedding model on ${products.size} sample products`);
  let started = performance.now();
  const trained = await trainEmbeddings(
    { products, pairs: [] },
    { dimension: 64, bagDimension: 32, hiddenUnits: 32, epochs: 2, minPseudoQueries: 1000, maxSeconds: 20, seed },
  );
  const saved = await saveEmbeddingModel(join(modelsDir, EMBEDDINGS_KIND), { name: EMBEDDINGS_KIND, ...trained, training: {}, metrics: {} });
  const embedder: ServingEmbedder = await loadEmbedder(saved.dir);
  const embedderSeconds = (performance.now() - started) / 1000;

  const models = new ActiveModels({ embedder });
  const sidecar = createSidecar(
    {
      ...options.config,
      port: 0,
      host: "127.0.0.1",
      // The bench's own client shares this process's event loop: shedding by loop delay would measure the bench.
      maxEventLoopDelayMs: 0,
      // Failed searches are counted in the result; their per-request warnings would bury the figures.
      logLevel: "error",
      productsAlias: aliases.products,
      eventsAlias: aliases.events,
      profilesAlias: aliases.profiles,
      apiKeys: [{ key: apiKey, scope: "admin" }],
      pseudonymKey: options.config.pseudonymKey ?? randomBytes(32).toString("hex"),
    },
    { models, behaviourOptions: { keyPrefix } },
  );
  let reranker: Reranker | null = null;
  try {
    await setupIndexes(sidecar.gateway, { aliases, embeddingDimension: embedder.dimension });
    // One try per request: the bench measures what the sidecar does, failures included.
    const client = new SidecarClient({ baseUrl: `http://127.0.0.1:${await sidecar.listen()}`, apiKey, tries: 1, timeoutMs: 60_000 });

    options.onPhase?.(`loading the catalog through /v1/enrich`);
    for (let i = 0; i < records.length; i += 500) await client.enrich(records.slice(i, i + 500), { refresh: true });

    // Each user likes one brand within one category: their events are interactions with those items.
    options.onPhase?.(`${userCount} users × ${eventsPerUser} events through /v1/events`);
    const users = Array.from({ length: userCount }, (_, u) => {
      const anchor = records[rng.int(records.length)] as RawRecord;
      const liked = records.filter((r) => r.brand === anchor.brand && r.category === anchor.category);
      return { id: `${run}-user-${u}`, brand: String(anchor.brand), liked: liked.length > 0 ? liked : [anchor], category: leaf(anchor) };
    });
    const now = Date.now();
    const types = ["view", "view", "click", "click", "add_to_cart", "purchase"] as const;
    const events = users.flatMap((user, u) =>
      Array.from({ length: eventsPerUser }, (_, j) => ({
        event_id: `${run}-${u}-${j}`,
        user_id: user.id,
        session_id: `${run}-session-${u}-${Math.floor(j / 10)}`,
        type: types[j % types.length],
        item_id: String((user.liked[j % user.liked.length] as RawRecord).id),
        timestamp: now - (eventsPerUser - j) * 60_000,
        synthetic: true,
      })),
    );
    for (let i = 0; i < events.length; i += 500) await client.events(events.slice(i, i + 500));

    // Generic queries (category leaves, with a colour or a brand), the query mix of every pipeline.
    const queries = [...new Set(records.flatMap((r) => [leaf(r), `${String((r.attributes as { color?: string } | undefined)?.color ?? "")} ${leaf(r)}`.trim(), `${String(r.brand)} ${leaf(r)}`]))].sort();

    options.onPhase?.("a small re-ranker of the default shape, trained on the sidecar's own candidates");
    started = performance.now();
    const brandOf = new Map(records.map((r) => [String(r.id), String(r.brand)]));
    const lists: LabeledRerankList[] = [];
    for (let i = 0; i < 40; i++) {
      const user = users[i % users.length] as (typeof users)[number];
      const q = i % 2 === 0 ? user.category : (queries[rng.int(queries.length)] as string);
      const response = await fetchCandidates(client, { q, user_id: user.id, pipeline: "personal" });
      // The user's brand is what they want: a signal only the profile (affinity, history) can give.
      const grades = new Map(response.candidates.filter((c) => brandOf.get(c.id) === user.brand).map((c) => [c.id, 1]));
      const outcome = labeledList(response, grades, q);
      if (outcome.list) lists.push(outcome.list);
    }
    if (lists.length < 4) throw new Error(`only ${lists.length} training lists had a positive; the sample catalog is too small`);
    const trainedReranker = await trainReranker({ featureNames: FEATURE_NAMES, dimension: embedder.dimension, lists }, { epochs: 3, maxSeconds: 20, seed, maxHistory: eventsPerUser });
    const stored = await saveReranker(join(modelsDir, RERANKER_KIND), { ...trainedReranker, training: { seed, dataHashes: {}, lists: lists.length }, metrics: trainedReranker.metrics });
    reranker = await loadReranker(stored.dir);
    models.replaceReranker(reranker);
    const rerankerSeconds = (performance.now() - started) / 1000;

    const latencies: Record<Pipeline, number[]> = { hybrid: [], rerank: [], personal: [] };
    const errors: Record<Pipeline, number> = { hybrid: 0, rerank: 0, personal: 0 };
    const degraded: Record<Pipeline, number> = { hybrid: 0, rerank: 0, personal: 0 };
    const cpuMicros: Record<Pipeline, number> = { hybrid: 0, rerank: 0, personal: 0 };
    let sent = 0;
    const send = async (pipeline: Pipeline, n: number, timed: boolean) => {
      const cpuStart = process.cpuUsage();
      let next = 0;
      const worker = async () => {
        while (next < n) {
          next++;
          const i = sent++;
          const q = queries[(i * 7919) % queries.length] as string;
          const user = users[i % users.length] as (typeof users)[number];
          const t0 = performance.now();
          try {
            const answer = await client.search({ q, pipeline, size: 10, ...(pipeline === "personal" ? { user_id: user.id } : {}) });
            if (!timed) continue;
            latencies[pipeline].push(performance.now() - t0);
            if (answer.rerank?.degraded) degraded[pipeline]++;
          } catch {
            if (timed) errors[pipeline]++;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      // One pipeline runs at a time, so the process's CPU of this round is this pipeline's.
      const cpu = process.cpuUsage(cpuStart);
      if (timed) cpuMicros[pipeline] += cpu.user + cpu.system;
    };
    options.onPhase?.("warm-up");
    for (const pipeline of PIPELINES) await send(pipeline, Math.min(40, requests), false);
    // Pipelines take turns in rounds (rotating who goes first), so the shared machine's load drifts over all three alike.
    const rounds = 5;
    options.onPhase?.(`${requests} searches per pipeline, ${concurrency} in flight, ${rounds} interleaved rounds`);
    sidecar.metrics.searchStageSeconds.reset();
    sidecar.metrics.searchDegraded.reset();
    for (let r = 0; r < rounds; r++) {
      const perRound = Math.floor(requests / rounds) + (r < requests % rounds ? 1 : 0);
      for (let k = 0; k < PIPELINES.length; k++) await send(PIPELINES[(r + k) % PIPELINES.length] as Pipeline, perRound, true);
    }
    const pipelines = {
      hybrid: summarize(latencies.hybrid, errors.hybrid, degraded.hybrid, cpuMicros.hybrid),
      rerank: summarize(latencies.rerank, errors.rerank, degraded.rerank, cpuMicros.rerank),
      personal: summarize(latencies.personal, errors.personal, degraded.personal, cpuMicros.personal),
    };
    const stages = await stageMeans(sidecar.metrics.searchStageSeconds);
    const degradedReasons = await reasonCounts(sidecar.metrics.searchDegraded);
    const ratio = (a: number, b: number) => round(a / b, 3);
    return {
      setup: "throw-away sidecar in this process (loopback HTTP), throw-away aliases, Redis key prefix and models folder; sample catalog, synthetic users and events",
      run,
      products: products.size,
      users: userCount,
      events_per_user: eventsPerUser,
      rerank_candidates: sidecar.config.rerankCandidates,
      concurrency,
      embedder: { version: embedder.version, dimension: embedder.dimension, train_seconds: round(embedderSeconds, 1) },
      reranker: { version: reranker.version, shape: reranker.shape, lists: lists.length, train_seconds: round(rerankerSeconds, 1) },
      pipelines,
      stages,
      degraded_reasons: degradedReasons,
      ratios: {
        rerank_vs_hybrid_p50: ratio(pipelines.rerank.p50_ms, pipelines.hybrid.p50_ms),
        personal_vs_hybrid_p50: ratio(pipelines.personal.p50_ms, pipelines.hybrid.p50_ms),
        rerank_vs_hybrid_p99: ratio(pipelines.rerank.p99_ms, pipelines.hybrid.p99_ms),
        personal_vs_hybrid_p99: ratio(pipelines.personal.p99_ms, pipelines.hybrid.p99_ms),
      },
    };
  } finally {
    await deleteIndexes(sidecar.gateway, aliases).catch(() => undefined);
    await deleteKeysWithPrefix(sidecar.redis, keyPrefix).catch(() => undefined);
    await sidecar.close();
    reranker?.dispose();
    embedder.dispose?.();
  }
}
