import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import { loadActiveEmbedder, ModelError, selectInferenceBackend, type BackendProbe } from "../model";
import { ActiveModels, type ServingEmbedder } from "./active-models";

export interface LoadModelsOptions {
  /** @defaultValue the real probe; tests pass their own to simulate missing packages */
  probe?: BackendProbe;
}

/**
 * Reads the promoted embedding model, or null with the reason when it cannot be served. A broken
 * model must not keep the sidecar down: BM25 still answers, and `/readyz` says what is wrong.
 */
export async function loadPromotedEmbedder(config: SidecarConfig, logger: Logger): Promise<{ embedder: ServingEmbedder | null; problems: string[] }> {
  try {
    const embedder = await loadActiveEmbedder(config.modelsDir);
    if (!embedder) {
      logger.warn({ modelsDir: config.modelsDir }, "no embedding model is promoted; enrichment writes no vectors and hybrid answers with bm25");
      return { embedder: null, problems: [] };
    }
    logger.info({ model: embedder.name, version: embedder.version, dimension: embedder.dimension }, `serving embeddings ${embedder.version}`);
    return { embedder, problems: [] };
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    logger.error({ err }, "the promoted embedding model cannot be loaded; serving without it");
    return { embedder: null, problems: [`embeddings: ${err.message}`] };
  }
}

/**
 * Start-up: picks the inference backend (logged and reported by `/readyz`) and loads the promoted
 * models. A backend named in INFERENCE_BACKEND that cannot start fails start-up loudly.
 */
export async function loadActiveModels(config: SidecarConfig, logger: Logger, options: LoadModelsOptions = {}): Promise<ActiveModels> {
  const selection = await selectInferenceBackend({ preference: config.inferenceBackend, ...(options.probe ? { probe: options.probe } : {}) });
  logger.info({ backend: selection.backend, tried: selection.tried }, `inference backend: ${selection.backend}`);
  const { embedder, problems } = await loadPromotedEmbedder(config, logger);
  return new ActiveModels({ embedder, backend: { name: selection.backend, tried: selection.tried }, problems });
}

/**
 * Re-reads the promoted models into a running sidecar (SIGHUP): a newly promoted version replaces the
 * served one; a promoted version that cannot be loaded leaves the served one in place and is reported.
 * @returns the version served afterwards, or null
 */
export async function reloadPromotedModels(models: ActiveModels, config: SidecarConfig, logger: Logger): Promise<string | null> {
  const { embedder, problems } = await loadPromotedEmbedder(config, logger);
  const current = models.embedder;
  if (!embedder && problems.length > 0 && current) {
    logger.error({ problems }, `the promoted model cannot be loaded; still serving ${current.version}`);
    models.replaceEmbedder(current, problems);
    return current.version;
  }
  if (embedder && current && embedder.version === current.version) {
    // Same version promoted again: keep the warm instance (and its cached query vectors).
    embedder.dispose?.();
    models.replaceEmbedder(current, problems);
    return current.version;
  }
  models.replaceEmbedder(embedder, problems);
  return embedder?.version ?? null;
}
