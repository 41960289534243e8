import { readListsFile, type StoredRerankList } from "../../training";
import { jensenShannon, ksStatistic, totalVariation, wasserstein1 } from "./distances";
import { eventStatistics, NUMERIC_STATISTICS, topDecileShare, type EventStatistics } from "./event-statistics";
import { readEvalFigures, tstrSummary, type TstrSummary } from "./tstr";
import { classifierTwoSampleTest, type TwoSampleTestResult } from "./two-sample-test";

export interface QualityReportOptions {
  /** Real events file (NDJSON, `.gz` accepted). */
  real: string;
  /** Synthetic events file. */
  synthetic: string;
  /** Item id → category path, for the category shares. @defaultValue none (no category comparison) */
  categoryOf?: (itemId: string) => string | undefined;
  /** Lists files (`train reranker --save-lists`, `synthesize features`): compared per re-ranker feature. @defaultValue none */
  realLists?: string;
  syntheticLists?: string;
  /** `relevance eval` summary lines (files) of the re-rankers trained on synthetic, real, both, and private synthetic data. @defaultValue none */
  tstr?: string;
  trtr?: string;
  mixed?: string;
  private?: string;
  /** Folds of the classifier two-sample test. @defaultValue 5 */
  folds?: number;
  /** Bootstrap resamples of its AUC interval. @defaultValue 1000 */
  resamples?: number;
  /** @defaultValue 42 */
  seed?: number;
}

export interface Distance {
  ks: number | null;
  w1: number | null;
  real: number;
  synthetic: number;
  realMean: number | null;
  syntheticMean: number | null;
}

export interface CategoricalDistance {
  tv: number | null;
  js: number | null;
}

export interface FeatureComparison {
  /** Which rows were compared: real positives against generated positives (and negatives too when the synthetic side holds some). */
  classes: { label: "positive" | "negative"; real: number; synthetic: number; features: Record<string, Distance>; twoSample: TwoSampleTestResult | { error: string } }[];
}

export interface QualityReport {
  real: { events: number; unreadable: number; sessions: number };
  synthetic: { events: number; unreadable: number; sessions: number };
  distances: Record<string, Distance>;
  categorical: { event_type: CategoricalDistance; category: CategoricalDistance | null };
  popularity: { real: number | null; synthetic: number | null };
  twoSample: TwoSampleTestResult | { error: string };
  features: FeatureComparison | null;
  tstr: TstrSummary | null;
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length);

function distance(a: readonly number[], b: readonly number[]): Distance {
  return { ks: ksStatistic(a, b), w1: wasserstein1(a, b), real: a.length, synthetic: b.length, realMean: mean(a), syntheticMean: mean(b) };
}

function twoSample(real: readonly ArrayLike<number>[], synthetic: readonly ArrayLike<number>[], options: QualityReportOptions): TwoSampleTestResult | { error: string } {
  try {
    return classifierTwoSampleTest(real, synthetic, { folds: options.folds ?? 5, resamples: options.resamples ?? 1000, seed: options.seed ?? 42 });
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Rows of `lists` by class; `generatedOnly` keeps only candidates marked synthetic (when any is). */
function rowsByClass(lists: readonly StoredRerankList[], generatedOnly: boolean): { positive: ArrayLike<number>[]; negative: ArrayLike<number>[] } {
  const out = { positive: [] as ArrayLike<number>[], negative: [] as ArrayLike<number>[] };
  for (const list of lists) {
    list.candidates.forEach((c, i) => {
      if ((c.synthetic === true) !== generatedOnly) return;
      ((list.labels[i] ?? 0) > 0 ? out.positive : out.negative).push(c.features);
    });
  }
  return out;
}

async function compareFeatures(realPath: string, syntheticPath: string, options: QualityReportOptions): Promise<FeatureComparison> {
  // One after the other and without embeddings: lists files run to hundreds of MB.
  const real = await readListsFile(realPath, { embeddings: false });
  const synthetic = await readListsFile(syntheticPath, { embeddings: false });
  if (real.featureNames.join(",") !== synthetic.featureNames.join(",")) throw new Error(`the lists files name different features (${realPath}: ${real.featureNames.length}, ${syntheticPath}: ${synthetic.featureNames.length})`);
  const realRows = rowsByClass(real.lists, false);
  const hasGenerated = synthetic.lists.some((list) => list.candidates.some((c) => c.synthetic === true));
  const syntheticRows = rowsByClass(synthetic.lists, hasGenerated);
  const classes: FeatureComparison["classes"] = [];
  for (const label of ["positive", "negative"] as const) {
    const a = realRows[label];
    const b = syntheticRows[label];
    if (a.length === 0 || b.length === 0) continue;
    const features: Record<string, Distance> = {};
    real.featureNames.forEach((name, i) => {
      features[name] = distance(
        a.map((row) => row[i] as number),
        b.map((row) => row[i] as number),
      );
    });
    classes.push({ label, real: a.length, synthetic: b.length, features, twoSample: twoSample(a, b, options) });
  }
  return { classes };
}

/**
 * Everything the synthetic-data quality report shows: per-statistic distances between the real and
 * the synthetic events (KS and Wasserstein-1 for numeric ones, total variation and Jensen–Shannon for
 * categorical ones, the top-decile popularity share), the classifier two-sample test on session
 * vectors, per-feature distances of lists files, and TSTR/TRTR from eval summary lines.
 */
export async function qualityReport(options: QualityReportOptions): Promise<QualityReport> {
  const hasEval = [options.tstr, options.trtr].filter(Boolean).length;
  if (hasEval === 1) throw new Error("--tstr and --trtr go together: the ratio needs both");
  if ((options.mixed || options.private) && hasEval === 0) throw new Error("--mixed and --private are compared with --trtr/--tstr: give those too");
  if (Boolean(options.realLists) !== Boolean(options.syntheticLists)) throw new Error("--real-lists and --synthetic-lists go together");
  const [real, synthetic]: [EventStatistics, EventStatistics] = await Promise.all([eventStatistics(options.real, options.categoryOf), eventStatistics(options.synthetic, options.categoryOf)]);
  const distances: Record<string, Distance> = {};
  for (const name of NUMERIC_STATISTICS) distances[name] = distance(real.numeric[name], synthetic.numeric[name]);
  const tstr =
    options.tstr && options.trtr
      ? tstrSummary({
          tstr: await readEvalFigures(options.tstr),
          trtr: await readEvalFigures(options.trtr),
          ...(options.mixed ? { mixed: await readEvalFigures(options.mixed) } : {}),
          ...(options.private ? { private: await readEvalFigures(options.private) } : {}),
        })
      : null;
  return {
    real: { events: real.events, unreadable: real.unreadable, sessions: real.sessions },
    synthetic: { events: synthetic.events, unreadable: synthetic.unreadable, sessions: synthetic.sessions },
    distances,
    categorical: {
      event_type: { tv: totalVariation(real.types, synthetic.types), js: jensenShannon(real.types, synthetic.types) },
      category: options.categoryOf ? { tv: totalVariation(real.categories, synthetic.categories), js: jensenShannon(real.categories, synthetic.categories) } : null,
    },
    popularity: { real: topDecileShare(real.items), synthetic: topDecileShare(synthetic.items) },
    twoSample: twoSample(real.sessionVectors, synthetic.sessionVectors, options),
    features: options.realLists && options.syntheticLists ? await compareFeatures(options.realLists, options.syntheticLists, options) : null,
    tstr,
  };
}
