import { createWriteStream } from "node:fs";
import { Command, Option } from "commander";
import { type SidecarClient } from "../../client";
import { loadConfig, readConnectionSettings } from "../../config";
import { gatewayFromConfig } from "../../opensearch";
import { loadEventsFile } from "../../events";
import { parseFieldMap, type CatalogFormat } from "../../indexing";
import {
  CLICK_MODEL_KINDS,
  OfflineOverlapResults,
  SessionSimulator,
  SidecarResults,
  fitBehaviour,
  loadResultsCache,
  saveResultsCache,
  generateSampleCatalog,
  priorBehaviour,
  readItemVectors,
  readSimulatorCatalog,
  TasteSpace,
  WeightedSampler,
  fitTasteKappa,
  DEFAULT_TASTE_KAPPA,
  simulatorItems,
  type BehaviourModel,
  type ClickModelKind,
  type ExaminationMode,
  EXAMINATION_MODES,
  type ResultSource,
  type SimulatorItem,
} from "../../synthetic";
import { MS_PER_DAY } from "../../shared/time-units";
import { nonNegativeNumber, note, positiveInt, positiveNumber, printSummary, probability } from "../output";
import { cliSidecarClient } from "../sidecar-client";

interface SessionsFlags {
  out: string;
  fit?: string;
  catalog?: string;
  map?: string;
  format?: CatalogFormat;
  users: number;
  seed: number;
  epsilon?: number;
  delta: number;
  clickModel: ClickModelKind;
  examination?: ExaminationMode;
  send?: boolean;
  offline?: boolean;
  pipeline: string;
  depth: number;
  maxEventsPerUser: number;
  replayClicks: number;
  start?: number;
  days?: number;
  attractiveness: number;
  noise: number;
  concurrency: number;
  batchSize: number;
  resultsCache?: string;
  sidecarUrl?: string;
  /** commander's `--no-taste`: false when given. */
  taste: boolean;
  tasteKappa?: number;
  tasteNoise: number;
  calibrateClicks?: boolean;
}

function instant(value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`--start must be an ISO-8601 time or epoch milliseconds, got "${value}"`);
  return t;
}

async function catalogItems(flags: SessionsFlags): Promise<SimulatorItem[]> {
  if (flags.catalog) {
    const { items, skipped } = await readSimulatorCatalog(flags.catalog, { map: parseFieldMap(flags.map), ...(flags.format ? { format: flags.format } : {}) });
    if (skipped > 0) note(`catalog: ${skipped} records skipped (unusable or duplicate ids)`);
    return items;
  }
  if (flags.fit) return [];
  note("no --catalog: using the sample catalog (relevance synthesize catalog --seed of this run)");
  return simulatorItems(generateSampleCatalog({ count: 2000, seed: flags.seed }));
}

/** The window: --start/--days, else the fitted log's span, else the 30 days before today (inside the default retention). */
function windowOf(flags: SessionsFlags, model: BehaviourModel): { start: number; end: number } {
  if (flags.start === undefined && flags.days === undefined && model.fit) return model.window;
  const days = flags.days ?? 30;
  const start = flags.start ?? Math.floor(Date.now() / MS_PER_DAY) * MS_PER_DAY - days * MS_PER_DAY;
  return { start, end: start + days * MS_PER_DAY };
}

interface TasteSummary {
  items: number;
  kappa: number;
  kappa_from: "flag" | "fit" | "default";
  noise: number;
  real_cocos?: number;
  simulated_cocos?: number;
  fit_users?: number;
}

/**
 * Taste vectors from the products index (the served `embedding` field, OPENSEARCH_URL and PRODUCTS_ALIAS),
 * κ from --taste-kappa, else fitted to the log's co-clicks (non-private fits only), else the default; null
 * (facet preferences, with a note) with --no-taste, --offline, an index without vectors, or a cluster the
 * CLI cannot read.
 */
async function tasteSpace(flags: SessionsFlags, model: BehaviourModel): Promise<{ space: TasteSpace; summary: TasteSummary } | null> {
  if (!flags.taste) return null;
  if (flags.offline) {
    note("--offline: no taste vectors (users prefer a category, brand and price band)");
    return null;
  }
  const config = loadConfig();
  const gateway = gatewayFromConfig(config, { timeoutMs: 30_000 });
  let vectors: Map<string, Float32Array>;
  try {
    vectors = await readItemVectors(gateway, config.productsAlias);
  } catch (err) {
    // The CLI may not reach the sidecar's cluster (only SIDECAR_URL set): said, and the facets are used.
    note(`no taste vectors: reading the embeddings of ${config.productsAlias} failed (${(err as Error).message}); users prefer a category, brand and price band`);
    return null;
  } finally {
    await gateway.close();
  }
  const space = new TasteSpace(vectors, model.itemWeights, { kappa: flags.tasteKappa ?? DEFAULT_TASTE_KAPPA, noise: flags.tasteNoise });
  if (space.size === 0) {
    note(`no product of ${config.productsAlias} has an embedding and a popularity weight: no taste vectors (facet preferences)`);
    return null;
  }
  const summary: TasteSummary = { items: space.size, kappa: space.kappa, kappa_from: flags.tasteKappa !== undefined ? "flag" : "default", noise: space.noise };
  if (flags.tasteKappa !== undefined || !model.userClicks) return { space, summary };
  const anchors = new WeightedSampler([...model.itemWeights].filter(([, w]) => w > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const fitted = fitTasteKappa(space, model.userClicks, anchors, { seed: flags.seed });
  if (!fitted) return { space, summary };
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    space: new TasteSpace(vectors, model.itemWeights, { kappa: fitted.kappa, noise: flags.tasteNoise }),
    summary: { ...summary, kappa: fitted.kappa, kappa_from: "fit", real_cocos: round(fitted.realCosine), simulated_cocos: round(fitted.simulatedCosine), fit_users: fitted.users },
  };
}

async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  const written = (async () => {
    let chunk: string[] = [];
    for await (const line of lines) {
      chunk.push(line);
      if (chunk.length < 2000) continue;
      if (!out.write(chunk.join(""))) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = [];
    }
    out.write(chunk.join(""));
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  })();
  await Promise.race([written, failed]);
}

async function sessionsAction(flags: SessionsFlags): Promise<void> {
  const started = performance.now();
  let client: SidecarClient | null = null;
  const sidecar = (): SidecarClient => (client ??= cliSidecarClient(readConnectionSettings(), flags.sidecarUrl));
  const items = await catalogItems(flags);
  const results: ResultSource = flags.offline ? new OfflineOverlapResults(items, flags.depth) : new SidecarResults(sidecar(), { pipeline: flags.pipeline, size: flags.depth, concurrency: flags.concurrency });
  if (flags.resultsCache && results instanceof SidecarResults) {
    const loaded = await loadResultsCache(flags.resultsCache, results);
    if (loaded > 0) note(`results cache: ${loaded} lists from ${flags.resultsCache}`);
  }
  const model = flags.fit
    ? await fitBehaviour(flags.fit, {
        items,
        results,
        ...(flags.epsilon !== undefined ? { epsilon: flags.epsilon } : {}),
        delta: flags.delta,
        maxEventsPerUser: flags.maxEventsPerUser,
        replayClicks: flags.replayClicks,
        depth: flags.depth,
        seed: flags.seed,
      })
    : priorBehaviour(items, { depth: flags.depth });
  if (flags.epsilon !== undefined && !flags.fit) note("--epsilon has no effect without --fit: priors use no real data");
  model.window = windowOf(flags, model);
  const taste = await tasteSpace(flags, model);
  const fitted = performance.now();
  if (model.fit) note(`fitted: ${JSON.stringify(model.fit)}; theta ${model.theta.map((t) => t.toFixed(3)).join(" ")}`);

  const clickRate = flags.calibrateClicks && model.fit && model.fit.searches > 0 ? Math.min(1, model.fit.clicks / model.fit.searches) : undefined;
  if (flags.calibrateClicks && clickRate === undefined) note("--calibrate-clicks needs --fit (the log's clicks per search): not applied");
  const simulator = new SessionSimulator(model, {
    users: flags.users,
    seed: flags.seed,
    clickModel: flags.clickModel,
    targetAttractiveness: flags.attractiveness,
    noise: flags.noise,
    ...(taste ? { taste: taste.space } : {}),
    ...(clickRate !== undefined ? { clickRate } : {}),
    ...(flags.examination ? { examination: flags.examination } : {}),
  });
  let events = 0;
  const counts: Record<string, number> = {};
  async function* lines(): AsyncGenerator<string> {
    for await (const event of simulator.run(results)) {
      events += 1;
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      yield `${JSON.stringify(event)}\n`;
    }
  }
  await writeLines(flags.out, lines());
  if (flags.resultsCache && results instanceof SidecarResults) await saveResultsCache(flags.resultsCache, results);
  let sent: Record<string, number> | undefined;
  if (flags.send) {
    const summary = await loadEventsFile(flags.out, { batchSize: flags.batchSize, concurrency: flags.concurrency, send: (batch) => sidecar().events(batch) });
    for (const rejection of summary.rejections.slice(0, 20)) note(`line ${rejection.line}: ${rejection.code} ${rejection.message}`);
    sent = { accepted: summary.accepted, duplicate: summary.duplicate, rejected: summary.rejected, seconds: summary.seconds };
  }
  const seconds = (performance.now() - fitted) / 1000;
  printSummary({
    events,
    users: flags.users,
    seconds: Math.round(seconds * 100) / 100,
    events_per_second: Math.round(events / Math.max(seconds, 1e-3)),
    by_type: counts,
    fit_seconds: Math.round((fitted - started) / 10) / 100,
    results: results.name,
    ...(results instanceof SidecarResults ? { searches: results.searches } : {}),
    click_model: flags.clickModel,
    theta: simulator.clickModel.kind === "pbm" ? Array.from({ length: model.theta.length }, (_, r) => Math.round(simulator.clickModel.examination(r) * 1000) / 1000) : null,
    epsilon: flags.fit ? (flags.epsilon ?? null) : null,
    taste: taste ? taste.summary : null,
    click_rate: clickRate !== undefined ? Math.round(clickRate * 10_000) / 10_000 : null,
    out: flags.out,
    ...(sent ? { sent } : {}),
  });
}

/** `relevance synthesize sessions`. */
export function synthesizeSessionsCommand(): Command {
  return new Command("sessions")
    .description("simulate synthetic users' search sessions as events (each \"synthetic\": true), fitted to a real events file when --fit is given")
    .requiredOption("--out <file>", "output NDJSON events file")
    .option("--fit <file>", "real events file (NDJSON, .gz accepted) to fit users, sessions, queries, popularity and the click model to")
    .option("--catalog <file>", "catalog file (CSV or JSONL, .gz accepted): the items' categories, brands and prices (default: the sample catalog, without --fit)")
    .addOption(new Option("--format <format>", "catalog file format (default: from the file name)").choices(["csv", "jsonl"]))
    .option("--map <pairs>", "catalog canonical field=source column pairs, e.g. id=product_uid,title=product_title")
    .option("--users <n>", "synthetic users", positiveInt("--users"), 1000)
    .option("--seed <n>", "random seed (same seed and inputs: byte-identical output)", positiveInt("--seed"), 42)
    .option("--epsilon <e>", "differential privacy: total ε of the statistics fitted from --fit (Laplace noise, README \"Synthetic data\")", positiveNumber("--epsilon"))
    .option("--delta <d>", "δ of the private query-text release (with --epsilon)", probability("--delta"), 1e-6)
    .addOption(new Option("--click-model <kind>", "click model").choices([...CLICK_MODEL_KINDS]).default("pbm"))
    .addOption(new Option("--examination <mode>", "PBM position bias: as fitted, or calibrated so simulated clicks fall on the ranks the log's replayed clicks did (default: calibrated when --fit replayed the log)").choices([...EXAMINATION_MODES]))
    .option("--send", "also send the events through the sidecar's POST /v1/events (write scope, SIDECAR_API_KEY)")
    .option("--offline", "rank with the offline word-overlap fallback instead of the running sidecar (not the sidecar's ranking)")
    .option("--pipeline <name>", "the sidecar pipeline that ranks the simulated searches", "hybrid")
    .option("--depth <n>", "results per search a user can click (and ranks of the click model)", positiveInt("--depth"), 10)
    .option("--max-events-per-user <n>", "each real user's first N events are fitted (bounds the DP sensitivity)", positiveInt("--max-events-per-user"), 20)
    .option("--replay-clicks <n>", "logged clicks replayed through the sidecar to fit the click model", positiveInt("--replay-clicks"), 5000)
    .option("--start <time>", "start of the timestamps' window, ISO-8601 or epoch ms (default: the fitted log's, else 30 days before today)", instant)
    .option("--days <n>", "length of the window in days", positiveNumber("--days"))
    .option("--attractiveness <p>", "click model α of the item a user looks for", probability("--attractiveness"), 0.9)
    .option("--noise <p>", "click model α of every other result (noise clicks; 0.02 cost TSTR 0.05 MRR on Best Buy)", probability("--noise"), 0)
    .option("--calibrate-clicks", "searches whose target is shown get a click on it often enough that the share of searches with a click is the fitted log's clicks per search (≤ 1)")
    .option("--no-taste", "no taste vectors: users prefer the category, brand and price band of an anchor item (always so with --offline)")
    .option("--taste-kappa <k>", "taste concentration κ: targets ∝ popularity × exp(κ·cos(taste, item)) (default: fitted to the log's co-clicks without --epsilon, else 8)", nonNegativeNumber("--taste-kappa"))
    .option("--taste-noise <s>", "norm of the Gaussian noise added to the anchor item's embedding to make a user's taste", nonNegativeNumber("--taste-noise"), 0.5)
    .option("--concurrency <n>", "searches (and, with --send, event batches) in flight", positiveInt("--concurrency"), 8)
    .option("--batch-size <n>", "events per POST /v1/events with --send (at most 5000)", positiveInt("--batch-size"), 1000)
    .option("--results-cache <file>", "keep the sidecar's result lists in this JSON file and reuse them on the next run (valid while the index, models and signals are unchanged)")
    .option("--sidecar-url <url>", "sidecar URL (env SIDECAR_URL)")
    .action((flags: SessionsFlags) => {
      if (flags.batchSize > 5000) throw new Error(`--batch-size must be at most 5000, got ${flags.batchSize}`);
      return sessionsAction(flags);
    });
}
