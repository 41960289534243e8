import { basename, join } from "node:path";
import { type SidecarClient } from "../client";
import { readJudgments, type JudgmentFormat } from "../eval";
import { promoteModel, RERANKER_KIND, saveReranker, selectInferenceBackend, trainReranker, type BackendSelection, type InferenceBackendPreference, type RerankerTrainingMetrics, type RerankerTrainingProgress, type TrainRerankerOptions } from "../model";
import { Rng } from "../model/rng";
import { mapWithConcurrency } from "../shared/concurrency";
import { sha256File } from "../model/training-inputs";
import { embeddingDimension, fetchCandidates, labeledList, type CandidatesRequest, type CandidatesResponse } from "./candidate-lists";
import { readListsFile, selectSyntheticRows, writeListsFile, type StoredRerankList, type SyntheticRows } from "./rerank-list-file";
import { examplesFromEvents, examplesFromJudgments, type EventExamplesSummary, type RerankExample } from "./rerank-examples";

export interface RerankTrainingOptions {
  /** The running sidecar whose retrieval makes the candidates (needs an admin key for `/v1/candidates`); not used with `lists`. */
  client?: SidecarClient;
  /** Models folder: the version is written to `<modelsDir>/reranker/<version>/`. */
  modelsDir: string;
  /** Judgments file (CONTRACTS §4); one list per (query, user_id). @defaultValue none */
  judgments?: string;
  /** @defaultValue detected from the file */
  judgmentsFormat?: JudgmentFormat;
  /** Events file (NDJSON, `.gz` accepted): a click/cart/purchase after a search is a positive. @defaultValue none */
  events?: string;
  /** Lists file written by `saveLists` (or `relevance synthesize features`): train on it instead of asking the sidecar. @defaultValue none */
  lists?: string;
  /** Write the labeled lists to this NDJSON file before training, so later runs can use `lists`. @defaultValue none */
  saveLists?: string;
  /** Generated rows of a lists file: kept, removed, or the only lists trained on (see `selectSyntheticRows`). @defaultValue "include" */
  syntheticRows?: SyntheticRows;
  /** Events marked synthetic: kept, left out, or the only ones trained on. @defaultValue "include" */
  synthetic?: SyntheticRows;
  /** Remove an event example's positives from its history (beyond `as_of`, which already keeps the click itself out). @defaultValue true */
  excludeLabelItems?: boolean;
  /** Pipeline whose features the lists carry: `personal` (with the user's history) or `rerank` (none). @defaultValue "personal" */
  pipeline?: "personal" | "rerank";
  /** At most this many examples (a seeded sample) are asked for candidates. @defaultValue all */
  maxLists?: number;
  /** `/v1/candidates` requests in flight. @defaultValue 4 */
  concurrency?: number;
  /** MRR counts a candidate relevant from this grade. @defaultValue 1 */
  relevantGrade?: number;
  /** @defaultValue 30 */
  epochs?: number;
  /** Training stops after this many seconds (the candidates' fetching is not counted). @defaultValue 600 */
  maxSeconds?: number;
  /** Share of query groups held out for validation. @defaultValue 0.2 */
  validationFraction?: number;
  /** The model's shape and optimizer (`DEFAULT_RERANKER_TRAIN_OPTIONS` for what is not given). @defaultValue the defaults */
  model?: Partial<Pick<TrainRerankerOptions, "learningRate" | "batchSize" | "patience" | "hidden" | "attention">>;
  /** @defaultValue 42 */
  seed?: number;
  /** Make the new version the active one. @defaultValue false */
  promote?: boolean;
  /** TensorFlow.js backend for training. @defaultValue "auto" */
  backend?: InferenceBackendPreference;
  /** Called once the backend is chosen. */
  onBackend?: (selection: BackendSelection) => void;
  /** Called once the examples are read, before asking for candidates. */
  onExamples?: (examples: RerankExamplesRead) => void;
  /** Called after each `/v1/candidates` answer. */
  onCandidates?: (done: number, total: number) => void;
  /** Called after every training step. */
  onProgress?: (progress: RerankerTrainingProgress) => void;
}

export interface RerankExamplesRead {
  /** Lists read from a lists file (0 when the sidecar was asked). */
  fileLists: number;
  /** Lists of the file left out by `syntheticRows`, or reduced to their real rows. */
  syntheticLists: number;
  judgmentGroups: number;
  events: EventExamplesSummary | null;
  eventExamples: number;
  /** Examples asked for candidates (after `maxLists`). */
  used: number;
}

export interface RerankTrainingResult {
  version: string;
  dir: string;
  promoted: boolean;
  examples: RerankExamplesRead;
  /** Lists trained and validated on. */
  lists: number;
  /** Lists where retrieval found no positive: the recall ceiling. */
  droppedNoPositive: number;
  /** Answers marked degraded (features not those of serving), dropped. */
  droppedDegraded: number;
  /** Answers with no candidates at all. */
  droppedEmpty: number;
  featureNames: string[];
  embeddings: { model: string; version: string } | null;
  metrics: RerankerTrainingMetrics;
  /** Wall time of the whole run: reading, candidates, training, saving. */
  seconds: number;
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((name, i) => name === b[i]);

interface CollectedLists {
  lists: StoredRerankList[];
  read: RerankExamplesRead;
  dropped: { no_positive: number; degraded: number; empty: number };
  featureNames: string[];
  dimension: number;
  embeddings: CandidatesResponse["embeddings"];
  pipeline: string;
}

/** The lists of a lists file, with its generated rows kept, removed or alone as `mode` says. */
async function listsFromFile(path: string, mode: SyntheticRows): Promise<CollectedLists> {
  const file = await readListsFile(path);
  const lists = selectSyntheticRows(file.lists, mode);
  if (lists.length === 0) throw new Error(`${path}: no list left to train on (${file.lists.length} in the file, --synthetic ${mode})`);
  const syntheticLists = file.lists.filter((list) => list.synthetic === true).length;
  return {
    lists,
    // `syntheticLists`: lists reduced to their real rows (exclude), or real lists kept for validation only (only).
    read: { fileLists: file.lists.length, syntheticLists: mode === "include" ? 0 : mode === "exclude" ? syntheticLists : file.lists.length - syntheticLists, judgmentGroups: 0, events: null, eventExamples: 0, used: lists.length },
    dropped: { no_positive: 0, degraded: 0, empty: 0 },
    featureNames: [...file.featureNames],
    dimension: file.dimension,
    embeddings: file.embeddings,
    pipeline: file.pipeline,
  };
}

/** Examples from judgments and/or events, each answered by `/v1/candidates` and labeled. */
async function listsFromSidecar(options: RerankTrainingOptions, pipeline: "personal" | "rerank", seed: number, excludeLabelItems: boolean): Promise<CollectedLists> {
  const client = options.client;
  if (!client) throw new Error("training from judgments or events needs the sidecar client");
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const fromJudgments = options.judgments ? examplesFromJudgments(await readJudgments(options.judgments, options.judgmentsFormat)) : [];
  const fromEvents = options.events ? await examplesFromEvents(options.events, { synthetic: options.synthetic ?? "include" }) : null;
  let examples: RerankExample[] = [...fromJudgments, ...(fromEvents?.examples ?? [])];
  if (options.maxLists !== undefined && examples.length > options.maxLists) examples = new Rng(seed).shuffle(examples).slice(0, options.maxLists);
  const read: RerankExamplesRead = { fileLists: 0, syntheticLists: 0, judgmentGroups: fromJudgments.length, events: fromEvents?.summary ?? null, eventExamples: fromEvents?.examples.length ?? 0, used: examples.length };
  options.onExamples?.(read);
  if (examples.length === 0) throw new Error("no training examples: the judgments have no groups and the events no search followed by a click");

  let done = 0;
  const responses = await mapWithConcurrency(examples, concurrency, async (example) => {
    const request: CandidatesRequest = {
      q: example.query,
      pipeline,
      ...(example.userId && pipeline === "personal" ? { user_id: example.userId } : {}),
      ...(example.asOf !== undefined ? { as_of: example.asOf } : {}),
      ...(excludeLabelItems && example.excludeItems.length > 0 ? { exclude_items: example.excludeItems } : {}),
    };
    const response = await fetchCandidates(client, request);
    options.onCandidates?.(++done, examples.length);
    return response;
  });

  let featureNames: string[] | null = null;
  let dimension: number | null = null;
  let embeddings: CandidatesResponse["embeddings"] = null;
  const lists: StoredRerankList[] = [];
  const dropped = { no_positive: 0, degraded: 0, empty: 0 };
  responses.forEach((response, i) => {
    const example = examples[i] as RerankExample;
    featureNames ??= response.feature_names;
    if (!sameNames(featureNames, response.feature_names)) throw new Error(`the sidecar's feature names changed during the run ([${featureNames.join(", ")}] then [${response.feature_names.join(", ")}])`);
    const outcome = labeledList(response, example.grades, example.group);
    if (outcome.dropped) {
      dropped[outcome.dropped] += 1;
      return;
    }
    const d = embeddingDimension(response);
    if (d !== null) {
      if (dimension !== null && d !== dimension) throw new Error(`embedding width changed during the run (${dimension} then ${d}): was an embedding model promoted meanwhile?`);
      dimension = d;
      embeddings ??= response.embeddings;
    }
    lists.push(outcome.list);
  });
  if (lists.length === 0) throw new Error(`no list has a positive among its candidates (${dropped.no_positive} without, ${dropped.degraded} degraded, ${dropped.empty} empty)`);
  if (featureNames === null) throw new Error("the sidecar answered no candidates");
  if (dimension === null) throw new Error("the sidecar's candidates carry no embeddings: promote an embedding model (relevance train embeddings --promote) and restart it");
  return { lists, read, dropped, featureNames, dimension, embeddings, pipeline };
}

/**
 * Trains the attention re-ranker on the running sidecar's own candidates, so training features equal
 * serving features: reads judgments and/or events into examples, asks `/v1/candidates` for each (as the
 * user, as of the search, its labels kept out of the history), labels the lists, trains with the
 * listwise loss and a validation split by query, saves a version whose manifest has the files' SHA-256,
 * counts, seed, pipeline and feature names, and promotes it when asked.
 */
export async function trainRerankerModel(options: RerankTrainingOptions): Promise<RerankTrainingResult> {
  const started = Date.now();
  if (options.lists && (options.judgments || options.events)) throw new Error("give either --lists or --judgments/--events: a lists file already holds labeled candidates");
  if (!options.lists && !options.judgments && !options.events) throw new Error("give --judgments and/or --events (or --lists): the re-ranker learns from graded judgments or logged clicks");
  const pipeline = options.pipeline ?? "personal";
  const seed = options.seed ?? 42;
  const relevantGrade = options.relevantGrade ?? 1;
  const excludeLabelItems = options.excludeLabelItems ?? true;
  const syntheticEvents = options.synthetic ?? "include";
  const collected = options.lists ? await listsFromFile(options.lists, options.syntheticRows ?? "include") : await listsFromSidecar(options, pipeline, seed, excludeLabelItems);
  const { lists, read, dropped, dimension, embeddings } = collected;
  if (options.lists) options.onExamples?.(read);
  const names = collected.featureNames;
  if (options.saveLists) await writeListsFile(options.saveLists, { featureNames: names, dimension, embeddings, pipeline: collected.pipeline }, lists);

  options.onBackend?.(await selectInferenceBackend({ preference: options.backend ?? "auto" }));
  const trained = await trainReranker(
    { featureNames: names, dimension, lists },
    {
      seed,
      relevantGrade,
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.maxSeconds !== undefined ? { maxSeconds: options.maxSeconds } : {}),
      ...(options.validationFraction !== undefined ? { validationFraction: options.validationFraction } : {}),
      ...options.model,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );

  const files = [
    ...(options.judgments ? [{ role: "judgments", path: options.judgments }] : []),
    ...(options.events ? [{ role: "events", path: options.events }] : []),
    ...(options.lists ? [{ role: "lists", path: options.lists }] : []),
  ];
  const hashed = await Promise.all(files.map(async (f) => ({ role: f.role, file: basename(f.path), sha256: await sha256File(f.path) })));
  const m = trained.metrics;
  const { dir, manifest } = await saveReranker(join(options.modelsDir, RERANKER_KIND), {
    shape: trained.shape,
    schema: trained.schema,
    weights: trained.weights,
    training: {
      seed,
      dataHashes: Object.fromEntries(hashed.map((f) => [f.role, f.sha256])),
      files: hashed,
      pipeline: collected.pipeline,
      featureNames: names,
      embeddings,
      relevantGrade,
      includeSynthetic: syntheticEvents !== "exclude",
      syntheticEvents,
      ...(options.lists ? { syntheticRows: options.syntheticRows ?? "include" } : {}),
      excludeLabelItems,
      maxLists: options.maxLists ?? null,
      optimizer: trained.optimizer,
      counts: {
        judgmentGroups: read.judgmentGroups,
        eventExamples: read.eventExamples,
        events: read.events,
        examplesUsed: read.used,
        fileLists: read.fileLists,
        syntheticListsLeftOut: read.syntheticLists,
        lists: lists.length,
        droppedNoPositive: dropped.no_positive,
        droppedDegraded: dropped.degraded,
        droppedEmpty: dropped.empty,
        trainLists: m.trainLists,
        valLists: m.valLists,
      },
    },
    metrics: m,
  });
  const promoted = Boolean(options.promote);
  if (promoted) await promoteModel(options.modelsDir, RERANKER_KIND, manifest.version);
  return {
    version: manifest.version,
    dir,
    promoted,
    examples: read,
    lists: lists.length,
    droppedNoPositive: dropped.no_positive,
    droppedDegraded: dropped.degraded,
    droppedEmpty: dropped.empty,
    featureNames: names,
    embeddings,
    metrics: m,
    seconds: (Date.now() - started) / 1000,
  };
}
