import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import pino from "pino";
import { EnrichService } from "../../src/indexing";
import { JobQueue, JobWorker, type EmbedDocumentsResult, type JobView } from "../../src/jobs";
import { versionedIndexName } from "../../src/opensearch";
import { products, TestCatalog, waitForJob, QueueTestServices } from "./reindex-fixtures";

function embedResult(view: JobView): EmbedDocumentsResult {
  assert.equal(view.type, "embed-documents");
  assert.equal(view.state, "completed", view.failure ?? "");
  return view.result as EmbedDocumentsResult;
}

/** `model_version` and `indexed_at` of each stored document. */
async function stamps(catalog: TestCatalog, index: string): Promise<Map<string, { model_version: string | null; indexed_at: string; has_vector: boolean }>> {
  await catalog.gateway.request("POST", `/${index}/_refresh`, undefined, { timeoutMs: 60_000 });
  const response = await catalog.gateway.request<{ hits: { hits: { _id: string; _source: { model_version?: string | null; indexed_at: string; embedding?: number[] } }[] } }>(
    "POST",
    `/${index}/_search`,
    { size: 1000, query: { match_all: {} }, _source: ["model_version", "indexed_at", "embedding"] },
    { timeoutMs: 60_000 },
  );
  return new Map(
    response.body.hits.hits.map((hit) => [hit._id, { model_version: hit._source.model_version ?? null, indexed_at: hit._source.indexed_at, has_vector: Array.isArray(hit._source.embedding) }]),
  );
}

describe("embed-documents job on a real OpenSearch and Redis", function () {
  this.timeout(180_000);
  const services = QueueTestServices.forSuite();
  const logger = pino({ level: "silent" });

  it("re-embeds by ids, by query and the stale ones in place with the live version; unchanged documents are skipped unless forced", async () => {
    const catalog = new TestCatalog();
    const queue = new JobQueue({ connection: services.connection, name: `test-${randomUUID()}`, attempts: 1 });
    const worker = new JobWorker({ connection: services.connection, queueName: queue.name, gateway: catalog.gateway, modelsDir: services.models.modelsDir, logger, batchSize: 20 });
    try {
      const v1 = await services.models.load(services.models.v1);
      await catalog.setup(v1.dimension);
      const alias = catalog.aliases.products;
      const index = versionedIndexName(alias, 1);
      // 60 documents on v1, and 40 written without a model (as enrichment does when no model is served): no vector, no version.
      await catalog.write(v1, products(0, 60));
      const unembedded = new EnrichService({ gateway: catalog.gateway, embedder: () => null });
      const plain = await unembedded.enrich(products(60, 40), { write: true, index: alias, timeoutMs: 60_000, refresh: true });
      assert.equal(plain.counts.indexed, 40);
      const before = await stamps(catalog, index);
      assert.equal([...before.values()].filter((s) => s.model_version === null && !s.has_vector).length, 40);

      // By ids: 3 without a vector are embedded, 2 already on v1 with the same content are skipped.
      const byIds = await queue.enqueue({ type: "embed-documents", alias, selection: { ids: ["d000061", "d000062", "d000063", "d000001", "d000002"] } });
      const idsResult = embedResult(await waitForJob(queue, byIds.id, 60_000, 100));
      assert.deepEqual([idsResult.total, idsResult.embedded, idsResult.unchanged, idsResult.index, idsResult.modelVersion], [5, 3, 2, index, services.models.v1]);
      const afterIds = await stamps(catalog, index);
      for (const id of ["d000061", "d000062", "d000063"]) assert.deepEqual([afterIds.get(id)?.model_version, afterIds.get(id)?.has_vector], [services.models.v1, true], id);
      assert.equal(afterIds.get("d000001")?.indexed_at, before.get("d000001")?.indexed_at, "a skipped document is not rewritten");
      assert.equal(afterIds.get("d000064")?.model_version, null, "documents not selected are left alone");

      // By query: titles with "sofa" among d000060…d000099, the three above already done.
      const query = { bool: { must: [{ match: { title: "sofa" } }, { range: { id: { gte: "d000060" } } }] } };
      const sofas = [...afterIds.keys()].filter((id) => id >= "d000060" && products(Number(id.slice(1)), 1)[0]?.title.split(" ").includes("sofa"));
      assert.ok(sofas.length > 0);
      const byQuery = await queue.enqueue({ type: "embed-documents", alias, selection: { query } });
      const queryResult = embedResult(await waitForJob(queue, byQuery.id, 60_000, 100));
      const alreadyDone = sofas.filter((id) => ["d000061", "d000062", "d000063"].includes(id)).length;
      assert.deepEqual([queryResult.total, queryResult.embedded, queryResult.unchanged], [sofas.length, sofas.length - alreadyDone, alreadyDone]);

      // Stale: everything left without the live version, then nothing.
      const stale = await queue.enqueue({ type: "embed-documents", alias, selection: { stale: true } });
      const staleResult = embedResult(await waitForJob(queue, stale.id, 60_000, 100));
      assert.equal(staleResult.embedded, 40 - 3 - (sofas.length - alreadyDone));
      assert.equal(await catalog.notOn(index, services.models.v1), 0, "every document carries the live version");
      assert.equal(await catalog.count(index), 100);
      const again = embedResult(await waitForJob(queue, (await queue.enqueue({ type: "embed-documents", alias, selection: { stale: true } })).id, 60_000, 100));
      assert.deepEqual([again.total, again.embedded], [0, 0]);

      // force rewrites unchanged documents.
      const forced = embedResult(await waitForJob(queue, (await queue.enqueue({ type: "embed-documents", alias, selection: { ids: ["d000001", "d000002"] }, force: true })).id, 60_000, 100));
      assert.deepEqual([forced.embedded, forced.unchanged], [2, 0]);
    } finally {
      await worker.close();
      await queue.obliterate();
      await queue.close();
      await catalog.remove();
    }
  });

  it("resumes from its checkpoint after a graceful stop: every document embedded once by the checkpointed counts, none skipped", async () => {
    const catalog = new TestCatalog();
    const queue = new JobQueue({ connection: services.connection, name: `test-${randomUUID()}`, attempts: 2, backoffMs: 100 });
    const options = { connection: services.connection, queueName: queue.name, gateway: catalog.gateway, modelsDir: services.models.modelsDir, logger, batchSize: 25, lockMs: 5000 };
    try {
      const v1 = await services.models.load(services.models.v1);
      await catalog.setup(v1.dimension);
      const alias = catalog.aliases.products;
      const index = versionedIndexName(alias, 1);
      const unembedded = new EnrichService({ gateway: catalog.gateway, embedder: () => null });
      await unembedded.enrich(products(0, 400), { write: true, index: alias, timeoutMs: 60_000, refresh: true });
      // An index with a version to embed with: one document on v1 gives the index its version.
      await catalog.write(v1, products(400, 1), true);

      const job = await queue.enqueue({ type: "embed-documents", alias, selection: { stale: true } });
      const first = new JobWorker(options);
      // Stop (as on SIGTERM) once some batches are checkpointed.
      for (const until = Date.now() + 60_000; ; ) {
        const view = await queue.get(job.id);
        if ((view?.progress?.done ?? 0) >= 100) break;
        if (Date.now() > until) throw new Error("the job made no progress");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await first.close();
      const paused = await queue.get(job.id);
      assert.ok(paused && ["delayed", "waiting"].includes(paused.state), `stopped job is ${paused?.state ?? "gone"}`);
      const done = paused.progress?.done ?? 0;
      assert.ok(done >= 100 && done < 400, `stopped after ${done} documents`);
      assert.ok(await catalog.notOn(index, services.models.v1) > 0, "documents are left for the resumed run");

      const second = new JobWorker(options);
      try {
        const result = embedResult(await waitForJob(queue, job.id, 120_000, 100));
        assert.deepEqual([result.total, result.embedded, result.unchanged], [400, 400, 0], "embedded exactly once across the two runs");
        assert.equal(await catalog.notOn(index, services.models.v1), 0);
        assert.equal(await catalog.count(index), 401);
      } finally {
        await second.close();
      }
    } finally {
      await queue.obliterate();
      await queue.close();
      await catalog.remove();
    }
  });
});
