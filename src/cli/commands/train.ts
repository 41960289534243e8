import { basename, join } from "node:path";
import { Command, Option } from "commander";
import {
  EMBEDDINGS_KIND,
  INFERENCE_BACKENDS,
  promoteModel,
  saveEmbeddingModel,
  selectInferenceBackend,
  trainEmbeddings,
  type InferenceBackendPreference,
  type ClickPair,
  type TrainingPair,
} from "../../model";
import { envDefault, readConnectionSettings } from "../../config";
import { queryKey } from "../../model/query-key";
import { readCatalogProducts, readClickPairs, readJudgmentPairs, readJudgmentQueries, sha256File } from "../../model/training-inputs";
import { catalogReadOptions, withCatalogOptions, type CatalogFlags } from "../catalog-options";
import { note, positiveInt, printSummary, progressBar } from "../output";

interface TrainEmbeddingsFlags extends CatalogFlags {
  judgments?: string;
  clicks?: string;
  out?: string;
  dimension: number;
  buckets: number;
  epochs: number;
  seed: number;
  relevantGrade: number;
  excludeQueries?: string;
  batchSize: number;
  maxSeconds: number;
  backend: InferenceBackendPreference;
  promote?: boolean;
}

function nonNegativeNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0, got "${value}"`);
    return n;
  };
}

function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got "${value}"`);
    return n;
  };
}

const round = (n: number | null, digits = 4): number | null => (n === null ? null : Number(n.toFixed(digits)));

async function trainEmbeddingsAction(flags: TrainEmbeddingsFlags): Promise<void> {
  const started = Date.now();
  // The same models folder `serve` reads: the flag, else MODELS_DIR, else its default.
  const modelsDir = flags.out ?? readConnectionSettings().modelsDir;
  const backend = await selectInferenceBackend({ preference: flags.backend });
  note(`backend: ${backend.backend} (${backend.tried.map((t) => `${t.candidate}: ${t.ok ? "ok" : t.reason}`).join("; ")})`);

  const { products, rejected } = await readCatalogProducts(flags.catalog, catalogReadOptions(flags));
  if (products.size === 0) throw new Error(`no usable products in ${flags.catalog} (${rejected} rejected; check --map)`);
  let pairs: TrainingPair[] = flags.judgments ? await readJudgmentPairs(flags.judgments) : [];
  let clicks: ClickPair[] = flags.clicks ? await readClickPairs(flags.clicks) : [];
  const judgedRows = pairs.length;
  const clickRows = clicks.length;
  let excludedRows = 0;
  if (flags.excludeQueries) {
    const excluded = await readJudgmentQueries(flags.excludeQueries);
    pairs = pairs.filter((pair) => !excluded.has(queryKey(pair.query)));
    clicks = clicks.filter((click) => !excluded.has(queryKey(click.query)));
    excludedRows = judgedRows + clickRows - pairs.length - clicks.length;
  }
  note(
    `catalog: ${products.size} products (${rejected} rejected); ` +
      (flags.judgments || flags.clicks
        ? `judgments: ${judgedRows} rows, clicks: ${clickRows} rows${flags.excludeQueries ? `, ${excludedRows} dropped by --exclude-queries` : ""}`
        : "no judgments or clicks: learning from pseudo-queries made from the catalog"),
  );

  let progress: ReturnType<typeof progressBar> | null = null;
  const trained = await trainEmbeddings(
    { pairs, products, clicks },
    {
      dimension: flags.dimension,
      bagDimension: flags.dimension,
      features: { buckets: flags.buckets },
      epochs: flags.epochs,
      seed: flags.seed,
      relevantGrade: flags.relevantGrade,
      batchSize: flags.batchSize,
      maxSeconds: flags.maxSeconds,
      onProgress: (p) => {
        progress ??= progressBar("training", p.epochs * p.stepsPerEpoch);
        progress.increment();
      },
    },
  );
  (progress as ReturnType<typeof progressBar> | null)?.stop();
  const m = trained.metrics;
  for (const epoch of m.epochs) note(`epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(4)}, val recall@10 ${epoch.valRecallAt10?.toFixed(4) ?? "n/a"} (${epoch.seconds.toFixed(1)} s)`);

  const inputs = [
    ...(flags.judgments ? [{ role: "judgments", path: flags.judgments }] : []),
    ...(flags.clicks ? [{ role: "clicks", path: flags.clicks }] : []),
    { role: "catalog", path: flags.catalog },
    ...(flags.excludeQueries ? [{ role: "excluded-queries", path: flags.excludeQueries }] : []),
  ];
  const files = await Promise.all(inputs.map(async (input) => ({ ...input, file: basename(input.path), sha256: await sha256File(input.path) })));
  const { dir, manifest } = await saveEmbeddingModel(join(modelsDir, EMBEDDINGS_KIND), {
    name: EMBEDDINGS_KIND,
    shape: trained.shape,
    features: trained.features,
    weights: trained.weights,
    vocabulary: trained.vocabulary,
    training: {
      files,
      products: products.size,
      rejectedProducts: rejected,
      judgmentRows: judgedRows,
      clickRows,
      excludedRows,
      trainQueries: m.trainQueries,
      valQueries: m.valQueries,
      trainPairs: m.trainPairs,
      skippedPairs: m.skippedPairs,
      pseudoQueriesPerEpoch: m.pseudoQueriesPerEpoch,
      epochs: flags.epochs,
      steps: m.steps,
      seed: flags.seed,
      relevantGrade: flags.relevantGrade,
      batchSize: flags.batchSize,
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
  if (flags.promote) await promoteModel(modelsDir, EMBEDDINGS_KIND, manifest.version);
  note(`saved ${dir}${flags.promote ? " (promoted)" : ""}`);
  printSummary({
    model: EMBEDDINGS_KIND,
    version: manifest.version,
    dir,
    pairs: m.trainPairs,
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    "val_recall@10": round(m.valRecallAt10),
    "val_recall@10_untrained": round(m.valRecallAt10Untrained),
    backend: backend.backend,
    promoted: Boolean(flags.promote),
  });
}

/** `relevance train …`: trains models from judgments, clicks or the catalog alone. */
export function trainCommand(): Command {
  const train = new Command("train").description("train relevance models");
  withCatalogOptions(train.command("embeddings"))
    .description("train the query/product two-tower embedding model from judgments and/or clicks, or from the catalog alone; writes <out>/embeddings/<version>/")
    .option("--judgments <file>", "judgments CSV (query,doc_id,grade); grades ≥ --relevant-grade are positives")
    .option("--clicks <file>", "clicks CSV (query,item_id or query,doc_id; other columns ignored); every row is a positive")
    .option("--out <dir>", `models folder ${envDefault("MODELS_DIR")}`)
    .option("--dimension <n>", "embedding dimension", positiveInt("--dimension"), 64)
    .option("--buckets <n>", "feature hash buckets (rows of the embedding table; weights file ≈ buckets × dimension × 4 bytes)", positiveInt("--buckets"), 262144)
    .option("--epochs <n>", "passes over the training pairs", nonNegativeInt("--epochs"), 10)
    .option("--seed <n>", "random seed (initialization, split, shuffling, augmentation)", nonNegativeInt("--seed"), 42)
    .option("--relevant-grade <g>", "lowest grade counted as a positive", nonNegativeNumber("--relevant-grade"), 1.33)
    .option("--exclude-queries <file>", "judgments file whose queries must not be trained on, from judgments or clicks (held-out evaluation)")
    .option("--batch-size <n>", "pairs per step (in-batch negatives)", positiveInt("--batch-size"), 512)
    .option("--max-seconds <n>", "stop training after this many seconds", positiveInt("--max-seconds"), 600)
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(["auto", ...INFERENCE_BACKENDS]).default("auto"))
    .option("--promote", "make the new version the active one")
    .action(trainEmbeddingsAction);
  return train;
}
