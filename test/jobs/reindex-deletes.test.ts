import { strict as assert } from "node:assert";
import { runReindex, type ReindexCheckpoint } from "../../src/jobs";
import { indexesBehindAlias } from "../../src/opensearch";
import { products, TestCatalog, twoModelVersions, type TwoVersions } from "./reindex-fixtures";

describe("deletes during a reindex (real OpenSearch)", function () {
  this.timeout(180_000);
  let models: TwoVersions;

  before(async () => {
    models = await twoModelVersions();
  });
  after(async () => {
    await models.remove();
  });

  it("carries deletes that reach the source during the copy and the catch-up over to the new index; the job completes", async () => {
    const catalog = new TestCatalog();
    try {
      const v1 = await models.load(models.v1);
      const v2 = await models.load(models.v2);
      await catalog.setup(v1.dimension);
      await catalog.write(v1, products(0, 200));
      const alias = catalog.aliases.products;
      const remove = async (ids: readonly string[]) => {
        for (const id of ids) await catalog.gateway.request("DELETE", `/${alias}/_doc/${id}`, undefined, { timeoutMs: 60_000 });
      };
      let batches = 0;
      let duringCatchUp = false;
      const result = await runReindex(catalog.gateway, { alias, embedder: v2, batchSize: 40, swapGraceMs: 50 }, undefined, {
        save: async (checkpoint: ReindexCheckpoint) => {
          if (checkpoint.phase === "copy" && checkpoint.copied > 0 && ++batches === 2) {
            // Mid-copy: deletes of copied documents, of documents not copied yet (the copy's PIT still shows them),
            // and a document written during the copy, then deleted.
            await catalog.write(v1, products(300, 2));
            await remove(["d000003", "d000040", "d000150", "d000199", "d000300"]);
          }
          if (checkpoint.phase === "catch-up" && !duringCatchUp) {
            duringCatchUp = true;
            await remove(["d000100"]);
          }
        },
      });
      const target = result.target;
      assert.deepEqual(await indexesBehindAlias(catalog.gateway, alias), [target], "verify passed and the alias moved");
      assert.equal(await catalog.count(target), 200 + 2 - 6);
      for (const id of ["d000003", "d000040", "d000150", "d000199", "d000300", "d000100"]) {
        assert.equal(await catalog.count(target, { ids: { values: [id] } }), 0, `${id} was deleted during the reindex`);
      }
      assert.equal(await catalog.count(target, { ids: { values: ["d000301", "d000004"] } }), 2, "the others stay");
      assert.equal(await catalog.notOn(target, models.v2), 0);
      // d000300 came and went before any catch-up copied it: five copies had to be deleted from the target.
      assert.equal(result.deleted, 5);
    } finally {
      await catalog.remove();
    }
  });
});
