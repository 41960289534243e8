import { Command } from "commander";
import { benchEnrichment, benchReindex, measureLatency, runMixedLoad, type LatencySummary } from "../../bench";
import { SidecarClient } from "../../client";
import { createLogger, envDefault, readConnectionSettings } from "../../config";
import { readJudgments } from "../../eval";
import { EMBEDDINGS_KIND, listModels, loadActiveEmbedder, loadEmbedder, modelVersionDir } from "../../model";
import { bm25Query } from "../../search/bm25-query";
import { catalogReadOptions, withCatalogOptions, type CatalogFlags } from "../catalog-options";
import { benchConfig } from "./bench-config";
import { benchEventsCommand } from "./bench-events";
import { benchRerankCommand } from "./bench-rerank";
import { note, positiveInt, printSummary } from "../output";

interface BenchSearchFlags {
  judgments: string;
  pipelines: string;
  limit: number;
  concurrency: number;
  size: number;
  sidecarUrl?: string;
  opensearchUrl?: string;
}

/** The baseline: a plain request straight to OpenSearch, not through the sidecar. */
async function postToOpenSearch(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

function benchSearchCommand(): Command {
  return new Command("search")
    .description("latency and throughput of /v1/search per pipeline, against the same BM25 query sent straight to OpenSearch")
    .requiredOption("--judgments <file>", "judgments file whose queries are searched")
    .option("--pipelines <names>", "comma-separated pipelines", "bm25,hybrid")
    .option("--limit <n>", "queries to send per pipeline", positiveInt("--limit"), 500)
    .option("--concurrency <n>", "requests in flight", positiveInt("--concurrency"), 4)
    .option("--size <n>", "hits per search", positiveInt("--size"), 10)
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .option("--opensearch-url <url>", "OpenSearch URL for the baseline (env OPENSEARCH_URL)")
    .action(async (flags: BenchSearchFlags) => {
      const connections = readConnectionSettings();
      const opensearchUrl = flags.opensearchUrl ?? connections.opensearchUrl;
      const alias = connections.productsAlias;
      const judgments = await readJudgments(flags.judgments);
      const queries = [...new Set(judgments.groups.map((g) => g.query))].slice(0, flags.limit);
      const warmup = queries.slice(0, Math.min(20, queries.length));

      const runs: Record<string, LatencySummary> = {};
      const direct = (q: string) => postToOpenSearch(`${opensearchUrl}/${alias}/_search`, { query: bm25Query(q, {}), size: flags.size });
      // One try per query: every failure is counted, none is hidden by a retry.
      const sidecar = SidecarClient.fromConnectionSettings(connections, { ...(flags.sidecarUrl ? { baseUrl: flags.sidecarUrl } : {}), timeoutMs: 10_000, tries: 1 });
      await measureLatency(warmup, flags.concurrency, direct);
      runs["opensearch-direct"] = await measureLatency(queries, flags.concurrency, direct);
      for (const pipeline of flags.pipelines.split(",").map((p) => p.trim()).filter(Boolean)) {
        const viaSidecar = async (q: string) => {
          await sidecar.search({ q, pipeline, size: flags.size });
        };
        await measureLatency(warmup, flags.concurrency, viaSidecar);
        runs[pipeline] = await measureLatency(queries, flags.concurrency, viaSidecar);
      }
      const baseline = runs["opensearch-direct"];
      for (const [name, run] of Object.entries(runs)) {
        const ratio = baseline ? run.p50_ms / baseline.p50_ms : Number.NaN;
        note(`${name.padEnd(18)} ${run.per_second.toFixed(1).padStart(8)} q/s  p50 ${run.p50_ms} ms  p95 ${run.p95_ms} ms  p99 ${run.p99_ms} ms  errors ${run.errors}  (p50 ×${ratio.toFixed(2)} of direct BM25)`);
      }
      printSummary({ bench: "search", queries: queries.length, concurrency: flags.concurrency, baseline: "opensearch-direct", runs });
    });
}

interface BenchEnrichFlags extends CatalogFlags {
  limit: number;
  batchSize: number;
  concurrency: number;
  model?: string;
  modelsDir?: string;
  opensearchUrl?: string;
}

function benchEnrichCommand(): Command {
  return withCatalogOptions(
    new Command("enrich").description("documents/second embedded by the model, and indexed end to end through /v1/enrich with and without it, in one run"),
  )
    .option("--limit <n>", "products to read from the catalog", positiveInt("--limit"), 20_000)
    .option("--batch-size <n>", "documents per enrich request (and per embedding batch)", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "enrich requests in flight", positiveInt("--concurrency"), 2)
    .option("--model <dir>", "a model version folder (default: the promoted embeddings model)")
    .option("--models-dir <dir>", `models folder ${envDefault("MODELS_DIR")}`)
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .action(async (flags: BenchEnrichFlags) => {
      const config = benchConfig(flags);
      const embedder = flags.model ? await loadEmbedder(flags.model) : await loadActiveEmbedder(config.modelsDir);
      if (!embedder) throw new Error(`no embeddings model is promoted in ${config.modelsDir}; train one (relevance train embeddings --promote) or pass --model DIR`);
      try {
        const result = await benchEnrichment(flags.catalog, {
          config,
          embedder,
          ...catalogReadOptions(flags),
          limit: flags.limit,
          batchSize: flags.batchSize,
          concurrency: flags.concurrency,
          onPhase: (phase) => note(`${phase}…`),
        });
        const line = (name: string, f: { docs_per_second: number; documents: number; seconds: number; failed: number }) =>
          note(`${name.padEnd(22)} ${f.docs_per_second.toFixed(0).padStart(7)} docs/s  (${f.documents} docs in ${f.seconds} s${f.failed ? `, ${f.failed} failed` : ""})`);
        line("embedded (model only)", result.embedded);
        line("indexed, bm25 only", result.bm25_only_indexed);
        line("indexed, enriched", result.enriched_indexed);
        note(`enriched indexing runs at ×${result.enriched_vs_bm25_only} the bm25-only rate (model ${result.model.version}, dimension ${result.model.dimension})`);
        printSummary({ bench: "enrich", baseline: "bm25_only_indexed", ...result });
      } finally {
        embedder.dispose();
      }
    });
}

interface BenchReindexFlags extends CatalogFlags {
  limit?: number;
  batchSize: number;
  concurrency: number;
  from?: string;
  to?: string;
  modelsDir?: string;
  reindexBatchSize?: number;
  opensearchUrl?: string;
}

function benchReindexCommand(): Command {
  return withCatalogOptions(
    new Command("reindex").description(
      "docs/s of a reindex to another embedding version through the queue (the worker's code), next to a plain load with vectors through /v1/enrich (the baseline), in one run on throw-away aliases",
    ),
  )
    .option("--limit <n>", "products to read from the catalog (default: all)", positiveInt("--limit"))
    .option("--batch-size <n>", "documents per enrich request of the load", positiveInt("--batch-size"), 500)
    .option("--concurrency <n>", "enrich requests in flight during the load", positiveInt("--concurrency"), 2)
    .option("--from <version>", "embeddings version the catalog is loaded with (default: the promoted one)")
    .option("--to <version>", "embeddings version reindexed to (default: the newest other version)")
    .option("--reindex-batch-size <n>", "documents per reindex batch (env REINDEX_BATCH_SIZE, default 500)", positiveInt("--reindex-batch-size"))
    .option("--models-dir <dir>", `models folder ${envDefault("MODELS_DIR")}`)
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .action(async (flags: BenchReindexFlags) => {
      const config = benchConfig(flags);
      const versions = (await listModels(config.modelsDir)).filter((m) => m.name === EMBEDDINGS_KIND);
      const from = flags.from ?? versions.find((m) => m.active)?.version;
      if (!from) throw new Error(`no embeddings model is promoted in ${config.modelsDir}; pass --from VERSION`);
      const to = flags.to ?? versions.filter((m) => m.version !== from).map((m) => m.version).sort().pop();
      if (!to) throw new Error(`a reindex needs a second embeddings version in ${config.modelsDir} (train one, or pass --to VERSION)`);
      const embedder = await loadEmbedder(modelVersionDir(config.modelsDir, EMBEDDINGS_KIND, from));
      try {
        const result = await benchReindex(flags.catalog, {
          config,
          from: embedder,
          toVersion: to,
          logger: createLogger(config),
          ...catalogReadOptions(flags),
          ...(flags.limit ? { limit: flags.limit } : {}),
          batchSize: flags.batchSize,
          concurrency: flags.concurrency,
          onPhase: (phase) => note(`${phase}…`),
        });
        const line = (name: string, f: { docs_per_second: number; documents: number; seconds: number }) =>
          note(`${name.padEnd(30)} ${f.docs_per_second.toFixed(0).padStart(7)} docs/s  (${f.documents} docs in ${f.seconds} s)`);
        line(`load with vectors (${from})`, result.load);
        line(`reindex to ${to}`, result.reindex);
        note(`reindex runs at ×${result.reindex_vs_load} the plain load's rate (target ≥ 0.8)`);
        printSummary({ bench: "reindex", baseline: "load", ...result });
      } finally {
        embedder.dispose();
      }
    });
}

interface BenchLoadFlags {
  clients: number;
  seconds: number;
  catalogSize: number;
  seed: number;
}

function benchLoadCommand(): Command {
  return new Command("load")
    .description(
      "bounded loopback load test: a throw-away sidecar process under concurrent clients mixing bm25 and hybrid searches, /v1/enrich and _bulk; /healthz latency (idle baseline vs under load), resident memory and errors",
    )
    .option("--clients <n>", "concurrent clients", positiveInt("--clients"), 32)
    .option("--seconds <n>", "duration of the load", positiveInt("--seconds"), 120)
    .option("--catalog-size <n>", "sample products loaded first", positiveInt("--catalog-size"), 2000)
    .option("--seed <n>", "random seed of the operation mix", positiveInt("--seed"), 42)
    .action(async (flags: BenchLoadFlags) => {
      const result = await runMixedLoad({
        config: benchConfig(),
        clients: flags.clients,
        seconds: flags.seconds,
        catalogSize: flags.catalogSize,
        seed: flags.seed,
        onPhase: (phase) => note(`${phase}…`),
      });
      for (const [op, f] of Object.entries(result.operations)) {
        note(`${op.padEnd(14)} ${String(f.requests).padStart(7)} requests  p50 ${f.p50_ms} ms  p99 ${f.p99_ms} ms  errors ${f.errors}  429s ${f.overloaded}`);
      }
      const probe = (name: string, p: typeof result.healthz_idle) => note(`/healthz ${name.padEnd(11)} p50 ${p.p50_ms} ms  p99 ${p.p99_ms} ms  max ${p.max_ms} ms  (${p.probes} probes, ${p.failures} failed)`);
      probe("idle", result.healthz_idle);
      probe("under load", result.healthz_under_load);
      note(`sidecar RSS: ${result.rss_mb.idle} MB idle, ${result.rss_mb.max_under_load} MB max under load, ${result.rss_mb.end} MB at the end`);
      const loop = result.sidecar_event_loop_delay_ms;
      if (loop) note(`sidecar event-loop delay over the run: p50 ${loop.p50} ms  p99 ${loop.p99} ms  max ${loop.max} ms`);
      for (const sample of result.error_samples) note(`error: ${sample}`);
      printSummary({ bench: "load", baseline: "healthz_idle", ...result });
    });
}

/** `relevance bench <what>`: figures with their baseline measured in the same run. */
export function benchCommand(): Command {
  const command = new Command("bench").description("benchmarks; each prints its figures with a baseline measured in the same run");
  command.addCommand(benchSearchCommand());
  command.addCommand(benchEnrichCommand());
  command.addCommand(benchReindexCommand());
  command.addCommand(benchLoadCommand());
  command.addCommand(benchEventsCommand());
  command.addCommand(benchRerankCommand());
  return command;
}
