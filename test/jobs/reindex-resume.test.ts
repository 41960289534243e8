import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import { projectRoot } from "../../src/config";
import { connectQueueRedis, JobQueue, type JobView } from "../../src/jobs";
import { indexesBehindAlias, versionedIndexName } from "../../src/opensearch";
import { testOpenSearchUrl, testRedisUrl } from "../utils/services";
import { products, reindexResult, TestCatalog, twoModelVersions, type TwoVersions } from "./reindex-fixtures";

/** Catalog size of the crash test; the issue asks for ≥ 20,000 (REINDEX_TEST_DOCS makes it smaller on a slow machine). */
const DOCS = Number(process.env.REINDEX_TEST_DOCS || 20_000);
const BATCH = 500;

/** `relevance worker` as its own process, as in production. */
function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const entry = `require("./src/cli/main.ts").main(["node", "relevance", "worker"]).catch((err) => { process.stderr.write(String(err && err.message)); process.exitCode = 1; })`;
  return spawn(process.execPath, ["--require", "tsx/cjs", "-e", entry], { cwd: projectRoot(), env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "ignore", "pipe"] });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

async function until(queue: JobQueue, id: string, done: (view: JobView) => boolean, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await queue.get(id);
    if (view && done(view)) return view;
    if (view?.state === "failed") throw new Error(`job failed: ${view.failure ?? "?"}`);
    if (Date.now() > deadline) throw new Error(`job ${id} is ${view?.state ?? "missing"} at ${JSON.stringify(view?.progress)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`reindex of ${DOCS} documents survives a killed and a stopped worker`, function () {
  this.timeout(900_000);
  let models: TwoVersions;
  let connection: Redis;
  let catalog: TestCatalog;
  const children: ChildProcess[] = [];

  before(async () => {
    models = await twoModelVersions();
    connection = connectQueueRedis(testRedisUrl());
    catalog = new TestCatalog();
    const v1 = await models.load(models.v1);
    await catalog.setup(v1.dimension);
    await catalog.write(v1, products(0, DOCS));
    v1.dispose();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await catalog.remove(connection);
    connection.disconnect();
    await models.remove();
  });

  it("resumes from the checkpoint after SIGKILL and after SIGTERM: exact count, every document on the new version, alias swapped, old index kept", async () => {
    const queue = new JobQueue({ connection, name: `test-${randomUUID()}`, attempts: 3, backoffMs: 100 });
    const env = {
      OPENSEARCH_URL: testOpenSearchUrl(),
      REDIS_URL: testRedisUrl(),
      JOBS_QUEUE: queue.name,
      JOBS_LOCK_MS: "2000",
      REINDEX_BATCH_SIZE: String(BATCH),
      MODELS_DIR: models.modelsDir,
      PRODUCTS_ALIAS: catalog.aliases.products,
      EVENTS_ALIAS: catalog.aliases.events,
      PROFILES_ALIAS: catalog.aliases.profiles,
      LOG_LEVEL: "silent",
    };
    try {
      const { id } = await queue.enqueueReindex(catalog.aliases.products, models.v2);
      const isCopying = (above: number) => (view: JobView) => view.progress?.phase === "copy" && view.progress.done >= above;

      const first = startWorker(env);
      children.push(first);
      const atKill = await until(queue, id, isCopying(Math.floor(DOCS / 3)), 300_000);
      first.kill("SIGKILL");
      await exited(first);

      const second = startWorker(env);
      children.push(second);
      const resumed = await until(queue, id, (view) => view.state === "active" && (view.progress?.done ?? 0) > (atKill.progress?.done ?? 0), 120_000);
      assert.ok((resumed.progress?.done ?? 0) < DOCS, "the second worker continued from the checkpoint, not from the start");
      await until(queue, id, isCopying(Math.floor((2 * DOCS) / 3)), 300_000);
      second.kill("SIGTERM");
      assert.equal(await exited(second), 0, "SIGTERM checkpoints the batch and exits cleanly");
      const handedBack = await queue.get(id);
      assert.ok(handedBack && ["delayed", "waiting"].includes(handedBack.state), `the stopped job went back to the queue (${handedBack?.state ?? "?"})`);

      const third = startWorker(env);
      children.push(third);
      const done = await until(queue, id, (view) => view.state === "completed", 300_000);
      third.kill("SIGTERM");
      await exited(third);

      const alias = catalog.aliases.products;
      const target = versionedIndexName(alias, 2);
      assert.equal(reindexResult(done)?.copied, DOCS, "every document copied once by the checkpointed count: none skipped, none counted twice");
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [target]);
      assert.equal(await catalog.count(target), DOCS);
      assert.equal(await catalog.notOn(target, models.v2), 0);
      assert.equal(await catalog.count(versionedIndexName(alias, 1)), DOCS, "old index kept");
      process.stdout.write(`      reindex of ${DOCS}: ${JSON.stringify(done.result)}\n`);
    } finally {
      await queue.obliterate();
      await queue.close();
    }
  });
});
