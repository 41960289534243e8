/** What query-time retrieval needs from an embedding model (src/model's Embedder satisfies it). */
export interface QueryEmbedder {
  readonly name: string;
  readonly version: string;
  /** The concrete index whose vectors this model made, searched instead of the products alias when set (the alias may move mid-search). */
  readonly index?: string;
  embedQueries(texts: readonly string[]): Promise<Float32Array[]>;
  /** Spelling correction from the model's vocabulary, applied before embedding when present. */
  correctQuery?(text: string): string;
}

/** The active model may change at run time (promotion), so it is asked for on every request. */
export type QueryEmbedderProvider = () => QueryEmbedder | null;
