import { Command } from "commander";
import { measureLatency, type LatencySummary } from "../../bench";
import { loadConfig, readConnectionSettings } from "../../config";
import { readJudgments } from "../../eval";
import { bm25Query } from "../../search/bm25-query";
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

/** `relevance bench <what>`: figures with their baseline measured in the same run. */
export function benchCommand(): Command {
  const command = new Command("bench").description("benchmarks; each prints its figures with a baseline measured in the same run");
  command.addCommand(benchSearchCommand());
  return command;
}
