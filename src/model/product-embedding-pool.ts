import { join } from "node:path";
import { Piscina } from "piscina";
import { type Product } from "../indexing/product";
import { ModelFailedError } from "./errors";
import { type EmbedProductsTask } from "./product-embedding-worker";

export interface ProductEmbeddingPoolOptions {
  /** Worker threads embedding products (EMBEDDING_THREADS). */
  threads: number;
  /** Milliseconds an idle thread is kept (its model stays loaded meanwhile). @defaultValue 60000 */
  idleTimeoutMs?: number;
}

/** The worker's file beside this one: compiled JavaScript in dist/, TypeScript through tsx in tests. */
function workerFile(): { filename: string; execArgv: string[] } {
  const typescript = __filename.endsWith(".ts");
  return {
    filename: join(__dirname, `product-embedding-worker.${typescript ? "ts" : "js"}`),
    execArgv: typescript ? [...process.execArgv, "--require", "tsx/cjs"] : [...process.execArgv],
  };
}

/**
 * Worker threads that embed products for index-time batches, so the event loop keeps answering
 * searches and `/healthz` while bulk writes are embedded (one thread on a 2-core machine: the other
 * core is the event loop's). Each thread reads a model version folder once and runs the same
 * Float32Array forward pass as the main thread, so its vectors are identical to inline ones.
 */
export class ProductEmbeddingPool {
  readonly threads: number;
  readonly #piscina: Piscina;
  #closed = false;

  constructor(options: ProductEmbeddingPoolOptions) {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`embedding threads must be an integer from 1 to 64, got ${threads}`);
    const idleTimeout = options.idleTimeoutMs ?? 60_000;
    if (!Number.isInteger(idleTimeout) || idleTimeout < 0) throw new RangeError(`idle timeout must be a non-negative integer of milliseconds, got ${idleTimeout}`);
    this.threads = threads;
    this.#piscina = new Piscina({ ...workerFile(), name: "default", minThreads: 0, maxThreads: threads, idleTimeout });
  }

  /** One vector per product, in order, from the model in `modelDir`. @throws ModelFailedError when the thread cannot load the model or embed. */
  async embed(modelDir: string, products: readonly Product[], dimension: number): Promise<Float32Array[]> {
    if (this.#closed) throw new ModelFailedError("the product embedding threads were closed");
    if (products.length === 0) return [];
    const task: EmbedProductsTask = { modelDir, products };
    let answer: unknown;
    try {
      answer = await this.#piscina.run(task);
    } catch (err) {
      throw new ModelFailedError(`embedding ${products.length} products in a worker thread failed: ${(err as Error).message}`, { cause: err });
    }
    if (!(answer instanceof Float32Array) || answer.length !== products.length * dimension) {
      throw new ModelFailedError(`the embedding thread answered ${answer instanceof Float32Array ? `${answer.length} values` : typeof answer} for ${products.length} products of dimension ${dimension}`);
    }
    return Array.from({ length: products.length }, (_, row) => answer.subarray(row * dimension, (row + 1) * dimension));
  }

  /** Stops the threads; tasks already running finish first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}
