import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import pino from "pino";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { EnrichService } from "../../src/indexing";
import { connectQueueRedis, JobQueue, JobWorker, reindexLockKey, type JobView } from "../../src/jobs";
import { versionedIndexName } from "../../src/opensearch";
import { ActiveModels } from "../../src/runtime";
import { runRelevance } from "../utils/run-relevance";
import { startTestSidecar } from "../utils/sidecar-harness";
import { testOpenSearchUrl, testRedisUrl, TEST_API_KEYS } from "../utils/services";
import { products, reindexResult, twoModelVersions, type TwoVersions } from "./reindex-fixtures";

const admin = { "x-api-key": TEST_API_KEYS.admin };

async function untilFinished(sidecar: Sidecar, id: string, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(sidecar.app).get(`/v1/jobs/${id}`).set(admin);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const view = response.body as JobView;
    if (view.state === "completed" || view.state === "failed") return view;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${view.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("/v1/jobs and relevance jobs on a real OpenSearch and Redis", function () {
  this.timeout(180_000);
  let models: TwoVersions;
  let connection: Redis;
  let sidecar: Sidecar;
  let queueName: string;
  const logger = pino({ level: "silent" });

  before(async () => {
    models = await twoModelVersions();
    connection = connectQueueRedis(testRedisUrl());
    queueName = `test-${randomUUID()}`;
    const v1 = await models.load(models.v1);
    sidecar = await startTestSidecar({ modelsDir: models.modelsDir, embeddingDimension: v1.dimension, jobsQueue: queueName }, { models: new ActiveModels({ embedder: v1 }) });
    const loaded = await new EnrichService({ gateway: sidecar.gateway, embedder: () => v1 }).enrich(products(0, 120), {
      write: true,
      index: sidecar.config.productsAlias,
      timeoutMs: 60_000,
      refresh: true,
    });
    assert.equal(loaded.counts.failed, 0);
  });
  after(async () => {
    const queue = new JobQueue({ connection, name: queueName });
    await queue.obliterate();
    await queue.close();
    await connection.del(reindexLockKey(sidecar.config.productsAlias));
    await sidecar.gateway.request("DELETE", `/${versionedIndexName(sidecar.config.productsAlias, 2)}`, undefined, { ignore: [404], timeoutMs: 60_000 });
    await sidecar.close();
    connection.disconnect();
    await models.remove();
  });

  it("enqueues a reindex (202), answers 409 REINDEX_RUNNING while it is queued, shows its progress and result, lists it; 404 for an unknown id; admin only", async () => {
    await request(sidecar.app).post("/v1/jobs").set("x-api-key", TEST_API_KEYS.write).send({ type: "reindex" }).expect(403);
    await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "rebuild-everything" }).expect(400);
    const created = await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "reindex", model_version: models.v2 }).expect(202);
    const id = (created.body as { id: string }).id;
    assert.ok(id);
    const again = await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "reindex", model_version: models.v2 }).expect(409);
    assert.equal((again.body as { error: { code: string; details: { job_id: string } } }).error.code, "REINDEX_RUNNING");
    assert.equal((again.body as { error: { details: { job_id: string } } }).error.details.job_id, id);
    const queued = (await request(sidecar.app).get(`/v1/jobs/${id}`).set(admin).expect(200)).body as JobView;
    assert.equal(queued.state, "waiting");
    assert.equal(queued.model_version, models.v2);

    let followUp: string | undefined;
    const worker = new JobWorker({ connection, queueName, gateway: sidecar.gateway, modelsDir: models.modelsDir, logger, batchSize: 25, lockMs: 5000, swapGraceMs: 100 });
    try {
      const view = await untilFinished(sidecar, id, 120_000);
      assert.equal(view.state, "completed", view.failure ?? "");
      assert.deepEqual(view.progress, { phase: "done", done: 120, total: 120 });
      assert.equal(reindexResult(view)?.documents, 120);
      assert.ok(view.started_at && view.finished_at && view.finished_at >= view.started_at);
      followUp = reindexResult(view)?.followUpJob;
      assert.ok(followUp, "a reindex enqueued through /v1/jobs enqueues rebuild-profiles once it has swapped");
    } finally {
      await worker.close();
    }
    const list = (await request(sidecar.app).get("/v1/jobs").set(admin).expect(200)).body as { jobs: JobView[] };
    assert.deepEqual(
      list.jobs.map((job) => [job.id, job.type]),
      [
        [followUp, "rebuild-profiles"],
        [id, "reindex"],
      ],
    );
    assert.equal(list.jobs.find((job) => job.id === id)?.state, "completed");
    assert.deepEqual(((await request(sidecar.app).get("/v1/jobs?state=failed").set(admin).expect(200)).body as { jobs: JobView[] }).jobs, []);
    const missing = await request(sidecar.app).get("/v1/jobs/no-such-job").set(admin).expect(404);
    assert.equal((missing.body as { error: { code: string } }).error.code, "NOT_FOUND");

    const env = { OPENSEARCH_URL: testOpenSearchUrl(), REDIS_URL: testRedisUrl(), JOBS_QUEUE: queueName, LOG_LEVEL: "silent" };
    const listed = await runRelevance(["jobs"], env);
    assert.equal(listed.code, 0, listed.stderr);
    const lastLine = listed.stdout.trim().split("\n").pop() ?? "";
    assert.deepEqual(
      (JSON.parse(lastLine) as { jobs: JobView[] }).jobs.map((job) => job.id),
      [followUp, id],
    );
    const watched = await runRelevance(["jobs", id, "--watch"], env);
    assert.equal(watched.code, 0, watched.stderr);
    const job = JSON.parse(watched.stdout.trim().split("\n").pop() ?? "") as JobView;
    assert.equal(job.state, "completed");
    assert.equal(reindexResult(job)?.documents, 120);
  });

  it("records a job whose attempts are spent in the dead letters with its reason; /metrics shows the queue depth, durations and failures", async () => {
    const created = await request(sidecar.app).post("/v1/jobs").set(admin).send({ type: "reindex", model_version: "no-such-version" }).expect(202);
    const id = (created.body as { id: string }).id;
    const worker = new JobWorker({ connection, queueName, gateway: sidecar.gateway, modelsDir: models.modelsDir, logger, lockMs: 5000 });
    try {
      const view = await untilFinished(sidecar, id, 60_000);
      assert.equal(view.state, "failed");
      assert.ok(view.failure);
    } finally {
      await worker.close();
    }
    const failed = ((await request(sidecar.app).get("/v1/jobs?state=failed").set(admin).expect(200)).body as { jobs: JobView[] }).jobs;
    assert.deepEqual(
      failed.map((job) => job.id),
      [id],
    );

    // A scrape whose queue read misses its 1 s deadline (a loaded machine) keeps the previous figures by
    // design; scrape until one read has come through, as Prometheus would at its next interval.
    let metrics = "";
    for (const until = Date.now() + 15_000; Date.now() < until; ) {
      metrics = (await request(sidecar.app).get("/metrics").expect(200)).text;
      if (/^relevance_jobs\{type="reindex",state="failed"\} 1$/m.test(metrics)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.match(metrics, /^relevance_jobs\{type="reindex",state="failed"\} 1$/m);
    assert.match(metrics, /^relevance_jobs\{type="reindex",state="waiting"\} 0$/m);
    assert.match(metrics, /^relevance_job_failures_total\{type="reindex"\} 1$/m);
    assert.match(metrics, /^relevance_job_duration_seconds_count\{type="reindex",outcome="completed"\} 1$/m);
    assert.match(metrics, /^relevance_job_duration_seconds_count\{type="reindex",outcome="failed"\} 1$/m);
    const again = (await request(sidecar.app).get("/metrics").expect(200)).text;
    assert.match(again, /^relevance_job_failures_total\{type="reindex"\} 1$/m, "a job is counted once across scrapes");
  });
});
