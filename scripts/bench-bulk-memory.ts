/**
 * Peak RSS of a sidecar process under concurrent large `_bulk` requests, with the same run's
 * baselines: the sidecar at idle, and serving one request of the same size. Loopback only; sizes
 * and concurrency are capped. The sidecar runs as a child process so its RSS is its own.
 *
 *   npx tsx scripts/bench-bulk-memory.ts [--opensearch http://127.0.0.1:9250] [--clients 10] [--mb 20] [--max-inflight 256mb]
 *
 * Two targets: the products alias (parsed, cleaned, rebuilt) and another index with an admin key
 * (passed along unparsed). Documents reuse the same ids in every request, so the throw-away index
 * stays the size of one request. Last stdout line: JSON.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadConfig, type ConfigOverrides } from "../src/config";
import { createSidecar } from "../src/http";
import { deleteIndexes, OpenSearchGateway, setupIndexes } from "../src/opensearch";

const { values } = parseArgs({
  options: {
    opensearch: { type: "string", default: "http://127.0.0.1:9250" },
    clients: { type: "string", default: "10" },
    mb: { type: "string", default: "20" },
    "max-inflight": { type: "string", default: "256mb" },
    serve: { type: "string" },
  },
});

/** Child mode: run a sidecar from the given config overrides and print its port. */
async function serve(overridesJson: string): Promise<void> {
  const sidecar = createSidecar(loadConfig(JSON.parse(overridesJson) as ConfigOverrides, {}));
  const port = await sidecar.listen();
  process.stdout.write(`${port}\n`);
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const line = status.split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Samples the child's RSS every 10 ms while `work` runs; returns the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = await rssOf(pid);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(pid));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    const result = await work();
    return { peak, result };
  } finally {
    running = false;
    await sampler;
  }
}

function bulkBody(index: string, bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  const filler = "sturdy steel hand tool with a comfortable grip ".repeat(8);
  for (let i = 0; size < bytes; i++) {
    const pair = `${JSON.stringify({ index: { _index: index, _id: `b-${i}` } })}\n${JSON.stringify({ title: `Hammer model ${i}`, description: filler, brand: "Acme", price: (i % 500) + 0.99, category: "Tools/Hand Tools" })}\n`;
    lines.push(pair);
    size += Buffer.byteLength(pair);
  }
  return Buffer.from(lines.join(""));
}

/** The answer's status, with a 429 told apart by who sent it: the sidecar's budget or OpenSearch's indexing pressure. */
function post(port: number, key: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/_bulk", headers: { "content-type": "application/x-ndjson", "content-length": body.length, "x-api-key": key } }, (res) => {
      const status = res.statusCode ?? 0;
      const head: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (status !== 200 && head.length < 4) head.push(chunk);
      });
      res.on("end", () => {
        const text = Buffer.concat(head).toString("utf8");
        resolve(status !== 429 ? String(status) : text.includes('"OVERLOADED"') ? "429 sidecar OVERLOADED" : "429 from OpenSearch");
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  if (values.serve !== undefined) {
    await serve(values.serve);
    return;
  }
  const clients = Math.min(32, Math.max(1, Number(values.clients)));
  const megabytes = Math.min(100, Math.max(1, Number(values.mb)));
  const opensearchUrl = new URL(values.opensearch);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(opensearchUrl.hostname)) throw new Error("loopback only: --opensearch must be a local address");

  const prefix = `bench-mem-${randomUUID().slice(0, 8)}`;
  const aliases = { products: `${prefix}-products`, events: `${prefix}-events`, profiles: `${prefix}-profiles` };
  const plainIndex = `${prefix}-plain`;
  const writeKey = randomBytes(24).toString("hex");
  const adminKey = randomBytes(24).toString("hex");
  const gateway = new OpenSearchGateway({ url: opensearchUrl.toString().replace(/\/$/, ""), timeoutMs: 30_000 });
  await setupIndexes(gateway, { aliases, embeddingDimension: 64 });

  const overrides: ConfigOverrides = {
    opensearchUrl: opensearchUrl.toString().replace(/\/$/, ""),
    port: 0,
    host: "127.0.0.1",
    logLevel: "silent",
    productsAlias: aliases.products,
    eventsAlias: aliases.events,
    profilesAlias: aliases.profiles,
    maxInflightBytes: values["max-inflight"],
    proxyTimeoutMs: 300_000,
    opensearchTimeoutMs: 30_000,
    apiKeys: [
      { key: writeKey, scope: "write" },
      { key: adminKey, scope: "admin" },
    ],
  };
  const report: Record<string, unknown> = { clients, request_mb: megabytes, max_inflight: values["max-inflight"] };
  try {
    // A fresh sidecar process per target: V8 keeps the heap it grew, so phases would inherit each other's peak.
    for (const [target, index, key] of [
      ["products (enriched)", aliases.products, writeKey],
      ["other index (passed along)", plainIndex, adminKey],
    ] as const) {
      const child = spawn(process.execPath, ["-r", "tsx/cjs", __filename, "--serve", JSON.stringify(overrides)], { stdio: ["ignore", "pipe", "inherit"] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          createInterface({ input: child.stdout }).once("line", (line) => resolve(Number(line)));
          child.once("exit", (code) => reject(new Error(`sidecar exited with ${code}`)));
        });
        const pid = child.pid ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const idle = await rssOf(pid);
        const body = bulkBody(index, megabytes * 1024 * 1024);
        const one = await peakRss(pid, () => post(port, key, body));
        const many = await peakRss(pid, () => Promise.all(Array.from({ length: clients }, () => post(port, key, body))));
        const statuses: Record<string, number> = {};
        for (const status of many.result) statuses[status] = (statuses[status] ?? 0) + 1;
        const line = { idle_rss_mb: mb(idle), one_request_peak_rss_mb: mb(one.peak), one_request_status: one.result, concurrent_peak_rss_mb: mb(many.peak), concurrent_statuses: statuses };
        process.stdout.write(`${target}: ${JSON.stringify(line)}\n`);
        report[target] = line;
      } finally {
        child.kill("SIGTERM");
      }
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await deleteIndexes(gateway, aliases);
    await gateway.request("DELETE", `/${plainIndex}`, undefined, { ignore: [404] });
    await gateway.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
