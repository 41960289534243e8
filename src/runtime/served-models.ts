import { type ProductEmbedder } from "../indexing";
import { type QueryEmbedder } from "../search";
import { type ModelStatus } from "./model-status";

/** An embedding model that serves both index time and query time. */
export interface ServingEmbedder extends ProductEmbedder, QueryEmbedder {
  readonly dimension: number;
  dispose?(): void;
}

export type BackendReport = NonNullable<ModelStatus["backend"]>;

/**
 * The models a running sidecar serves with. Swapping one (a promotion) is a single assignment, so
 * each request sees either the old model or the new one, never a mix.
 */
export class ActiveModels {
  #embedder: ServingEmbedder | null;
  #backend: BackendReport | null;
  #problems: string[];

  constructor(options: { embedder?: ServingEmbedder | null; backend?: BackendReport | null; problems?: readonly string[] } = {}) {
    this.#embedder = options.embedder ?? null;
    this.#backend = options.backend ?? null;
    this.#problems = [...(options.problems ?? [])];
  }

  get embedder(): ServingEmbedder | null {
    return this.#embedder;
  }

  /** Serves with `next` from now on; the previous model is released once in-flight work has had time to finish. */
  replaceEmbedder(next: ServingEmbedder | null, problems: readonly string[] = []): void {
    const previous = this.#embedder;
    this.#embedder = next;
    this.#problems = [...problems];
    if (previous && previous !== next && previous.dispose) setTimeout(() => previous.dispose?.(), 30_000).unref();
  }

  status(): ModelStatus {
    const embedder = this.#embedder;
    return {
      models: { embeddings: embedder ? { name: embedder.name, version: embedder.version, dimension: embedder.dimension } : null },
      backend: this.#backend,
      problems: [...this.#problems],
    };
  }
}
