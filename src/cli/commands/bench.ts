import { Command } from "commander";
import { benchEnrichment, measureLatency, type LatencySummary } from "../../bench";
import { loadConfig, readConnectionSettings } from "../../config";
import { readJudgments } from "../../eval";
import { loadActiveEmbedder, loadEmbedder } from "../../model";
import { bm25Query } from "../../search/bm25-query";
import { catalogReadOptions, withCatalogOptions, type CatalogFlags } from "../catalog-options";
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

async function postJson(url: string, body: unknown): Promise<void> {
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
      const sidecarUrl = flags.sidecarUrl ?? connections.sidecarUrl;
      const opensearchUrl = flags.opensearchUrl ?? connections.opensearchUrl;
      const alias = loadConfig().productsAlias;
      const judgments = await readJudgments(flags.judgments);
      const queries = [...new Set(judgments.groups.map((g) => g.query))].slice(0, flags.limit);
      const warmup = queries.slice(0, Math.min(20, queries.length));

      const runs: Record<string, LatencySummary> = {};
      const direct = (q: string) => postJson(`${opensearchUrl}/${alias}/_search`, { query: bm25Query(q, {}), size: flags.size });
      await measureLatency(warmup, flags.concurrency, direct);
      runs["opensearch-direct"] = await measureLatency(queries, flags.concurrency, direct);
      for (const pipeline of flags.pipelines.split(",").map((p) => p.trim()).filter(Boolean)) {
        const viaSidecar = (q: string) => postJson(`${sidecarUrl}/v1/search`, { q, pipeline, size: flags.size });
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
    .option("--models-dir <dir>", "models folder (env MODELS_DIR)")
    .option("--opensearch-url <url>", "OpenSearch URL (env OPENSEARCH_URL)")
    .action(async (flags: BenchEnrichFlags) => {
      const config = loadConfig({
        logLevel: "warn",
        ...(flags.opensearchUrl ? { opensearchUrl: flags.opensearchUrl } : {}),
        ...(flags.modelsDir ? { modelsDir: flags.modelsDir } : {}),
      });
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

/** `relevance bench <what>`: figures with their baseline measured in the same run. */
export function benchCommand(): Command {
  const command = new Command("bench").description("benchmarks; each prints its figures with a baseline measured in the same run");
  command.addCommand(benchSearchCommand());
  command.addCommand(benchEnrichCommand());
  return command;
}
