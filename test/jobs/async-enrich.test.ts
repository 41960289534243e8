import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Redis } from "ioredis";
import pino from "pino";
import request from "supertest";
import { projectRoot } from "../../src/config";
import { type Sidecar } from "../../src/http";
import { connectQueueRedis, JobQueue, JobWorker, MAX_CARRIED_DOCUMENTS, type JobView } from "../../src/jobs";
import { versionedIndexName } from "../../src/opensearch";
import { ActiveModels } from "../../src/runtime";
import { runRelevance } from "../utils/run-relevance";
import { startTestSidecar } from "../utils/sidecar-harness";
import { testOpenSearchUrl, testRedisUrl, TEST_API_KEYS } from "../utils/services";
import { products, twoModelVersions, waitForJob, type TwoVersions } from "./reindex-fixtures";

const admin = { "x-api-key": TEST_API_KEYS.admin };
const writer = { "x-api-key": TEST_API_KEYS.write };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/** Scrapes `url` until `pattern` shows (a queue read can miss a scrape's deadline on a loaded machine). */
async function scrapeUntil(scrape: () => Promise<string>, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  let text = "";
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    text = await scrape().catch(() => "");
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return text;
}

describe("async enrichment through the queue, POST /v1/jobs validation and worker metrics (real OpenSearch and Redis)", function () {
  this.timeout(240_000);
  let models: TwoVersions;
  let connection: Redis;
  let sidecar: Sidecar;
  let queue: JobQueue;
  const logger = pino({ level: "silent" });
  const children: ChildProcess[] = [];

  before(async () => {
    models = await twoModelVersions();
    connection = connectQueueRedis(testRedisUrl());
    queue = new JobQueue({ connection, name: `test-${randomUUID()}` });
    const v1 = await models.load(models.v1);
    sidecar = await startTestSidecar({ modelsDir: models.modelsDir, embeddingDimension: v1.dimension, jobsQueue: queue.name }, { models: new ActiveModels({ embedder: v1 }) });
    // One document on v1 gives the live index its version (what async documents are embedded with).
    await request(sidecar.app).post("/v1/enrich").set(writer).send({ documents: products(1000, 1), refresh: true }).expect(200);
    await sidecar.live.start();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await queue.obliterate();
    await queue.close();
    await sidecar.close();
    connection.disconnect();
    await models.remove();
  });

  async function count(query?: Record<string, unknown>): Promise<number> {
    const index = versionedIndexName(sidecar.config.productsAlias, 1);
    await sidecar.gateway.request("POST", `/${index}/_refresh`, undefined, { timeoutMs: 60_000 });
    const response = await sidecar.gateway.request<{ count: number }>("POST", `/${index}/_count`, query ? { query } : undefined, { timeoutMs: 60_000 });
    return response.body.count;
  }

  it("answers 202 with a job id, keeps the documents in the job while no worker runs, and a `relevance worker` started later writes them with vectors; its /metrics shows the job", async () => {
    const documents = [...products(0, 30), { id: "no-title" }];
    const answer = await request(sidecar.app).post("/v1/enrich").set(writer).send({ documents, async: true }).expect(202);
    const body = answer.body as { job_id: string; index: string; counts: { queued: number; failed: number }; items: { position: number; id: string; status: string; error: { code: string } }[] };
    assert.ok(body.job_id);
    assert.deepEqual(body.counts, { queued: 30, failed: 1 });
    assert.deepEqual(
      body.items.map((item) => [item.position, item.id, item.status, item.error.code]),
      [[30, "no-title", "failed", "INVALID_DOCUMENT"]],
    );

    // No worker: the job waits in Redis with its documents, nothing is written.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const waiting = (await request(sidecar.app).get(`/v1/jobs/${body.job_id}`).set(admin).expect(200)).body as JobView;
    assert.deepEqual([waiting.type, waiting.state], ["embed-documents", "waiting"]);
    assert.equal(await count(), 1);

    const port = await freePort();
    const entry = `require("./src/cli/main.ts").main(["node", "relevance", "worker"]).catch((err) => { process.stderr.write(String(err && err.message)); process.exitCode = 1; })`;
    const child = spawn(process.execPath, ["--require", "tsx/cjs", "-e", entry], {
      cwd: projectRoot(),
      env: {
        PATH: process.env.PATH,
        OPENSEARCH_URL: testOpenSearchUrl(),
        REDIS_URL: testRedisUrl(),
        JOBS_QUEUE: queue.name,
        MODELS_DIR: models.modelsDir,
        PRODUCTS_ALIAS: sidecar.config.productsAlias,
        EVENTS_ALIAS: sidecar.config.eventsAlias,
        PROFILES_ALIAS: sidecar.config.profilesAlias,
        WORKER_METRICS_PORT: String(port),
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    const done = await waitForJob(queue, body.job_id, 120_000, 200);
    assert.equal(done.state, "completed", done.failure ?? "");
    assert.equal(await count(), 31);
    assert.equal(await count({ bool: { filter: [{ term: { model_version: models.v1 } }, { exists: { field: "embedding" } }] } }), 31, "every document written with a vector of the live version");

    const workerMetrics = await scrapeUntil(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /^relevance_job_duration_seconds_count\{type="embed-documents",outcome="completed"\} 1$/m);
    assert.match(workerMetrics, /^relevance_job_duration_seconds_count\{type="embed-documents",outcome="completed"\} 1$/m);
    assert.match(workerMetrics, /^relevance_jobs\{type="embed-documents",state="waiting"\} 0$/m);
    assert.match(workerMetrics, /^relevance_jobs\{type="reindex",state="active"\} 0$/m);
    assert.match(workerMetrics, /^process_cpu_user_seconds_total /m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));

    const serveMetrics = await scrapeUntil(async () => (await request(sidecar.app).get("/metrics")).text, /^relevance_jobs\{type="embed-documents",state="waiting"\} 0$/m);
    assert.match(serveMetrics, /^relevance_jobs\{type="embed-documents",state="waiting"\} 0$/m);
    assert.match(serveMetrics, /^relevance_jobs\{type="rebuild-profiles",state="failed"\} 0$/m);
  });

  it("`relevance load --async` queues the catalog in batches and prints the job ids; the worker writes them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "load-async-"));
    const port = await sidecar.listen();
    try {
      const file = join(dir, "catalog.jsonl");
      await writeFile(file, [...products(100, 25), { id: "bad" }].map((p) => JSON.stringify(p)).join("\n") + "\n");
      const run = await runRelevance(["load", "--catalog", file, "--async", "--batch-size", "10"], { SIDECAR_URL: `http://127.0.0.1:${port}`, SIDECAR_API_KEY: TEST_API_KEYS.write, PRODUCTS_ALIAS: sidecar.config.productsAlias });
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as { queued: number; failed: number; jobs: string[] };
      assert.deepEqual([summary.queued, summary.failed, summary.jobs.length], [25, 1, 3]);
      const worker = new JobWorker({ connection, queueName: queue.name, gateway: sidecar.gateway, modelsDir: models.modelsDir, logger });
      try {
        for (const id of summary.jobs) assert.equal((await waitForJob(queue, id, 60_000, 100)).state, "completed");
      } finally {
        await worker.close();
      }
      assert.equal(await count({ range: { id: { gte: "d000100", lte: "d000124" } } }), 25);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad async requests and bad jobs with 400, and jobs below admin with 403", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ documents: products(0, 1), async: true, write: false }, /write/],
      [{ documents: products(0, 1), async: true, refresh: true }, /refresh/],
      [{ documents: products(0, MAX_CARRIED_DOCUMENTS + 1), async: true }, /documents/],
      [{ documents: products(0, 1), async: "yes" }, /async/],
    ];
    for (const [payload, message] of cases) {
      const response = await request(sidecar.app).post("/v1/enrich").set(writer).send(payload);
      assert.equal(response.status, 400, JSON.stringify(payload).slice(0, 100));
      assert.equal((response.body as { error: { code: string } }).error.code, "INVALID_REQUEST");
      assert.match(JSON.stringify(response.body), message);
    }
    await request(sidecar.app).post("/v1/enrich").set("x-api-key", TEST_API_KEYS.search).send({ documents: products(0, 1), async: true }).expect(403);

    const badJobs: Record<string, unknown>[] = [
      { type: "embed-documents" },
      { type: "embed-documents", ids: ["a"], query: { match_all: {} } },
      { type: "embed-documents", ids: [] },
      { type: "embed-documents", ids: ["x".repeat(513)] },
      { type: "embed-documents", query: {} },
      { type: "embed-documents", query: { terms: { id: Array.from({ length: 3000 }, (_, i) => `id-${i}`) } } },
      { type: "embed-documents", stale: false },
      { type: "embed-documents", stale: true, force: "yes" },
      { type: "embed-documents", stale: true, index: "other" },
      { type: "rebuild-profiles", model_version: "" },
      { type: "rebuild-profiles", users: ["a"] },
      { type: "reindex", ids: ["a"] },
    ];
    for (const payload of badJobs) {
      const response = await request(sidecar.app).post("/v1/jobs").set(admin).send(payload);
      assert.equal(response.status, 400, `${JSON.stringify(payload).slice(0, 120)} → ${response.status}`);
      assert.equal((response.body as { error: { code: string } }).error.code, "INVALID_REQUEST");
    }
    for (const key of [TEST_API_KEYS.write, TEST_API_KEYS.search]) {
      await request(sidecar.app).post("/v1/jobs").set("x-api-key", key).send({ type: "embed-documents", stale: true }).expect(403);
      await request(sidecar.app).post("/v1/jobs").set("x-api-key", key).send({ type: "rebuild-profiles" }).expect(403);
    }
    const embed = (await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "embed-documents", ids: ["d000001"], force: true }).expect(202)).body as Record<string, unknown>;
    assert.deepEqual([embed.type, embed.alias, embed.model_version], ["embed-documents", sidecar.config.productsAlias, null]);
    const rebuild = (await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "rebuild-profiles" }).expect(202)).body as Record<string, unknown>;
    assert.deepEqual([rebuild.type, rebuild.model_version, rebuild.created], ["rebuild-profiles", models.v1, true], "rebuild-profiles defaults to the version the alias serves");
    const twice = (await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "rebuild-profiles" }).expect(202)).body as Record<string, unknown>;
    assert.deepEqual([twice.id, twice.created], [rebuild.id, false], "a second rebuild of the same version answers the queued one");
  });
});
