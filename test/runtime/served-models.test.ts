import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import pino from "pino";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { promoteModel, RERANKER_KIND, saveReranker, trainReranker, type TrainedReranker } from "../../src/model";
import { loadActiveModels, reloadPromotedModels } from "../../src/runtime";
import { SYNTHETIC_FEATURES, syntheticRerankTask } from "../utils/reranker-lists";
import { testConfig } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const silent = pino({ level: "silent" });

interface ReadyModels {
  models: { embeddings: unknown; reranker: { name: string; version: string } | null };
  model_problems?: string[];
}

/** The runtime serves every model kind: the re-ranker is loaded at start-up, reloaded on SIGHUP and reported by `/readyz`. */
describe("served models of every kind (runtime)", function () {
  this.timeout(60_000);
  let root: string;
  let trained: TrainedReranker;
  const sidecars: Sidecar[] = [];
  const lists = syntheticRerankTask({ lists: 12, candidates: 6, history: 3, dimension: 4, seed: 5 });

  before(async () => {
    await tf.setBackend("cpu");
    root = await mkdtemp(join(tmpdir(), "served-models-"));
    trained = await trainReranker({ featureNames: SYNTHETIC_FEATURES, dimension: 4, lists }, { hidden: 4, attention: 2, epochs: 1, seed: 3 });
  });
  after(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    await rm(root, { recursive: true, force: true });
  });

  const save = (modelsDir: string, createdAt: string) =>
    saveReranker(join(modelsDir, RERANKER_KIND), { ...trained, training: { seed: 3, dataHashes: {}, lists: lists.length }, metrics: trained.metrics, createdAt: new Date(createdAt) });

  const readyz = async (modelsDir: string): Promise<ReadyModels> => {
    const models = await loadActiveModels(testConfig({ modelsDir, inferenceBackend: "cpu" }), silent);
    const sidecar = await startTestSidecar({ modelsDir }, { models });
    sidecars.push(sidecar);
    return (await request(sidecar.app).get("/readyz").expect(200)).body as ReadyModels;
  };

  it("/readyz lists the reranker next to the embeddings, null when none is promoted", async () => {
    const empty = await readyz(join(root, "empty"));
    assert.equal(empty.models.reranker, null);
    assert.equal(empty.models.embeddings, null);
    const modelsDir = join(root, "one");
    const { manifest } = await save(modelsDir, "2025-01-01T00:00:00Z");
    await promoteModel(modelsDir, RERANKER_KIND, manifest.version);
    const body = await readyz(modelsDir);
    assert.deepEqual(body.models.reranker, { name: RERANKER_KIND, version: manifest.version });
    assert.equal(body.model_problems, undefined);
  });

  it("reloads a newly promoted reranker, keeps the warm instance for the same version, and keeps serving when the promotion is broken", async () => {
    const modelsDir = join(root, "reload");
    const config = testConfig({ modelsDir, inferenceBackend: "cpu" });
    const first = await save(modelsDir, "2025-02-01T00:00:00Z");
    const second = await save(modelsDir, "2025-02-02T00:00:00Z");
    await promoteModel(modelsDir, RERANKER_KIND, first.manifest.version);
    const models = await loadActiveModels(config, silent);
    const warm = models.reranker;
    assert.equal(warm?.version, first.manifest.version);

    await reloadPromotedModels(models, config, silent);
    assert.equal(models.reranker, warm, "same version: the warm instance stays");

    await promoteModel(modelsDir, RERANKER_KIND, second.manifest.version);
    await reloadPromotedModels(models, config, silent);
    assert.equal(models.reranker?.version, second.manifest.version);
    assert.deepEqual(models.status().problems, []);

    await writeFile(join(second.dir, "manifest.json"), "{ truncated");
    await reloadPromotedModels(models, config, silent);
    assert.equal(models.reranker?.version, second.manifest.version, "still serving the loaded copy");
    assert.equal(models.status().problems.length, 1);
    assert.match(models.status().problems[0] ?? "", /^reranker: /);
    assert.deepEqual(models.status().models.reranker, { name: RERANKER_KIND, version: second.manifest.version });
  });
});
