import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import pino from "pino";
import {
  followEmbeddingsPromotion,
  JobQueue,
  JobWorker,
  ReindexLock,
  ReindexRunningError,
  runReindex,
  type ReindexCheckpoint,
} from "../../src/jobs";
import { EnrichService } from "../../src/indexing";
import { indexesBehindAlias, versionedIndexName } from "../../src/opensearch";
import { products, reindexResult, TestCatalog, waitForJob, QueueTestServices } from "./reindex-fixtures";

describe("reindex job on a real OpenSearch and Redis", function () {
  this.timeout(180_000);
  const services = QueueTestServices.forSuite();
  const logger = pino({ level: "silent" });

  it("rebuilds the alias into the next index with the new model through the queue and keeps the old one; rollback swaps back in under a second", async () => {
    const catalog = new TestCatalog();
    const queue = new JobQueue({ connection: services.connection, name: `test-${randomUUID()}`, attempts: 2, backoffMs: 100 });
    const worker = new JobWorker({ connection: services.connection, queueName: queue.name, gateway: catalog.gateway, modelsDir: services.models.modelsDir, logger, batchSize: 50, lockMs: 5000, swapGraceMs: 100 });
    try {
      const v1 = await services.models.load(services.models.v1);
      await catalog.setup(v1.dimension);
      await catalog.write(v1, products(0, 300));
      const alias = catalog.aliases.products;
      const oldIndex = versionedIndexName(alias, 1);
      const newIndex = versionedIndexName(alias, 2);

      const first = await queue.enqueueReindex(alias, services.models.v2);
      const second = await queue.enqueueReindex(alias, services.models.v2);
      assert.equal(first.created, true);
      assert.deepEqual(second, { id: first.id, created: false }, "a second reindex of the same alias answers the queued one");

      const view = await waitForJob(queue, first.id, 120_000, 200);
      assert.equal(view.state, "completed", view.failure ?? "");
      assert.equal(reindexResult(view)?.documents, 300);
      assert.deepEqual(view.progress, { phase: "done", done: 300, total: 300 });
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [newIndex]);
      assert.equal(await catalog.count(newIndex), 300);
      assert.equal(await catalog.notOn(newIndex, services.models.v2), 0);
      assert.equal(await catalog.count(oldIndex), 300, "the old index is kept for rollback");
      assert.equal(await catalog.notOn(oldIndex, services.models.v1), 0);

      const back = await followEmbeddingsPromotion({ gateway: catalog.gateway, alias, version: services.models.v1, queue });
      assert.equal(back.action, "rolled-back");
      assert.ok(back.action === "rolled-back" && back.ms < 1000, `rollback took ${back.action === "rolled-back" ? back.ms : "?"} ms`);
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [oldIndex]);
      const forward = await followEmbeddingsPromotion({ gateway: catalog.gateway, alias, version: services.models.v2, queue });
      assert.equal(forward.action, "rolled-back", "promoting v2 again swaps to the kept v2 index without a reindex");
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [newIndex]);
      assert.equal((await followEmbeddingsPromotion({ gateway: catalog.gateway, alias, version: services.models.v2, queue })).action, "none");
    } finally {
      await worker.close();
      await queue.obliterate();
      await queue.close();
      await catalog.remove(services.connection);
    }
  });

  it("keeps writes that arrive during the copy and between the last catch-up and the swap", async () => {
    const catalog = new TestCatalog();
    try {
      const v1 = await services.models.load(services.models.v1);
      const v2 = await services.models.load(services.models.v2);
      await catalog.setup(v1.dimension);
      await catalog.write(v1, products(0, 200));
      const alias = catalog.aliases.products;
      const oldIndex = versionedIndexName(alias, 1);
      let batches = 0;
      let lateWritten = false;
      const result = await runReindex(catalog.gateway, { alias, embedder: v2, batchSize: 40, swapGraceMs: 50 }, undefined, {
        save: async (checkpoint: ReindexCheckpoint) => {
          if (checkpoint.phase === "copy" && checkpoint.copied > 0 && ++batches === 2) {
            // Mid-copy: new documents (some before the cursor, some after) and changed ones, written with the served model.
            await catalog.write(v1, [...products(200, 30), ...products(0, 10, " changed"), ...products(150, 5, " changed")]);
          }
          if (checkpoint.phase === "final-catch-up" && !lateWritten) {
            // A write that resolved the alias just before the swap and lands in the old index after it.
            lateWritten = true;
            await new EnrichService({ gateway: catalog.gateway, embedder: () => v1 }).enrich(products(500, 3), { write: true, index: oldIndex, timeoutMs: 60_000, refresh: true });
          }
        },
      });
      const target = result.target;
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [target]);
      assert.equal(lateWritten, true);
      assert.equal(await catalog.count(target), 233, "200 + 30 written during the copy + 3 after the last catch-up");
      assert.equal(await catalog.notOn(target, services.models.v2), 0);
      assert.equal(await catalog.count(target, { match: { title: "changed" } }), 15, "updates during the copy are carried over");
    } finally {
      await catalog.remove();
    }
  });

  it("allows one reindex lock per alias; the same job takes it again on resume", async () => {
    const alias = `lock-${randomUUID()}`;
    const a = new ReindexLock(services.connection, alias, "job-a", 5000);
    const b = new ReindexLock(services.connection, alias, "job-b", 5000);
    try {
      await a.acquire();
      await assert.rejects(b.acquire(), ReindexRunningError);
      await new ReindexLock(services.connection, alias, "job-a", 5000).acquire();
      await a.release();
      await b.acquire();
    } finally {
      await b.release();
    }
  });
});
