import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { EMBEDDINGS_KIND, loadEmbedder, promoteModel, saveEmbeddingModel, trainEmbeddings, type Embedder, type TrainEmbeddingsOptions } from "../../src/model";
import { syntheticCatalog, type SyntheticData } from "./synthetic-catalog";

/** A 16-dimensional two-tower model trained by the test run itself on the synthetic catalog, promoted in a models folder of its own. */
export interface TinyModel {
  readonly modelsDir: string;
  readonly version: string;
  readonly data: SyntheticData;
  load(): Promise<Embedder>;
}

/** Small enough to train in a few seconds on the cpu backend, large enough to learn the synthetic catalog's synonyms. */
export const TINY_TRAINING_OPTIONS: Partial<TrainEmbeddingsOptions> = {
  features: { buckets: 4096 },
  dimension: 16,
  bagDimension: 16,
  hiddenUnits: 16,
  epochs: 6,
  batchSize: 32,
  learningRate: 0.01,
  tableLearningRate: 0.2,
  minPseudoQueries: 64,
  validationFraction: 0.15,
  seed: 11,
};

let trained: Promise<TinyModel> | undefined;
const folders: string[] = [];

async function train(): Promise<TinyModel> {
  await tf.setBackend("cpu");
  const data = syntheticCatalog();
  const model = await trainEmbeddings(data, TINY_TRAINING_OPTIONS);
  const modelsDir = await mkdtemp(join(tmpdir(), "tiny-model-"));
  folders.push(modelsDir);
  const { dir, manifest } = await saveEmbeddingModel(join(modelsDir, EMBEDDINGS_KIND), { name: EMBEDDINGS_KIND, ...model, training: {}, metrics: {} });
  await promoteModel(modelsDir, EMBEDDINGS_KIND, manifest.version);
  return { modelsDir, version: manifest.version, data, load: () => loadEmbedder(dir) };
}

/** Trains once per test run; later callers share the same model folder (read-only). */
export function tinyModel(): Promise<TinyModel> {
  trained ??= train();
  return trained;
}

/** Deletes the model folders; called from test/setup.ts after the run. */
export async function removeTinyModels(): Promise<void> {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
}
