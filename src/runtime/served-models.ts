import { type ProductEmbedder } from "../indexing";
import { EMBEDDINGS_KIND, MODEL_KINDS, RERANKER_KIND, type ModelKind, type Reranker } from "../model";
import { type QueryEmbedder } from "../search";
import { type ModelStatus } from "./model-status";
import { releaseLater } from "./release-later";

/** An embedding model that serves both index time and query time. */
export interface ServingEmbedder extends ProductEmbedder, QueryEmbedder {
  readonly dimension: number;
  dispose?(): void;
}

/** What each model kind is served as. */
export interface ServedModelTypes {
  [EMBEDDINGS_KIND]: ServingEmbedder;
  [RERANKER_KIND]: Reranker;
}

/** Any served model: what the holder needs to know of it. */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  dispose?(): void;
}

export type BackendReport = NonNullable<ModelStatus["backend"]>;

export interface ActiveModelsOptions {
  /** @defaultValue null: enrichment writes no vectors, hybrid answers with BM25 */
  embedder?: ServingEmbedder | null;
  /** @defaultValue null: `rerank` and `personal` answer with hybrid */
  reranker?: Reranker | null;
  /** The inference backend chosen at start-up. @defaultValue null (not reported) */
  backend?: BackendReport | null;
  /** Why a promoted model of a kind is not served. @defaultValue none */
  problems?: Partial<Record<ModelKind, readonly string[]>>;
}

interface Slot<T> {
  model: T | null;
  problems: readonly string[];
}

type Slots = { [K in ModelKind]: Slot<ServedModelTypes[K]> };

/**
 * The models a running process serves with, one per kind (embeddings, reranker). Swapping one (a
 * promotion) is a single assignment, so each request sees either the old model or the new one,
 * never a mix; each kind keeps its own list of problems.
 */
export class ActiveModels {
  readonly #slots: Slots;
  #backend: BackendReport | null;

  constructor(options: ActiveModelsOptions = {}) {
    this.#slots = {
      [EMBEDDINGS_KIND]: { model: options.embedder ?? null, problems: [...(options.problems?.[EMBEDDINGS_KIND] ?? [])] },
      [RERANKER_KIND]: { model: options.reranker ?? null, problems: [...(options.problems?.[RERANKER_KIND] ?? [])] },
    };
    this.#backend = options.backend ?? null;
  }

  get embedder(): ServingEmbedder | null {
    return this.#slots[EMBEDDINGS_KIND].model;
  }

  get reranker(): Reranker | null {
    return this.#slots[RERANKER_KIND].model;
  }

  /** The model of `kind` served now, or null. */
  get<K extends ModelKind>(kind: K): ServedModelTypes[K] | null {
    return this.#slots[kind].model;
  }

  /** Serves `kind` with `next` from now on; the previous model is released once in-flight work has had time to finish. */
  replace<K extends ModelKind>(kind: K, next: ServedModelTypes[K] | null, problems: readonly string[] = []): void {
    const slot: Slot<ServedModel> = this.#slots[kind];
    const previous = slot.model;
    slot.model = next;
    slot.problems = [...problems];
    if (previous && previous !== next) releaseLater(previous);
  }

  replaceEmbedder(next: ServingEmbedder | null, problems: readonly string[] = []): void {
    this.replace(EMBEDDINGS_KIND, next, problems);
  }

  replaceReranker(next: Reranker | null, problems: readonly string[] = []): void {
    this.replace(RERANKER_KIND, next, problems);
  }

  status(): ModelStatus {
    const embedder = this.embedder;
    const reranker = this.reranker;
    return {
      models: {
        [EMBEDDINGS_KIND]: embedder ? { name: embedder.name, version: embedder.version, dimension: embedder.dimension } : null,
        [RERANKER_KIND]: reranker ? { name: reranker.name, version: reranker.version } : null,
      },
      backend: this.#backend,
      problems: MODEL_KINDS.flatMap((kind) => this.#slots[kind].problems),
    };
  }
}
