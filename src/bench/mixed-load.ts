import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { SidecarClient } from "../client";
import { inheritedEnvironment, projectRoot, type SidecarConfig } from "../config";
import { type RawRecord } from "../indexing";
import { deleteIndexes, OpenSearchGateway } from "../opensearch";
import { seededRandom } from "../shared/seeded-random";
import { generateSampleCatalog } from "../synthetic";
import { percentile } from "./latency-run";

/** What one load client can do; the weights say how often each is picked. */
export const LOAD_OPERATIONS = ["search_bm25", "search_hybrid", "enrich", "bulk"] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

export interface MixedLoadOptions {
  /** OpenSearch, Redis and models to run the throw-away sidecar against; its aliases are replaced. */
  config: SidecarConfig;
  /** Concurrent clients. @defaultValue 32 */
  clients?: number;
  /** How long the load runs. @defaultValue 120 */
  seconds?: number;
  /** Sample products loaded before the load starts. @defaultValue 2000 */
  catalogSize?: number;
  /** Documents per `/v1/enrich` request. @defaultValue 50 */
  enrichDocuments?: number;
  /** Operations per `_bulk` request. @defaultValue 100 */
  bulkDocuments?: number;
  /** How often `/healthz` is probed from a separate thread. @defaultValue 50 */
  probeIntervalMs?: number;
  /** @defaultValue 42 */
  seed?: number;
  onPhase?: (phase: string) => void;
}

export interface OperationFigures {
  requests: number;
  /** Answers other than 2xx and the documented 429, and network failures. */
  errors: number;
  /** 429 OVERLOADED answers (documented back-pressure, not errors). */
  overloaded: number;
  p50_ms: number;
  p99_ms: number;
}

export interface ProbeFigures {
  probes: number;
  failures: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface MixedLoadResult {
  clients: number;
  seconds: number;
  operations: Record<LoadOperation, OperationFigures>;
  errors: number;
  overloaded: number;
  /** First few error descriptions, for diagnosis. */
  error_samples: string[];
  /** `/healthz` latency with the sidecar idle: the baseline of the same run. */
  healthz_idle: ProbeFigures;
  healthz_under_load: ProbeFigures;
  rss_mb: { idle: number; max_under_load: number; end: number };
  /**
   * The sidecar's own event-loop delay over the whole run (prom-client's `nodejs_eventloop_lag_*` on its
   * `/metrics`, first scrape): what a request waits inside the sidecar before it is even read. The gap
   * to `/healthz` latency is scheduling and network outside the sidecar's loop (2 shared cores here).
   */
  sidecar_event_loop_delay_ms: { p50: number; p99: number; max: number } | null;
}

const WEIGHTS: Record<LoadOperation, number> = { search_bm25: 0.3, search_hybrid: 0.3, enrich: 0.2, bulk: 0.2 };

const round = (x: number) => Math.round(x * 100) / 100;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb ? round(Number(kb) / 1024) : Number.NaN;
}

/**
 * Probes `/healthz` from a worker thread, so the load generator's own event loop does not colour the
 * figures. The thread runs plain JavaScript (no TypeScript loader), so it uses `fetch` rather than the sidecar client.
 */
function startProbe(url: string, intervalMs: number): { stop: () => Promise<ProbeFigures> } {
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const latencies = []; let failures = 0; let running = true;
    parentPort.on("message", () => { running = false; });
    (async () => {
      while (running) {
        const t0 = performance.now();
        try {
          const r = await fetch(workerData.url, { signal: AbortSignal.timeout(5000) });
          await r.arrayBuffer();
          if (r.ok) latencies.push(performance.now() - t0); else failures++;
        } catch { failures++; }
        await new Promise((r) => setTimeout(r, workerData.intervalMs));
      }
      parentPort.postMessage({ latencies, failures });
    })();`;
  const worker = new Worker(source, { eval: true, workerData: { url, intervalMs } });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once("message", (message: { latencies: number[]; failures: number }) => {
          void worker.terminate();
          const sorted = [...message.latencies].sort((a, b) => a - b);
          resolve({
            probes: sorted.length + message.failures,
            failures: message.failures,
            p50_ms: round(percentile(sorted, 50)),
            p99_ms: round(percentile(sorted, 99)),
            max_ms: round(sorted[sorted.length - 1] ?? Number.NaN),
          });
        });
        worker.once("error", reject);
        worker.postMessage("stop");
      }),
  };
}

async function sidecarEventLoopDelay(client: SidecarClient): Promise<{ p50: number; p99: number; max: number } | null> {
  const response = await client.request("GET", "/metrics", { timeoutMs: 5000 });
  const read = (name: string) => {
    for (const line of response.text.split("\n")) {
      if (line.startsWith(`${name} `)) return round(Number(line.slice(name.length + 1)) * 1000);
    }
    return Number.NaN;
  };
  const figures = { p50: read("nodejs_eventloop_lag_p50_seconds"), p99: read("nodejs_eventloop_lag_p99_seconds"), max: read("nodejs_eventloop_lag_max_seconds") };
  return Number.isNaN(figures.p99) ? null : figures;
}

async function waitForHealth(client: SidecarClient, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the sidecar exited during start-up (code ${child.exitCode})`);
    try {
      const response = await client.request("GET", "/healthz", { timeoutMs: 1000 });
      if (response.status >= 200 && response.status < 300) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the sidecar did not answer /healthz within ${timeoutMs} ms`);
}

function runCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(projectRoot(), "bin", "relevance.js"), ...args], { env, stdio: ["ignore", "ignore", "inherit"] });
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

interface Answer {
  status: number;
  retryAfterSeconds: number;
}

/** One POST with a single try (the load counts every status itself, 429s included); a bulk answer with item errors is reported as 207. */
async function send(client: SidecarClient, path: string, body: string, contentType: string): Promise<Answer> {
  const response = await client.request("POST", path, { body, contentType });
  if (response.status === 200 && contentType === "application/x-ndjson" && (JSON.parse(response.text) as { errors?: boolean }).errors) {
    return { status: 207, retryAfterSeconds: 0 };
  }
  return { status: response.status, retryAfterSeconds: Number(response.headers.get("retry-after") ?? "1") || 1 };
}

/**
 * A bounded, loopback-only load test of a real sidecar process: `clients` concurrent clients mix
 * BM25 and hybrid searches, `/v1/enrich` and `_bulk` writes for `seconds`, while a separate thread
 * probes `/healthz` and the sidecar's resident memory is sampled. The sidecar runs as its own process
 * (`relevance serve`) on throw-away aliases, which are deleted afterwards.
 */
export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  const clients = options.clients ?? 32;
  const seconds = options.seconds ?? 120;
  const enrichDocuments = options.enrichDocuments ?? 50;
  const bulkDocuments = options.bulkDocuments ?? 100;
  const random = seededRandom(options.seed ?? 42);
  const prefix = `bench-load-${randomUUID().slice(0, 8)}`;
  const aliases = { products: `${prefix}-products`, events: `${prefix}-events`, profiles: `${prefix}-profiles` };
  const writeKey = randomBytes(24).toString("hex");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sidecar = new SidecarClient({ baseUrl: url, apiKey: writeKey, tries: 1, timeoutMs: 30_000 });
  const env = inheritedEnvironment({
    OPENSEARCH_URL: options.config.opensearchUrl,
    REDIS_URL: options.config.redisUrl,
    MODELS_DIR: options.config.modelsDir,
    PRODUCTS_ALIAS: aliases.products,
    EVENTS_ALIAS: aliases.events,
    PROFILES_ALIAS: aliases.profiles,
    API_KEYS: `${writeKey}:write`,
    PSEUDONYM_KEY: randomBytes(32).toString("hex"),
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
  });

  const gateway = new OpenSearchGateway({
    url: options.config.opensearchUrl,
    username: options.config.opensearchUsername,
    password: options.config.opensearchPassword,
    timeoutMs: 30_000,
  });
  let server: ChildProcess | undefined;
  try {
    options.onPhase?.("setting up throw-away indexes");
    const setupCode = await exited(runCli(["setup"], env));
    if (setupCode !== 0) throw new Error(`relevance setup failed (exit ${setupCode})`);
    options.onPhase?.("starting the sidecar");
    server = runCli(["serve"], env);
    await waitForHealth(sidecar, server);
    const pid = server.pid;
    if (pid === undefined) throw new Error("the sidecar process has no pid");

    options.onPhase?.("loading the sample catalog");
    const catalog = [...generateSampleCatalog({ count: options.catalogSize ?? 2000, seed: options.seed ?? 42 })];
    for (let start = 0; start < catalog.length; start += 500) {
      const answer = await send(sidecar, "/v1/enrich", JSON.stringify({ documents: catalog.slice(start, start + 500), refresh: true }), "application/json");
      if (answer.status !== 200) throw new Error(`loading the sample catalog: /v1/enrich answered ${answer.status}`);
    }
    const queries = catalog.map((product) => String(product.title).split(" ").slice(1, 4).join(" "));

    options.onPhase?.("measuring /healthz idle (baseline)");
    const idleProbe = startProbe(`${url}/healthz`, options.probeIntervalMs ?? 50);
    await new Promise((r) => setTimeout(r, 5000));
    const healthzIdle = await idleProbe.stop();
    const rssIdle = residentMb(pid);

    options.onPhase?.(`running ${clients} clients for ${seconds} s`);
    const latencies: Record<LoadOperation, number[]> = { search_bm25: [], search_hybrid: [], enrich: [], bulk: [] };
    const counts = Object.fromEntries(LOAD_OPERATIONS.map((op) => [op, { requests: 0, errors: 0, overloaded: 0 }])) as Record<LoadOperation, { requests: number; errors: number; overloaded: number }>;
    const errorSamples: string[] = [];
    let rssMax = rssIdle;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, residentMb(pid));
    }, 500);
    const probe = startProbe(`${url}/healthz`, options.probeIntervalMs ?? 50);
    let written = 0;
    const pickOperation = (): LoadOperation => {
      let r = random();
      for (const op of LOAD_OPERATIONS) {
        r -= WEIGHTS[op];
        if (r < 0) return op;
      }
      return "bulk";
    };
    const request = (op: LoadOperation): Promise<Answer> => {
      const q = queries[Math.floor(random() * queries.length)] ?? "drill";
      switch (op) {
        case "search_bm25":
        case "search_hybrid":
          return send(sidecar, "/v1/search", JSON.stringify({ q, pipeline: op === "search_bm25" ? "bm25" : "hybrid", size: 10 }), "application/json");
        case "enrich": {
          const documents: RawRecord[] = Array.from({ length: enrichDocuments }, () => ({ ...catalog[Math.floor(random() * catalog.length)], id: `load-${written++}` }));
          return send(sidecar, "/v1/enrich", JSON.stringify({ documents }), "application/json");
        }
        case "bulk": {
          const lines = Array.from({ length: bulkDocuments }, () => {
            const id = `load-${written++}`;
            const source = { ...catalog[Math.floor(random() * catalog.length)], id };
            return `${JSON.stringify({ index: { _index: aliases.products, _id: id } })}\n${JSON.stringify(source)}\n`;
          });
          return send(sidecar, "/_bulk", lines.join(""), "application/x-ndjson");
        }
      }
    };
    const until = performance.now() + seconds * 1000;
    const client = async () => {
      while (performance.now() < until) {
        const op = pickOperation();
        counts[op].requests += 1;
        const t0 = performance.now();
        try {
          const answer = await request(op);
          if (answer.status === 429) {
            counts[op].overloaded += 1;
            await new Promise((r) => setTimeout(r, Math.min(answer.retryAfterSeconds, 5) * 1000));
          } else if (answer.status >= 200 && answer.status < 300 && answer.status !== 207) {
            latencies[op].push(performance.now() - t0);
          } else {
            counts[op].errors += 1;
            if (errorSamples.length < 10) errorSamples.push(`${op}: HTTP ${answer.status}${answer.status === 207 ? " (bulk item errors)" : ""}`);
          }
        } catch (err) {
          counts[op].errors += 1;
          if (errorSamples.length < 10) errorSamples.push(`${op}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    clearInterval(sampler);
    const healthzUnderLoad = await probe.stop();
    const rssEnd = residentMb(pid);
    const eventLoop = await sidecarEventLoopDelay(sidecar);

    const operations = Object.fromEntries(
      LOAD_OPERATIONS.map((op) => {
        const sorted = latencies[op].sort((a, b) => a - b);
        return [op, { ...counts[op], p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)) }];
      }),
    ) as Record<LoadOperation, OperationFigures>;
    return {
      clients,
      seconds,
      operations,
      errors: LOAD_OPERATIONS.reduce((sum, op) => sum + counts[op].errors, 0),
      overloaded: LOAD_OPERATIONS.reduce((sum, op) => sum + counts[op].overloaded, 0),
      error_samples: errorSamples,
      healthz_idle: healthzIdle,
      healthz_under_load: healthzUnderLoad,
      rss_mb: { idle: rssIdle, max_under_load: rssMax, end: rssEnd },
      sidecar_event_loop_delay_ms: eventLoop,
    };
  } finally {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    await deleteIndexes(gateway, aliases).catch(() => undefined);
    await gateway.close();
  }
}
