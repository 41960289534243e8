/** Which models are loaded and where inference runs, as reported by `/readyz`. */
export interface ModelStatus {
  /** One entry per model kind (`embeddings`, `reranker`); null when that kind is not being served. */
  models: Record<string, { name: string; version: string; dimension?: number } | null>;
  backend: { name: string; tried: { candidate: string; ok: boolean; reason?: string }[] } | null;
  /** Why a promoted model is not being served (it failed to load), each prefixed by its kind; empty when all is well. */
  problems: string[];
}

export type ModelStatusProvider = () => ModelStatus;
