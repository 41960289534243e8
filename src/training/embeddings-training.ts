import { basename, join } from "node:path";
import { type CatalogReadOptions } from "../indexing";
import {
  EMBEDDINGS_KIND,
  promoteModel,
  saveEmbeddingModel,
  selectInferenceBackend,
  trainEmbeddings,
  type BackendSelection,
  type ClickPair,
  type InferenceBackendPreference,
  type TrainingMetrics,
  type TrainingPair,
  type TrainingProgress,
} from "../model";
import { queryKey } from "../model/query-key";
import { readCatalogProducts, readClickPairs, readJudgmentPairs, readJudgmentQueries, sha256File } from "../model/training-inputs";

export interface EmbeddingsTrainingOptions {
  /** Catalog file (CSV or JSONL, `.gz` accepted) whose products are the item tower's inputs. */
  catalog: string;
  /** How the catalog is read (`format`, column `map`). @defaultValue by file extension, canonical columns */
  catalogRead?: CatalogReadOptions;
  /** Judgments CSV (query,doc_id,grade); grades ≥ `relevantGrade` are positives. @defaultValue none */
  judgments?: string;
  /** Clicks CSV (query,item_id); every row is a positive. @defaultValue none */
  clicks?: string;
  /** Judgments file whose queries must not be trained on (held-out evaluation). @defaultValue none */
  excludeQueries?: string;
  /** Models folder: the version is written to `<modelsDir>/embeddings/<version>/`. */
  modelsDir: string;
  /** Embedding dimension (also the bag dimension). @defaultValue 64 */
  dimension?: number;
  /** Feature hash buckets. @defaultValue 262144 */
  buckets?: number;
  /** @defaultValue 10 */
  epochs?: number;
  /** @defaultValue 42 */
  seed?: number;
  /** Lowest grade counted as a positive. @defaultValue 1.33 */
  relevantGrade?: number;
  /** Pairs per step (in-batch negatives). @defaultValue 512 */
  batchSize?: number;
  /** Training stops after this many seconds. @defaultValue 600 */
  maxSeconds?: number;
  /** TensorFlow.js backend. @defaultValue "auto" */
  backend?: InferenceBackendPreference;
  /** Make the new version the active one. @defaultValue false */
  promote?: boolean;
  /** Called once the backend is chosen. */
  onBackend?: (selection: BackendSelection) => void;
  /** Called once the inputs are read, before training. */
  onInputs?: (inputs: EmbeddingsTrainingInputs) => void;
  /** Called after every training step. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** What was read to train on. */
export interface EmbeddingsTrainingInputs {
  products: number;
  rejectedProducts: number;
  judgmentRows: number;
  clickRows: number;
  /** Judgment and click rows dropped by `excludeQueries`. */
  excludedRows: number;
  /** False when neither judgments nor clicks were given: the model learns from pseudo-queries made from the catalog. */
  supervised: boolean;
}

export interface EmbeddingsTrainingResult {
  version: string;
  dir: string;
  promoted: boolean;
  backend: BackendSelection;
  inputs: EmbeddingsTrainingInputs;
  metrics: TrainingMetrics;
  /** Wall time of the whole run: reading, training, saving. */
  seconds: number;
}

/**
 * Trains the two-tower embedding model end to end: reads the catalog, judgments and clicks, trains,
 * saves a version with its manifest (input file hashes, counts, metrics) and promotes it when asked.
 * Used by `relevance train embeddings`, and by any process that retrains without the CLI.
 */
export async function trainEmbeddingsModel(options: EmbeddingsTrainingOptions): Promise<EmbeddingsTrainingResult> {
  const started = Date.now();
  const dimension = options.dimension ?? 64;
  const epochs = options.epochs ?? 10;
  const seed = options.seed ?? 42;
  const relevantGrade = options.relevantGrade ?? 1.33;
  const batchSize = options.batchSize ?? 512;
  const backend = await selectInferenceBackend({ preference: options.backend ?? "auto" });
  options.onBackend?.(backend);

  const { products, rejected } = await readCatalogProducts(options.catalog, options.catalogRead ?? {});
  if (products.size === 0) throw new Error(`no usable products in ${options.catalog} (${rejected} rejected; check --map)`);
  let pairs: TrainingPair[] = options.judgments ? await readJudgmentPairs(options.judgments) : [];
  let clicks: ClickPair[] = options.clicks ? await readClickPairs(options.clicks) : [];
  const judgmentRows = pairs.length;
  const clickRows = clicks.length;
  let excludedRows = 0;
  if (options.excludeQueries) {
    const excluded = await readJudgmentQueries(options.excludeQueries);
    pairs = pairs.filter((pair) => !excluded.has(queryKey(pair.query)));
    clicks = clicks.filter((click) => !excluded.has(queryKey(click.query)));
    excludedRows = judgmentRows + clickRows - pairs.length - clicks.length;
  }
  const inputs: EmbeddingsTrainingInputs = {
    products: products.size,
    rejectedProducts: rejected,
    judgmentRows,
    clickRows,
    excludedRows,
    supervised: Boolean(options.judgments || options.clicks),
  };
  options.onInputs?.(inputs);

  const trained = await trainEmbeddings(
    { pairs, products, clicks },
    {
      dimension,
      bagDimension: dimension,
      features: { buckets: options.buckets ?? 262144 },
      epochs,
      seed,
      relevantGrade,
      batchSize,
      maxSeconds: options.maxSeconds ?? 600,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  const m = trained.metrics;

  const files = [
    ...(options.judgments ? [{ role: "judgments", path: options.judgments }] : []),
    ...(options.clicks ? [{ role: "clicks", path: options.clicks }] : []),
    { role: "catalog", path: options.catalog },
    ...(options.excludeQueries ? [{ role: "excluded-queries", path: options.excludeQueries }] : []),
  ];
  const hashed = await Promise.all(files.map(async (input) => ({ ...input, file: basename(input.path), sha256: await sha256File(input.path) })));
  const { dir, manifest } = await saveEmbeddingModel(join(options.modelsDir, EMBEDDINGS_KIND), {
    name: EMBEDDINGS_KIND,
    shape: trained.shape,
    features: trained.features,
    weights: trained.weights,
    vocabulary: trained.vocabulary,
    training: {
      files: hashed,
      products: products.size,
      rejectedProducts: rejected,
      judgmentRows,
      clickRows,
      excludedRows,
      trainQueries: m.trainQueries,
      valQueries: m.valQueries,
      trainPairs: m.trainPairs,
      skippedPairs: m.skippedPairs,
      pseudoQueriesPerEpoch: m.pseudoQueriesPerEpoch,
      epochs,
      steps: m.steps,
      seed,
      relevantGrade,
      batchSize,
      backend: m.backend,
      seconds: m.seconds,
      stoppedEarly: m.stoppedEarly,
    },
    metrics: {
      lossCurve: m.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, valRecallAt10: e.valRecallAt10 })),
      "val_recall@10": m.valRecallAt10,
      "val_recall@10_untrained": m.valRecallAt10Untrained,
    },
  });
  const promoted = Boolean(options.promote);
  if (promoted) await promoteModel(options.modelsDir, EMBEDDINGS_KIND, manifest.version);
  return { version: manifest.version, dir, promoted, backend, inputs, metrics: m, seconds: (Date.now() - started) / 1000 };
}
