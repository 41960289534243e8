import { type SidecarConfig } from "../config";
import { ProductEmbeddingPool } from "../model";
import { type LoadModelsOptions } from "./load-models";

/** How a long-running process loads its embedding models, and the threads that come with it. */
export interface ModelLoading {
  readonly loading: LoadModelsOptions;
  /** Product embedding threads (0: embedded on the event loop). */
  readonly embeddingThreads: number;
  /** Stops the threads (after their running batches). */
  close(): Promise<void>;
}

/** `EMBEDDING_THREADS` worker threads for index-time product batches, shared by every embedding version the process loads. */
export function modelLoadingFromConfig(config: SidecarConfig): ModelLoading {
  if (config.embeddingThreads === 0) return { loading: {}, embeddingThreads: 0, close: () => Promise.resolve() };
  const pool = new ProductEmbeddingPool({ threads: config.embeddingThreads });
  return { loading: { embedder: { pool } }, embeddingThreads: pool.threads, close: () => pool.close() };
}
