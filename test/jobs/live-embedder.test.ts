import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import pino from "pino";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { EnrichService } from "../../src/indexing";
import { JobQueue, JobWorker, reindexLockKey } from "../../src/jobs";
import { indexesBehindAlias, versionedIndexName } from "../../src/opensearch";
import { ActiveModels } from "../../src/runtime";
import { startTestSidecar } from "../utils/sidecar-harness";
import { TEST_API_KEYS } from "../utils/services";
import { products, waitForJob, QueueTestServices } from "./reindex-fixtures";

interface SearchAnswer {
  hits: { id: string; source: { model_version?: unknown } }[];
  embeddings: { model: string; version: string } | null;
  rerank?: { degraded?: unknown };
}

const QUERIES = ["acme sofa", "crimson faucet", "azure torch deluxe", "ivory trainers", "globex lorry model"];

async function hybrid(sidecar: Sidecar, q: string): Promise<SearchAnswer> {
  const response = await request(sidecar.app).post("/v1/search").set("x-api-key", TEST_API_KEYS.search).send({ q, pipeline: "hybrid", size: 20 });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as SearchAnswer;
}

/** Every hit of the answer was embedded by the model that embedded the query. */
function assertOneVersion(answer: SearchAnswer, q: string): void {
  assert.ok(answer.embeddings, `"${q}" answered without kNN`);
  assert.ok(answer.hits.length > 0, `"${q}" found nothing`);
  const versions = new Set(answer.hits.map((hit) => hit.source.model_version));
  assert.deepEqual([...versions], [answer.embeddings.version], `"${q}": hits on ${[...versions].join(", ")}, query embedded with ${answer.embeddings.version}`);
}

describe("serve follows the products alias's embedding version through a reindex", function () {
  this.timeout(180_000);
  const services = QueueTestServices.forSuite();
  const logger = pino({ level: "silent" });

  for (const promoted of ["v1", "v2"] as const) {
    it(`a hybrid search loop during the reindex never mixes versions, and the swap switches the query side without SIGHUP (served process holds ${promoted} as promoted)`, async () => {
      const v1 = await services.models.load(services.models.v1);
      const held = promoted === "v1" ? v1 : await services.models.load(services.models.v2);
      // Long refresh: the switch must come from the swap's announcement, not the periodic check.
      const sidecar = await startTestSidecar({ modelsDir: services.models.modelsDir, embeddingDimension: v1.dimension, liveIndexRefreshMs: 600_000 }, { models: new ActiveModels({ embedder: held }) });
      const alias = sidecar.config.productsAlias;
      const queue = new JobQueue({ connection: services.connection, name: `test-${randomUUID()}`, attempts: 1 });
      const worker = new JobWorker({ connection: services.connection, queueName: queue.name, gateway: sidecar.gateway, modelsDir: services.models.modelsDir, logger, batchSize: 25, lockMs: 5000 });
      try {
        const enrich = new EnrichService({ gateway: sidecar.gateway, embedder: () => v1 });
        const loaded = await enrich.enrich(products(0, 300), { write: true, index: alias, timeoutMs: 60_000, refresh: true });
        assert.equal(loaded.counts.failed, 0);
        await sidecar.live.start();
        assert.deepEqual(sidecar.live.live(), { index: versionedIndexName(alias, 1), version: services.models.v1 }, "a set-up index without _meta is known by its documents' version");
        const before = await hybrid(sidecar, "acme sofa");
        assertOneVersion(before, "acme sofa");
        assert.equal(before.embeddings?.version, services.models.v1, "queries are embedded with the live index's version, not the promoted one");

        const job = await queue.enqueueReindex(alias, services.models.v2);
        let running = true;
        let answers = 0;
        const versionsSeen = new Set<string>();
        const loop = (async () => {
          for (let i = 0; running; i++) {
            const q = QUERIES[i % QUERIES.length] ?? "acme";
            const answer = await hybrid(sidecar, q);
            assertOneVersion(answer, q);
            versionsSeen.add(answer.embeddings?.version ?? "none");
            answers += 1;
          }
        })();
        const view = await waitForJob(queue, job.id, 120_000, 100).finally(() => {
          running = false;
        });
        await loop;
        assert.equal(view.state, "completed", view.failure ?? "");
        assert.deepEqual(await indexesBehindAlias(sidecar.gateway, alias), [versionedIndexName(alias, 2)]);
        assert.ok(answers >= 5, `only ${answers} searches ran during the reindex`);
        assert.ok(versionsSeen.has(services.models.v1), "the loop saw the old version before the swap");

        const afterSwap = await hybrid(sidecar, "acme sofa");
        assertOneVersion(afterSwap, "acme sofa");
        assert.equal(afterSwap.embeddings?.version, services.models.v2, "the next search after the job answers with the new version, without SIGHUP");
        assert.equal(sidecar.models.embedder?.version, held.version, "the promoted model held in memory was not reloaded");
      } finally {
        await worker.close();
        await queue.obliterate();
        await queue.close();
        await services.connection.del(reindexLockKey(alias));
        await sidecar.gateway.request("DELETE", `/${versionedIndexName(alias, 2)}`, undefined, { ignore: [404], timeoutMs: 60_000 });
        await sidecar.close();
      }
    });
  }
});
