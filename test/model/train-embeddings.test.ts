import { strict as assert } from "node:assert";
import { mkdtemp, rm, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  activeVersion,
  listModels,
  loadActiveEmbedder,
  loadEmbedder,
  ModelFormatError,
  promoteModel,
  saveEmbeddingModel,
  trainEmbeddings,
  type Embedder,
  type TrainedEmbeddings,
} from "../../src/model";
import { syntheticCatalog } from "../utils/synthetic-catalog";
import { TINY_TRAINING_OPTIONS } from "../utils/tiny-model";

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

describe("training the two-tower model", function () {
  this.timeout(30_000);
  const data = syntheticCatalog();
  let trained: TrainedEmbeddings;
  let root: string;

  before(async () => {
    await tf.setBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "emb-test-"));
    trained = await trainEmbeddings(data, TINY_TRAINING_OPTIONS);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("learns: held-out recall@10 beats the untrained model by a wide margin", () => {
    const m = trained.metrics;
    assert.ok(m.valQueries >= 10, `val queries ${m.valQueries}`);
    assert.equal(m.skippedPairs.notRelevant, 1, "the grade-0 pair is not a positive");
    assert.ok(m.valRecallAt10Untrained !== null && m.valRecallAt10 !== null);
    assert.ok(m.valRecallAt10 > m.valRecallAt10Untrained + 0.3, `recall@10 ${m.valRecallAt10Untrained} → ${m.valRecallAt10}`);
    const losses = m.epochs.map((e) => e.loss);
    assert.ok((losses[losses.length - 1] as number) < (losses[0] as number) * 0.8, `loss curve ${losses.join(", ")}`);
  });

  it("puts matched pairs closer than random pairs, through a saved and loaded model", async () => {
    const { dir } = await saveEmbeddingModel(join(root, "embeddings"), { name: "embeddings", ...trained, training: {}, metrics: {} });
    const embedder = await loadEmbedder(dir);
    try {
      const [query] = await embedder.embedQueries(["blue fridge"]);
      const matches = [...data.products.values()].filter((p) => p.title.includes("azure refrigerator"));
      const others = [...data.products.values()].filter((p) => !p.title.includes("refrigerator") && !p.title.includes("azure"));
      const matchScores = (await embedder.embedProducts(matches)).map((v) => dot(query as Float32Array, v));
      const otherScores = (await embedder.embedProducts(others)).map((v) => dot(query as Float32Array, v));
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      assert.ok(Math.min(...matchScores) > mean(otherScores) + 0.2, `match ${Math.min(...matchScores)} vs random ${mean(otherScores)}`);
    } finally {
      embedder.dispose();
    }
  });

  describe("saved models", () => {
    let dir: string;
    let version: string;

    before(async () => {
      const saved = await saveEmbeddingModel(join(root, "embeddings"), {
        name: "embeddings",
        ...trained,
        training: { pairs: data.pairs.length },
        metrics: { "val_recall@10": trained.metrics.valRecallAt10 },
        createdAt: new Date("2025-01-02T03:04:05Z"),
      });
      dir = saved.dir;
      version = saved.manifest.version;
    });

    it("names versions emb-YYYYMMDD-HHMMSS-<hash> and records shape and features", async () => {
      assert.match(version, /^emb-20250102-030405-[0-9a-f]{7}$/);
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
      assert.equal(manifest.kind, "embeddings");
      assert.equal(manifest.dimension, 16);
      assert.deepEqual((manifest.features as { buckets: number }).buckets, 4096);
    });

    it("round-trips: the loaded model embeds exactly as the trained weights do", async () => {
      const embedder: Embedder = await loadEmbedder(dir);
      const again = await loadEmbedder(dir, { inference: "tfjs" });
      try {
        assert.equal(embedder.version, version);
        assert.equal(embedder.dimension, 16);
        const products = [...data.products.values()].slice(0, 20);
        const a = await embedder.embedProducts(products);
        const b = await (await loadEmbedder(dir)).embedProducts(products);
        assert.deepEqual(a, b);
        const queries = ["red couch", "blue fridge", "", "trainers blakc"];
        const fast = await embedder.embedQueries(queries);
        const viaTfjs = await again.embedQueries(queries);
        fast.forEach((v, i) => {
          assert.equal(v.length, 16);
          assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, "unit length");
          v.forEach((x, j) => assert.ok(Math.abs(x - ((viaTfjs[i] as Float32Array)[j] as number)) < 1e-4));
        });
      } finally {
        embedder.dispose();
        again.dispose();
      }
    });

    it("corrects query spelling from the saved catalog vocabulary", async () => {
      const embedder = await loadEmbedder(dir, { spelling: { minCount: 1 } });
      assert.equal(embedder.correctQuery("Crimsn Refrigerater"), "crimson refrigerator");
      embedder.dispose();
    });

    it("promotes a version and loads the active one; none promoted → null", async () => {
      const models = join(root, "models");
      assert.equal(await loadActiveEmbedder(models), null);
      const saved = await saveEmbeddingModel(join(models, "embeddings"), { name: "embeddings", ...trained, training: {}, metrics: {} });
      assert.equal(await activeVersion(models, "embeddings"), null);
      await promoteModel(models, "embeddings", saved.manifest.version);
      assert.equal(await activeVersion(models, "embeddings"), saved.manifest.version);
      const active = await loadActiveEmbedder(models);
      assert.equal(active?.version, saved.manifest.version);
      active?.dispose();
      const listing = await listModels(models);
      assert.deepEqual(
        listing.map((m) => [m.name, m.version, m.kind, m.active]),
        [["embeddings", saved.manifest.version, "embeddings", true]],
      );
      await assert.rejects(promoteModel(models, "embeddings", "emb-nope"), /no model embeddings version emb-nope/);
      await assert.rejects(promoteModel(models, "../etc", "x"), /bad model name/);
    });

    it("refuses a damaged model with a model error", async () => {
      const broken = join(root, "broken");
      const saved = await saveEmbeddingModel(broken, { name: "embeddings", ...trained, training: {}, metrics: {} });
      await writeFile(join(saved.dir, "weights.bin"), Buffer.alloc(16));
      await assert.rejects(loadEmbedder(saved.dir), (err: unknown) => err instanceof ModelFormatError && err.code === "MODEL_UNAVAILABLE" && /bytes/.test(err.message));
      await assert.rejects(loadEmbedder(join(root, "missing")), ModelFormatError);
    });
  });
});
