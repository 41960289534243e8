import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  activeVersion,
  EMBEDDINGS_KIND,
  listModels,
  loadActiveEmbedder,
  loadActiveReranker,
  loadReranker,
  ModelFailedError,
  ModelFormatError,
  promoteModel,
  RERANKER_KIND,
  saveEmbeddingModel,
  saveReranker,
  trainReranker,
  FastReranker,
  FeatureNormalizer,
  type TrainedReranker,
} from "../../src/model";
import { initTwoTowerWeights } from "../../src/model/two-tower";
import { SYNTHETIC_FEATURES, syntheticRerankTask } from "../utils/reranker-lists";

const DIMENSION = 8;
const HASHES = { lists: "sha256:0f00ba11", judgments: "sha256:c0ffee" };

describe("stored re-rankers", function () {
  this.timeout(30_000);
  let root: string;
  let trained: TrainedReranker;
  const lists = syntheticRerankTask({ lists: 30, candidates: 12, history: 6, dimension: DIMENSION, seed: 21 });

  before(async () => {
    await tf.setBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "reranker-test-"));
    trained = await trainReranker({ featureNames: SYNTHETIC_FEATURES, dimension: DIMENSION, lists }, { hidden: 8, attention: 4, epochs: 1, seed: 9 });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const save = (parentDir: string, extra: { createdAt?: Date } = {}) =>
    saveReranker(parentDir, { ...trained, training: { seed: 9, dataHashes: HASHES, lists: lists.length }, metrics: trained.metrics, ...extra });

  it("writes a versioned folder whose manifest holds sizes, feature schema, hashes, seed and metrics", async () => {
    const { dir, manifest } = await save(join(root, "a", RERANKER_KIND), { createdAt: new Date("2025-03-04T05:06:07Z") });
    assert.match(manifest.version, /^rr-20250304-050607-[0-9a-f]{7}$/);
    const json = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Record<string, Record<string, unknown>>;
    assert.equal(json.kind, "reranker");
    assert.deepEqual(json.model, { architecture: "din-target-attention+prm-listwise", features: 3, dimension: 8, maxHistory: 50, hidden: 8, attention: 4, personalTerms: ["has_embedding", "interest_dot", "seed_score", "max_attention", "query_similarity", "has_history"] });
    const features = (json.featureSchema as { features: { name: string; normalization: { kind: string; mean: number; std: number } }[] }).features;
    assert.deepEqual(
      features.map((f) => f.name),
      [...SYNTHETIC_FEATURES],
    );
    assert.ok(features.every((f) => f.normalization.kind === "zscore" && f.normalization.std > 0));
    assert.deepEqual(json.training, { seed: 9, dataHashes: HASHES, lists: 30 });
    const metrics = json.metrics as { before: { "ndcg@10": number }; after: { "ndcg@10": number }; lossCurve: number[]; loss: string };
    assert.equal(metrics.loss, "listwise-softmax-cross-entropy");
    assert.equal(metrics.lossCurve.length, 1);
    assert.equal(metrics.before["ndcg@10"], trained.metrics.before?.["ndcg@10"]);
    assert.equal(metrics.after["ndcg@10"], trained.metrics.after?.["ndcg@10"]);
  });

  it("round-trips: the loaded model scores exactly as the trained weights do, on both inference paths", async () => {
    const { dir } = await save(join(root, "b", RERANKER_KIND));
    const js = await loadReranker(dir, { inference: "js" });
    const viaTfjs = await loadReranker(dir, { inference: "tfjs" });
    try {
      assert.deepEqual(js.featureNames, [...SYNTHETIC_FEATURES]);
      const inMemory = new FastReranker(trained.weights, trained.shape, new FeatureNormalizer(trained.schema));
      const sample = lists.slice(0, 5);
      const loaded = await js.scoreLists(sample);
      const graph = await viaTfjs.scoreLists(sample);
      sample.forEach((list, i) => {
        assert.deepEqual(loaded[i]?.scores, inMemory.score(list).scores);
        const g = graph[i]?.scores as Float32Array;
        loaded[i]?.scores.forEach((s, c) => assert.ok(Math.abs(s - (g[c] as number)) < 1e-5 * Math.max(1, Math.abs(s)), `list ${i} candidate ${c}`));
        assert.deepEqual(loaded[i]?.order, [...(loaded[i]?.scores ?? [])].map((s, c) => [s, c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, c]) => c));
      });
      // One call for several lists gives what one call per list gives.
      const one = await js.scoreList(sample[2] as (typeof sample)[number], { explain: true });
      assert.deepEqual(one.scores, loaded[2]?.scores);
      assert.equal(one.explanations?.length, sample[2]?.candidates.length);
      await assert.rejects(js.scoreList({ candidates: [{ features: [1] }] }), (err: unknown) => err instanceof ModelFailedError && /candidate has 1 features, the model's schema has 3/.test(err.message));
    } finally {
      js.dispose();
      viaTfjs.dispose();
    }
    await assert.rejects(js.scoreLists(lists), /was disposed/);
  });

  it("keeps one ACTIVE version per kind: embeddings and reranker promote independently", async () => {
    const models = join(root, "models");
    assert.equal(await loadActiveReranker(models), null);
    const shape = { buckets: 16, bagDimension: 2, hiddenUnits: 0, dimension: 2 };
    const emb = await saveEmbeddingModel(join(models, EMBEDDINGS_KIND), {
      name: EMBEDDINGS_KIND,
      shape,
      features: { buckets: 16, unigramWeight: 1, bigramWeight: 0.5, trigramWeight: 0.3, maxWordsPerField: 64, fieldWeights: { title: 1, brand: 1, category: 1, description: 1, attributes: 1 } },
      weights: initTwoTowerWeights(shape, 1),
      vocabulary: new Map([["drill", 1]]),
      training: {},
      metrics: {},
    });
    const first = await save(join(models, RERANKER_KIND), { createdAt: new Date("2025-01-01T00:00:00Z") });
    const second = await save(join(models, RERANKER_KIND), { createdAt: new Date("2025-01-02T00:00:00Z") });
    await promoteModel(models, EMBEDDINGS_KIND, emb.manifest.version);
    assert.equal(await loadActiveReranker(models), null, "promoting embeddings promotes no reranker");
    await promoteModel(models, RERANKER_KIND, first.manifest.version);
    await promoteModel(models, RERANKER_KIND, second.manifest.version);
    assert.equal(await activeVersion(models, RERANKER_KIND), second.manifest.version);
    assert.equal(await activeVersion(models, EMBEDDINGS_KIND), emb.manifest.version);
    const reranker = await loadActiveReranker(models);
    assert.equal(reranker?.version, second.manifest.version);
    reranker?.dispose();
    const embedder = await loadActiveEmbedder(models);
    assert.equal(embedder?.version, emb.manifest.version);
    embedder?.dispose();
    const listing = await listModels(models);
    assert.deepEqual(
      listing.map((m) => [m.name, m.kind, m.active, m.dimension]),
      [
        ["embeddings", "embeddings", true, 2],
        ["reranker", "reranker", true, 8],
        ["reranker", "reranker", false, 8],
      ],
    );
    // A reranker saved into the embeddings folder can never become the active embeddings model.
    const misplaced = await save(join(models, EMBEDDINGS_KIND));
    await assert.rejects(promoteModel(models, EMBEDDINGS_KIND, misplaced.manifest.version), /its manifest says kind "reranker", not "embeddings"/);
    assert.equal(await activeVersion(models, EMBEDDINGS_KIND), emb.manifest.version);
  });

  describe("a broken promoted reranker raises the model error, saying what is wrong", () => {
    const broken = async (damage: (dir: string) => Promise<void>): Promise<string> => {
      const models = await mkdtemp(join(root, "broken-"));
      const { dir, manifest } = await save(join(models, RERANKER_KIND));
      await promoteModel(models, RERANKER_KIND, manifest.version);
      await damage(dir);
      return models;
    };
    const rejectsWith = async (models: string, pattern: RegExp) =>
      assert.rejects(loadActiveReranker(models), (err: unknown) => {
        assert.ok(err instanceof ModelFormatError, `a ModelFormatError, got ${String(err)}`);
        assert.equal(err.code, "MODEL_UNAVAILABLE");
        assert.match(err.message, /^model at .*reranker.* is not usable: /);
        assert.match(err.message, pattern);
        return true;
      });

    it("weights of the right length but other bytes fail the checksum", async () => {
      const models = await broken(async (dir) => {
        const bytes = await readFile(join(dir, "weights.bin"));
        bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
        await writeFile(join(dir, "weights.bin"), bytes);
      });
      await rejectsWith(models, /weights\.bin does not match the sha256 in the manifest/);
    });

    it("truncated or missing weights", async () => {
      await rejectsWith(await broken((dir) => writeFile(join(dir, "weights.bin"), Buffer.alloc(8))), /weights\.bin has 8 bytes, manifest says \d+/);
      await rejectsWith(await broken((dir) => rm(join(dir, "weights.bin"))), /cannot read weights\.bin/);
    });

    it("a manifest that is not JSON, misses a field or names the wrong kind", async () => {
      await rejectsWith(await broken((dir) => writeFile(join(dir, "manifest.json"), "{ not json")), /manifest\.json is not valid JSON/);
      const edit = (change: (m: Record<string, unknown>) => void) => async (dir: string) => {
        const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
        change(manifest);
        await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
      };
      await rejectsWith(await broken(edit((m) => delete m.featureSchema)), /manifest\.json: featureSchema/);
      await rejectsWith(await broken(edit((m) => (m.kind = "embeddings"))), /manifest\.json: kind/);
      await rejectsWith(
        await broken(edit((m) => ((m.model as Record<string, unknown>).features = 4))),
        /feature schema names 3 features, the model has 4/,
      );
    });

    it("an ACTIVE pointer to a version that is gone", async () => {
      await rejectsWith(await broken((dir) => rm(dir, { recursive: true })), /cannot read manifest\.json/);
    });
  });
});
