import { type Logger } from "pino";
import { type SidecarConfig } from "../config";
import {
  EMBEDDINGS_KIND,
  MODEL_KINDS,
  RERANKER_KIND,
  loadActiveEmbedder,
  loadActiveReranker,
  ModelError,
  selectInferenceBackend,
  type BackendProbe,
  type EmbedderOptions,
  type ModelKind,
} from "../model";
import { ActiveModels, type ServedModelTypes, type ServingEmbedder } from "./served-models";

export interface LoadModelsOptions {
  /** @defaultValue the real probe; tests pass their own to simulate missing packages */
  probe?: BackendProbe;
  /** How embedding models are loaded (e.g. with `serve`'s product embedding threads). @defaultValue {} */
  embedder?: EmbedderOptions;
}

/** A kind's promoted model, or null with the reason when it cannot be served. */
interface PromotedModel<K extends ModelKind> {
  model: ServedModelTypes[K] | null;
  /** Empty when the model loaded or none is promoted. */
  problems: string[];
}

/** How a kind is read from the models folder, and what serving without it means (logged). */
interface KindLoader<K extends ModelKind> {
  load: (modelsDir: string, options: LoadModelsOptions) => Promise<ServedModelTypes[K] | null>;
  without: string;
}

const KINDS: { [K in ModelKind]: KindLoader<K> } = {
  [EMBEDDINGS_KIND]: {
    load: (modelsDir, options) => loadActiveEmbedder(modelsDir, options.embedder),
    without: "enrichment writes no vectors and hybrid answers with bm25",
  },
  [RERANKER_KIND]: {
    load: (modelsDir) => loadActiveReranker(modelsDir),
    without: "rerank and personal answer with hybrid",
  },
};

/**
 * Reads the promoted model of `kind`, or null with the reason when it cannot be served. A broken
 * model must not keep the process down: what does not need it still answers, and `/readyz` says what is wrong.
 */
async function loadPromotedModel<K extends ModelKind>(kind: K, config: SidecarConfig, logger: Logger, options: LoadModelsOptions = {}): Promise<PromotedModel<K>> {
  const { load, without }: KindLoader<K> = KINDS[kind];
  try {
    const model = await load(config.modelsDir, options);
    if (!model) {
      logger.warn({ modelsDir: config.modelsDir, kind }, `no ${kind} model is promoted; ${without}`);
      return { model: null, problems: [] };
    }
    logger.info({ kind, model: model.name, version: model.version }, `serving ${kind} ${model.version}`);
    return { model, problems: [] };
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    logger.error({ err, kind }, `the promoted ${kind} model cannot be loaded; serving without it`);
    return { model: null, problems: [`${kind}: ${err.message}`] };
  }
}

/** {@link loadPromotedModel} for the embeddings. */
export async function loadPromotedEmbedder(config: SidecarConfig, logger: Logger, options: LoadModelsOptions = {}): Promise<{ embedder: ServingEmbedder | null; problems: string[] }> {
  const { model, problems } = await loadPromotedModel(EMBEDDINGS_KIND, config, logger, options);
  return { embedder: model, problems };
}

/**
 * Start-up: picks the inference backend once (logged and reported by `/readyz`) and loads the promoted
 * model of every kind. A backend named in INFERENCE_BACKEND that cannot start fails start-up loudly.
 */
export async function loadActiveModels(config: SidecarConfig, logger: Logger, options: LoadModelsOptions = {}): Promise<ActiveModels> {
  const selection = await selectInferenceBackend({ preference: config.inferenceBackend, ...(options.probe ? { probe: options.probe } : {}) });
  logger.info({ backend: selection.backend, tried: selection.tried }, `inference backend: ${selection.backend}`);
  const embeddings = await loadPromotedModel(EMBEDDINGS_KIND, config, logger, options);
  const reranker = await loadPromotedModel(RERANKER_KIND, config, logger, options);
  return new ActiveModels({
    embedder: embeddings.model,
    reranker: reranker.model,
    backend: { name: selection.backend, tried: selection.tried },
    problems: { [EMBEDDINGS_KIND]: embeddings.problems, [RERANKER_KIND]: reranker.problems },
  });
}

/**
 * Re-reads the promoted model of `kind` into `models`: a newly promoted version replaces the served
 * one; the same version keeps the warm instance; a promoted version that cannot be loaded leaves the
 * served one in place and is reported.
 * @returns the version of `kind` served afterwards, or null
 */
async function reloadPromotedModel(
  models: ActiveModels,
  kind: ModelKind,
  config: SidecarConfig,
  logger: Logger,
  options: LoadModelsOptions = {},
): Promise<string | null> {
  const { model, problems } = await loadPromotedModel(kind, config, logger, options);
  const current = models.get(kind);
  if (!model && problems.length > 0 && current) {
    logger.error({ problems, kind }, `the promoted ${kind} model cannot be loaded; still serving ${current.version}`);
    models.replace(kind, current, problems);
    return current.version;
  }
  if (model && current && model.version === current.version) {
    // Same version promoted again: keep the warm instance (and, for embeddings, its cached query vectors).
    model.dispose?.();
    models.replace(kind, current, problems);
    return current.version;
  }
  models.replace(kind, model, problems);
  return model?.version ?? null;
}

/**
 * Re-reads the promoted model of every kind into a running process (SIGHUP), each as {@link reloadPromotedModel}.
 * @returns the embeddings version served afterwards, or null (every kind's: `models.status().models`)
 */
export async function reloadPromotedModels(models: ActiveModels, config: SidecarConfig, logger: Logger, options: LoadModelsOptions = {}): Promise<string | null> {
  let embeddings: string | null = null;
  for (const kind of MODEL_KINDS) {
    const version = await reloadPromotedModel(models, kind, config, logger, options);
    if (kind === EMBEDDINGS_KIND) embeddings = version;
  }
  return embeddings;
}
