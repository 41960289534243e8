import { type Product } from "./product";

/** What indexing needs from an embedding model (src/model's Embedder satisfies it). */
export interface ProductEmbedder {
  readonly name: string;
  readonly version: string;
  readonly dimension: number;
  embedProducts(products: readonly Product[]): Promise<Float32Array[]>;
}

/** The active embedder may change at run time (promotion), so callers ask for it on each use. */
export type EmbedderProvider = () => ProductEmbedder | null;
