import { Command, Option } from "commander";
import { EMBEDDINGS_KIND, INFERENCE_BACKENDS, type InferenceBackendPreference } from "../../model";
import { envDefault, readConnectionSettings } from "../../config";
import { trainEmbeddingsModel } from "../../training";
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
  let progress: ReturnType<typeof progressBar> | null = null;
  const result = await trainEmbeddingsModel({
    catalog: flags.catalog,
    catalogRead: catalogReadOptions(flags),
    ...(flags.judgments ? { judgments: flags.judgments } : {}),
    ...(flags.clicks ? { clicks: flags.clicks } : {}),
    ...(flags.excludeQueries ? { excludeQueries: flags.excludeQueries } : {}),
    // The same models folder `serve` reads: the flag, else MODELS_DIR, else its default.
    modelsDir: flags.out ?? readConnectionSettings().modelsDir,
    dimension: flags.dimension,
    buckets: flags.buckets,
    epochs: flags.epochs,
    seed: flags.seed,
    relevantGrade: flags.relevantGrade,
    batchSize: flags.batchSize,
    maxSeconds: flags.maxSeconds,
    backend: flags.backend,
    promote: Boolean(flags.promote),
    onBackend: (backend) => note(`backend: ${backend.backend} (${backend.tried.map((t) => `${t.candidate}: ${t.ok ? "ok" : t.reason}`).join("; ")})`),
    onInputs: (inputs) =>
      note(
        `catalog: ${inputs.products} products (${inputs.rejectedProducts} rejected); ` +
          (inputs.supervised
            ? `judgments: ${inputs.judgmentRows} rows, clicks: ${inputs.clickRows} rows${flags.excludeQueries ? `, ${inputs.excludedRows} dropped by --exclude-queries` : ""}`
            : "no judgments or clicks: learning from pseudo-queries made from the catalog"),
      ),
    onProgress: (p) => {
      progress ??= progressBar("training", p.epochs * p.stepsPerEpoch);
      progress.increment();
    },
  });
  (progress as ReturnType<typeof progressBar> | null)?.stop();
  const m = result.metrics;
  for (const epoch of m.epochs) note(`epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(4)}, val recall@10 ${epoch.valRecallAt10?.toFixed(4) ?? "n/a"} (${epoch.seconds.toFixed(1)} s)`);
  note(`saved ${result.dir}${result.promoted ? " (promoted)" : ""}`);
  printSummary({
    model: EMBEDDINGS_KIND,
    version: result.version,
    dir: result.dir,
    pairs: m.trainPairs,
    seconds: Number(result.seconds.toFixed(1)),
    "val_recall@10": round(m.valRecallAt10),
    "val_recall@10_untrained": round(m.valRecallAt10Untrained),
    backend: result.backend.backend,
    promoted: result.promoted,
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
