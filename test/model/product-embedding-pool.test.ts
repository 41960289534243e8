import { strict as assert } from "node:assert";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import request from "supertest";
import { createSidecar } from "../../src/http";
import { type Product } from "../../src/indexing";
import { EMBEDDINGS_KIND, loadEmbedder, ModelFailedError, ProductEmbeddingPool } from "../../src/model";
import { modelLoadingFromConfig } from "../../src/runtime";
import { testConfig } from "../utils/services";
import { tinyModel, type TinyModel } from "../utils/tiny-model";

/** `serve` embeds index-time batches on worker threads: the vectors must be exactly the inline ones. */
describe("product embedding threads", function () {
  this.timeout(60_000);
  let tiny: TinyModel;
  let modelDir: string;
  let catalog: Product[];
  const pools: ProductEmbeddingPool[] = [];
  const pool = (threads = 1) => {
    const made = new ProductEmbeddingPool({ threads, idleTimeoutMs: 1000 });
    pools.push(made);
    return made;
  };

  before(async () => {
    tiny = await tinyModel();
    modelDir = join(tiny.modelsDir, EMBEDDINGS_KIND, tiny.version);
    catalog = [...tiny.data.products.values()];
    assert.ok(catalog.length >= 100, "the synthetic catalog has at least 100 products");
  });
  after(async () => {
    await Promise.all(pools.map((made) => made.close()));
  });

  it("gives bit-identical vectors to the inline path, in order, for batches of the pooled size and above", async () => {
    const products = catalog.slice(0, 100);
    const inline = await loadEmbedder(modelDir, { inference: "js" });
    const threaded = await loadEmbedder(modelDir, { inference: "js", pool: pool(2), pooledBatch: 8 });
    const expected = await inline.embedProducts(products);
    const got = await threaded.embedProducts(products);
    assert.equal(got.length, expected.length);
    got.forEach((vector, i) => assert.deepEqual(Array.from(vector), Array.from(expected[i] ?? []), `product ${i}`));
    // Concurrent batches each get their own vectors back.
    const batches = [products.slice(0, 10), products.slice(10, 40), products.slice(40, 100)];
    const answers = await Promise.all(batches.map((batch) => threaded.embedProducts(batch)));
    assert.deepEqual(answers.flat().map((v) => Array.from(v)), expected.map((v) => Array.from(v)));
  });

  it("keeps queries and small batches on the calling thread", async () => {
    const threads = pool();
    const threaded = await loadEmbedder(modelDir, { inference: "js", pool: threads, pooledBatch: 8 });
    const inline = await loadEmbedder(modelDir, { inference: "js" });
    const small = catalog.slice(0, 7);
    await threads.close(); // a closed pool would fail any batch sent to it
    assert.deepEqual((await threaded.embedProducts(small)).map((v) => Array.from(v)), (await inline.embedProducts(small)).map((v) => Array.from(v)));
    assert.equal((await threaded.embedQueries(["blue fridge"])).length, 1);
    await assert.rejects(threaded.embedProducts(catalog.slice(0, 8)), ModelFailedError);
    assert.equal(threadId, 0, "the test itself runs on the main thread");
  });

  it("fails a batch with ModelFailedError when the thread cannot read the model, and recovers once the folder is readable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pool-model-"));
    try {
      const copy = join(dir, "v");
      await cp(modelDir, copy, { recursive: true });
      const threaded = await loadEmbedder(copy, { inference: "js", pool: pool(), pooledBatch: 1 });
      const weights = join(copy, "weights.bin");
      const original = await readFile(weights);
      await writeFile(weights, Buffer.alloc(16));
      await assert.rejects(threaded.embedProducts(catalog.slice(0, 3)), (err: unknown) => err instanceof ModelFailedError && /worker thread/.test(err.message));
      await writeFile(weights, original);
      assert.equal((await threaded.embedProducts(catalog.slice(0, 3))).length, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is sized by EMBEDDING_THREADS, and 0 keeps every batch inline", async () => {
    const none = modelLoadingFromConfig(testConfig({ embeddingThreads: 0 }));
    assert.equal(none.embeddingThreads, 0);
    assert.equal(none.loading.embedder, undefined);
    const two = modelLoadingFromConfig(testConfig({ embeddingThreads: 2 }));
    try {
      assert.equal(two.embeddingThreads, 2);
      assert.ok(two.loading.embedder?.pool instanceof ProductEmbeddingPool);
    } finally {
      await two.close();
    }
    assert.throws(() => new ProductEmbeddingPool({ threads: 0 }), /from 1 to 64/);
  });

  it("/readyz reports the embedding threads serve runs with (0 without)", async () => {
    const two = modelLoadingFromConfig(testConfig({ embeddingThreads: 2 }));
    const threaded = createSidecar(testConfig(), { loading: two.loading });
    const inline = createSidecar(testConfig());
    try {
      const threadsOf = async (sidecar: typeof inline) => ((await request(sidecar.app).get("/readyz").expect(200)).body as { embedding_threads?: unknown }).embedding_threads;
      assert.equal(await threadsOf(threaded), 2);
      assert.equal(await threadsOf(inline), 0);
    } finally {
      await threaded.close();
      await inline.close();
      await two.close();
    }
  });
});
