import { Command, Option } from "commander";
import { DEFAULT_RERANKER_TRAIN_OPTIONS, EMBEDDINGS_KIND, INFERENCE_BACKENDS, RERANKER_KIND, type BackendSelection, type InferenceBackendPreference } from "../../model";
import { envDefault, readConnectionSettings } from "../../config";
import { SidecarClient } from "../../client";
import { JUDGMENT_FORMATS, type JudgmentFormat } from "../../eval";
import { trainEmbeddingsModel, trainRerankerModel, type SyntheticRows } from "../../training";
import { catalogReadOptions, withCatalogOptions, type CatalogFlags } from "../catalog-options";
import { fractionBelowOne, nonNegativeInt, nonNegativeNumber, note, positiveInt, positiveNumber, printSummary, progressBar } from "../output";

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

/** The backend a training run picked, and why the others were passed over. */
const noteBackend = (selection: BackendSelection): void => note(`backend: ${selection.backend} (${selection.tried.map((t) => `${t.candidate}: ${t.ok ? "ok" : t.reason}`).join("; ")})`);

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
    onBackend: noteBackend,
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

interface TrainRerankerFlags {
  judgments?: string;
  events?: string;
  lists?: string;
  saveLists?: string;
  format?: JudgmentFormat;
  relevantGrade: number;
  pipeline: "personal" | "rerank";
  maxLists?: number;
  concurrency: number;
  epochs: number;
  maxSeconds: number;
  valFraction: number;
  learningRate: number;
  batchSize: number;
  patience: number;
  hidden: number;
  attention: number;
  seed: number;
  out?: string;
  promote?: boolean;
  synthetic: SyntheticRows;
  excludeLabelItems: boolean;
  backend: InferenceBackendPreference;
  sidecarUrl?: string;
}

async function trainRerankerAction(flags: TrainRerankerFlags): Promise<void> {
  const connections = readConnectionSettings();
  // Candidate lists are read-only and idempotent: a few tries on transient failures, a generous deadline on a busy machine.
  const client = SidecarClient.fromConnectionSettings(connections, { ...(flags.sidecarUrl ? { baseUrl: flags.sidecarUrl } : {}), timeoutMs: 60_000, tries: 3 });
  let fetching: ReturnType<typeof progressBar> | null = null;
  let training: ReturnType<typeof progressBar> | null = null;
  const result = await trainRerankerModel({
    client,
    modelsDir: flags.out ?? connections.modelsDir,
    ...(flags.judgments ? { judgments: flags.judgments } : {}),
    ...(flags.format ? { judgmentsFormat: flags.format } : {}),
    ...(flags.events ? { events: flags.events } : {}),
    ...(flags.lists ? { lists: flags.lists, syntheticRows: flags.synthetic } : {}),
    ...(flags.saveLists ? { saveLists: flags.saveLists } : {}),
    ...(flags.maxLists !== undefined ? { maxLists: flags.maxLists } : {}),
    synthetic: flags.synthetic,
    excludeLabelItems: flags.excludeLabelItems,
    pipeline: flags.pipeline,
    concurrency: flags.concurrency,
    relevantGrade: flags.relevantGrade,
    epochs: flags.epochs,
    maxSeconds: flags.maxSeconds,
    validationFraction: flags.valFraction,
    model: { learningRate: flags.learningRate, batchSize: flags.batchSize, patience: flags.patience, hidden: flags.hidden, attention: flags.attention },
    seed: flags.seed,
    promote: Boolean(flags.promote),
    backend: flags.backend,
    onBackend: noteBackend,
    onExamples: (read) => {
      if (read.fileLists > 0) {
        const affected = flags.synthetic === "only" ? "real, kept for validation only" : "holding synthetic rows, left out or reduced to their real rows";
        note(`lists file: ${read.fileLists} lists, ${read.used} used${read.syntheticLists > 0 ? ` (${read.syntheticLists} ${affected})` : ""}`);
        return;
      }
      const events = read.events;
      note(
        `examples: ${read.judgmentGroups} judgment groups, ${read.eventExamples} searches with a click from events` +
          (events ? ` (${events.lines} lines: ${events.searches} searches, ${events.positives} positives, ${events.unattributed} unattributed, ${events.skipped} skipped, ${events.synthetic} synthetic and ${events.real} real left out)` : "") +
          `; asking for candidates of ${read.used}`,
      );
      fetching = progressBar("candidates", read.used);
    },
    onCandidates: () => fetching?.increment(),
    onProgress: (p) => {
      if (!training) {
        fetching?.stop();
        training = progressBar("training", p.epochs * p.stepsPerEpoch);
      }
      training.increment();
    },
  }).finally(() => {
    fetching?.stop();
    training?.stop();
  });
  const m = result.metrics;
  note(`lists: ${result.lists} (${m.trainLists} training, ${m.valLists} validation); dropped: ${result.droppedNoPositive} without a positive among the candidates, ${result.droppedDegraded} degraded, ${result.droppedEmpty} empty`);
  note(`features: ${result.featureNames.join(", ")}`);
  for (const epoch of m.epochs) note(`epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(4)}, val ndcg@10 ${epoch.validation?.["ndcg@10"].toFixed(4) ?? "n/a"} (${epoch.seconds.toFixed(1)} s)`);
  note(`kept epoch ${m.bestEpoch}; val with empty histories: ndcg@10 ${m.afterEmptyHistory?.["ndcg@10"].toFixed(4) ?? "n/a"}, mrr ${m.afterEmptyHistory?.mrr.toFixed(4) ?? "n/a"}`);
  note(`saved ${result.dir}${result.promoted ? " (promoted: send SIGHUP to serve, or restart it)" : ""}`);
  printSummary({
    model: RERANKER_KIND,
    version: result.version,
    dir: result.dir,
    lists: result.lists,
    dropped_no_positive: result.droppedNoPositive,
    "val_ndcg@10_before": round(m.before?.["ndcg@10"] ?? null),
    "val_ndcg@10_after": round(m.after?.["ndcg@10"] ?? null),
    val_mrr_before: round(m.before?.mrr ?? null),
    val_mrr_after: round(m.after?.mrr ?? null),
    seconds: Number(result.seconds.toFixed(1)),
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
  train
    .command("reranker")
    .description("train the attention re-ranker on the running sidecar's own candidates (POST /v1/candidates, admin key) from judgments and/or an events file; writes <out>/reranker/<version>/")
    .option("--judgments <file>", "judgments (CSV query,doc_id,grade[,user_id], SRW JSON or TREC qrels); one list per (query, user_id), labels = grades")
    .option("--events <file>", "events NDJSON (.gz accepted): a click, add_to_cart or purchase after a search of the same user and session is a positive for its query")
    .option("--lists <file>", "train on a lists file (from --save-lists or `synthesize features`) instead of asking the sidecar; its synthetic rows follow --include-synthetic/--exclude-synthetic")
    .option("--save-lists <file>", "write the labeled candidate lists (NDJSON, raw features and embeddings) before training, for later --lists runs")
    .addOption(new Option("--format <format>", "judgments format (default: from the file)").choices([...JUDGMENT_FORMATS]))
    .option("--relevant-grade <g>", "lowest grade counted relevant by the validation MRR", nonNegativeNumber("--relevant-grade"), 1)
    .addOption(new Option("--pipeline <name>", "features of this pipeline: personal (the user's history) or rerank (none)").choices(["personal", "rerank"]).default("personal"))
    .option("--max-lists <n>", "ask for candidates of at most this many examples (a seeded sample)", positiveInt("--max-lists"))
    .option("--concurrency <n>", "/v1/candidates requests in flight", positiveInt("--concurrency"), 4)
    .option("--epochs <n>", "most passes over the training lists (early stopping on validation NDCG@10)", nonNegativeInt("--epochs"), 30)
    .option("--max-seconds <n>", "stop training after this many seconds", positiveInt("--max-seconds"), 600)
    .option("--val-fraction <f>", "share of query groups held out for validation", fractionBelowOne("--val-fraction"), 0.2)
    .option("--learning-rate <r>", "Adam learning rate", positiveNumber("--learning-rate"), DEFAULT_RERANKER_TRAIN_OPTIONS.learningRate)
    .option("--batch-size <n>", "lists per training step", positiveInt("--batch-size"), DEFAULT_RERANKER_TRAIN_OPTIONS.batchSize)
    .option("--patience <n>", "stop after this many epochs without a better validation NDCG@10 (the best epoch is kept)", positiveInt("--patience"), DEFAULT_RERANKER_TRAIN_OPTIONS.patience)
    .option("--hidden <n>", "K, width of the fused hidden vector", positiveInt("--hidden"), DEFAULT_RERANKER_TRAIN_OPTIONS.hidden)
    .option("--attention <n>", "A, width of the listwise self-attention", positiveInt("--attention"), DEFAULT_RERANKER_TRAIN_OPTIONS.attention)
    .option("--seed <n>", "random seed (sample, split, initialization, shuffling)", nonNegativeInt("--seed"), 42)
    .option("--out <dir>", `models folder ${envDefault("MODELS_DIR")}`)
    .option("--promote", "make the new version the active one (serve loads it at start and on SIGHUP)")
    .addOption(new Option("--synthetic <mode>", "events (and lists-file rows) marked synthetic: include them, exclude them, or train on them only").choices(["include", "exclude", "only"]))
    .option("--include-synthetic", "same as --synthetic include (the default)")
    .option("--exclude-synthetic", "same as --synthetic exclude")
    .addOption(new Option("--backend <name>", "TensorFlow.js backend for training").choices(["auto", ...INFERENCE_BACKENDS]).default("auto"))
    .option("--no-exclude-label-items", "keep an event example's clicked items in its history before the search (as_of alone keeps the click itself out)")
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .action((flags: Omit<TrainRerankerFlags, "synthetic"> & { synthetic?: SyntheticRows; includeSynthetic?: boolean; excludeSynthetic?: boolean }) => {
      const asked = [flags.synthetic, flags.includeSynthetic ? "include" : undefined, flags.excludeSynthetic ? "exclude" : undefined].filter((m) => m !== undefined);
      if (new Set(asked).size > 1) throw new Error(`--synthetic, --include-synthetic and --exclude-synthetic contradict each other (${asked.join(" vs ")})`);
      return trainRerankerAction({ ...flags, synthetic: (asked[0] ?? "include") as SyntheticRows });
    });
  return train;
}
