import * as tf from "@tensorflow/tfjs";
import { type Product } from "../indexing/product";
import { ModelFailedError } from "./errors";
import { FastTower } from "./fast-forward";
import { readEmbeddingModel, type StoredEmbeddingModel } from "./model-store";
import { type ProductEmbeddingPool } from "./product-embedding-pool";
import { SpellCorrector, type SpellCorrectorOptions } from "./spell-corrector";
import { TextFeaturizer, type SparseFeatures } from "./text-features";
import { TfjsTwoTower, type TowerName } from "./two-tower";

/** What the sidecar uses a query/product embedding model for. */
export interface Embedder {
  readonly name: string;
  readonly version: string;
  readonly dimension: number;
  /** One L2-normalized vector per text, in order. */
  embedQueries(texts: readonly string[]): Promise<Float32Array[]>;
  /** One L2-normalized vector per product, in order. */
  embedProducts(products: readonly Product[]): Promise<Float32Array[]>;
  /** Spelling correction from the catalog vocabulary; returns the normalized query with unknown words corrected. */
  correctQuery(text: string): string;
  dispose(): void;
}

/** `js`: hand-written Float32Array forward pass; `tfjs`: TensorFlow.js on the active backend; `auto`: tfjs only on native TensorFlow. */
export type InferenceMode = "auto" | "js" | "tfjs";

export interface EmbedderOptions {
  /** @defaultValue "auto" (js on wasm/cpu, where it measured several times faster; tfjs on tfjs-node) */
  inference?: InferenceMode;
  /**
   * Texts embedded between yields to the event loop, so a big batch does not stall the server: 32
   * products are a few milliseconds of work, which keeps `/healthz` and searches answering between
   * chunks while bulk writes are embedded. @defaultValue 32
   */
  chunkSize?: number;
  /** @defaultValue DEFAULT_SPELL_OPTIONS */
  spelling?: Partial<SpellCorrectorOptions>;
  /**
   * Worker threads for product batches of at least `pooledBatch` (js inference only, so vectors are
   * those of the inline path); queries and small batches stay on the calling thread, where a thread
   * hop would cost more than it saves. @defaultValue none: everything inline
   */
  pool?: ProductEmbeddingPool;
  /** @defaultValue 8 */
  pooledBatch?: number;
}

/** What `auto` means on the active backend: tfjs only on native TensorFlow, where it beats the JS loop. */
export function resolveInferenceMode(mode: InferenceMode = "auto"): "js" | "tfjs" {
  return mode === "auto" ? (tf.getBackend() === "tensorflow" ? "tfjs" : "js") : mode;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The trained two-tower model, ready to embed. Build it with `loadEmbedder`. */
export class TwoTowerEmbedder implements Embedder {
  readonly name: string;
  readonly version: string;
  readonly dimension: number;
  readonly inference: "js" | "tfjs";
  private readonly featurizer: TextFeaturizer;
  private readonly corrector: SpellCorrector;
  private readonly fast: Record<TowerName, FastTower>;
  private tfjsModel: TfjsTwoTower | null = null;
  private readonly chunkSize: number;
  private readonly pooled: { pool: ProductEmbeddingPool; modelDir: string; minBatch: number } | null;
  private disposed = false;

  /** `modelDir`: the folder `model` was read from, which worker threads read too (needed for `options.pool`). */
  constructor(
    readonly model: StoredEmbeddingModel,
    options: EmbedderOptions = {},
    modelDir?: string,
  ) {
    this.name = model.manifest.name;
    this.version = model.manifest.version;
    this.dimension = model.shape.dimension;
    this.featurizer = new TextFeaturizer(model.features);
    this.corrector = new SpellCorrector(model.vocabulary, options.spelling);
    this.fast = {
      query: new FastTower(model.weights.table, model.weights.query, model.shape),
      item: new FastTower(model.weights.table, model.weights.item, model.shape),
    };
    this.inference = resolveInferenceMode(options.inference);
    this.chunkSize = options.chunkSize ?? 32;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${this.chunkSize}`);
    const minBatch = options.pooledBatch ?? 8;
    if (!Number.isInteger(minBatch) || minBatch < 1) throw new Error(`pooledBatch must be a positive integer, got ${minBatch}`);
    if (options.pool && modelDir === undefined) throw new Error("an embedder with worker threads needs the model folder the threads read");
    this.pooled = options.pool && modelDir !== undefined && this.inference === "js" ? { pool: options.pool, modelDir, minBatch } : null;
  }

  embedQueries(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embed(texts, (text) => this.featurizer.queryFeatures(text), "query");
  }

  embedProducts(products: readonly Product[]): Promise<Float32Array[]> {
    if (this.pooled && products.length >= this.pooled.minBatch) {
      if (this.disposed) return Promise.reject(new ModelFailedError(`embedder ${this.name}@${this.version} was disposed`));
      return this.pooled.pool.embed(this.pooled.modelDir, products, this.dimension);
    }
    return this.embed(products, (product) => this.featurizer.productFeatures(product), "item");
  }

  correctQuery(text: string): string {
    return this.corrector.correct(text);
  }

  dispose(): void {
    this.disposed = true;
    this.tfjsModel?.dispose();
    this.tfjsModel = null;
  }

  private async embed<T>(inputs: readonly T[], featurize: (input: T) => SparseFeatures, tower: TowerName): Promise<Float32Array[]> {
    if (this.disposed) throw new ModelFailedError(`embedder ${this.name}@${this.version} was disposed`);
    const out: Float32Array[] = [];
    try {
      for (let start = 0; start < inputs.length; start += this.chunkSize) {
        if (start > 0) await yieldToEventLoop();
        const features = inputs.slice(start, start + this.chunkSize).map(featurize);
        if (this.inference === "tfjs") {
          this.tfjsModel ??= new TfjsTwoTower(this.model.weights, this.model.shape);
          out.push(...(await this.tfjsModel.embed(features, tower)));
        } else {
          for (const f of features) out.push(this.fast[tower].embed(f));
        }
      }
    } catch (err) {
      throw new ModelFailedError(`embedding with ${this.name}@${this.version} failed: ${(err as Error).message}`, { cause: err });
    }
    return out;
  }
}

/** Loads one model version folder and returns a ready embedder. @throws ModelUnavailableError when the folder is not a valid model. */
export async function loadEmbedder(modelDir: string, options: EmbedderOptions = {}): Promise<Embedder> {
  return new TwoTowerEmbedder(await readEmbeddingModel(modelDir), options, modelDir);
}
