import { Piscina } from "piscina";
import { type Product } from "../indexing/product";
import { FastTower } from "./fast-forward";
import { readEmbeddingModel } from "./model-store";
import { TextFeaturizer } from "./text-features";

/** One batch of products for one model version folder. */
export interface EmbedProductsTask {
  modelDir: string;
  products: readonly Product[];
}

interface ItemTower {
  featurizer: TextFeaturizer;
  tower: FastTower;
  dimension: number;
}

/** Model versions are immutable folders, so each thread reads one at most once. */
const towers = new Map<string, Promise<ItemTower>>();

function itemTower(modelDir: string): Promise<ItemTower> {
  let tower = towers.get(modelDir);
  if (!tower) {
    tower = readEmbeddingModel(modelDir).then((model) => ({
      featurizer: new TextFeaturizer(model.features),
      tower: new FastTower(model.weights.table, model.weights.item, model.shape),
      dimension: model.shape.dimension,
    }));
    // A folder that failed to load is read again on the next task (it may have been fixed).
    tower.catch(() => towers.delete(modelDir));
    towers.set(modelDir, tower);
  }
  return tower;
}

/**
 * Runs in a worker thread of `ProductEmbeddingPool`: featurizes and embeds products with the item
 * tower's Float32Array forward pass — the code the main thread runs inline, so vectors are identical.
 * Answers the vectors row after row (products × dimension) in one buffer, moved rather than copied
 * to the main thread (which receives the Float32Array itself).
 */
export default async function embedProductsTask(task: EmbedProductsTask): Promise<ReturnType<typeof Piscina.move>> {
  const { featurizer, tower, dimension } = await itemTower(task.modelDir);
  const vectors = new Float32Array(task.products.length * dimension);
  task.products.forEach((product, row) => vectors.set(tower.embed(featurizer.productFeatures(product)), row * dimension));
  return Piscina.move(vectors);
}
