import { FeatureNormalizer, fitFeatureSchema, type FeatureSchema } from "../../model";
import { Rng } from "../../model/rng";
import { sampleCvae, trainCvae, type CvaeShape, type CvaeTrainingMetrics, type CvaeWeights, type TrainCvaeOptions } from "./cvae";
import { conformRow, inferFeatureRanges, type FeatureRange } from "./feature-kinds";

/** Class 0: a skipped candidate (label 0); class 1: an interacted one (label > 0). */
export const NEGATIVE = 0;
export const POSITIVE = 1;

/** A trained generator of raw re-ranker feature rows, conditioned on the label. */
export interface FeatureGenerator {
  featureNames: readonly string[];
  /** z-score statistics of the training rows, fitted as the re-ranker fits its own (`fitFeatureSchema`). */
  schema: FeatureSchema;
  /** Per class (index = class), the kinds and ranges of its real rows: a generated row keeps to its class's. */
  ranges: readonly (readonly FeatureRange[])[];
  shape: CvaeShape;
  weights: CvaeWeights;
}

/** One real candidate's raw features and whether it was interacted with. */
export interface LabeledRow {
  features: ArrayLike<number>;
  positive: boolean;
}

export interface FitGeneratorOptions extends Partial<TrainCvaeOptions> {
  /** @defaultValue 8 */
  latent?: number;
  /** @defaultValue 64 */
  hidden?: number;
  /** Skipped rows kept per positive (a seeded sample), so the rare class is not drowned out. @defaultValue 3 */
  negativesPerPositive?: number;
  /** At most this many rows in all. @defaultValue 20000 */
  maxRows?: number;
}

export interface FitGeneratorResult {
  generator: FeatureGenerator;
  metrics: CvaeTrainingMetrics;
  /** Rows trained on, per class, after sampling. */
  positives: number;
  negatives: number;
}

/**
 * Fits the CVAE to real rows: every positive (up to `maxRows`) and a seeded sample of the skipped
 * rows, normalized with z-scores fitted on them (the re-ranker's own normalization, so the generator
 * learns on the scale the model reads).
 */
export async function fitFeatureGenerator(featureNames: readonly string[], rows: readonly LabeledRow[], options: FitGeneratorOptions = {}): Promise<FitGeneratorResult> {
  const seed = options.seed ?? 42;
  const maxRows = options.maxRows ?? 20_000;
  const ratio = options.negativesPerPositive ?? 3;
  if (!(ratio >= 0)) throw new Error(`negativesPerPositive must be ≥ 0, got ${ratio}`);
  const rng = new Rng(seed);
  const positives = rows.filter((row) => row.positive);
  const negatives = rows.filter((row) => !row.positive);
  if (positives.length === 0) throw new Error("no positive rows: the generator learns the rare class from real interactions");
  const keptPositives = positives.length > maxRows ? rng.shuffle([...positives]).slice(0, maxRows) : positives;
  const negativeCount = Math.min(negatives.length, Math.round(keptPositives.length * ratio), Math.max(0, maxRows - keptPositives.length));
  const keptNegatives = rng.shuffle([...negatives]).slice(0, negativeCount);
  const training = [...keptPositives, ...keptNegatives];

  const schema = fitFeatureSchema(
    featureNames,
    training.map((row) => row.features),
    { normalization: "zscore" },
  );
  // Per class: a feature constant (or zero-inflated) among positives stays so in generated positives.
  const ranges = [keptNegatives.length > 0 ? keptNegatives : keptPositives, keptPositives].map((rows) =>
    inferFeatureRanges(
      featureNames,
      rows.map((row) => row.features),
    ),
  );
  const normalizer = new FeatureNormalizer(schema);
  const f = featureNames.length;
  const x = new Float32Array(training.length * f);
  const labels = new Uint8Array(training.length);
  training.forEach((row, i) => {
    normalizer.normalizeInto(row.features, x, i * f);
    labels[i] = row.positive ? POSITIVE : NEGATIVE;
  });
  const shape: CvaeShape = { features: f, classes: 2, latent: options.latent ?? 8, hidden: options.hidden ?? 64 };
  const { weights, metrics } = await trainCvae(x, labels, shape, { ...options, seed });
  return { generator: { featureNames: [...featureNames], schema, ranges, shape, weights }, metrics, positives: keptPositives.length, negatives: keptNegatives.length };
}

/** `count` raw rows of the class: decoded, un-normalized, then made to respect each feature's kind and range. */
export function generateRows(generator: FeatureGenerator, label: typeof NEGATIVE | typeof POSITIVE, count: number, rng: Rng): Float64Array[] {
  const f = generator.featureNames.length;
  const normalized = sampleCvae(generator.weights, generator.shape, label, count, rng);
  const rows: Float64Array[] = [];
  for (let r = 0; r < count; r++) {
    const row = new Float64Array(f);
    generator.schema.features.forEach((spec, i) => {
      const z = normalized[r * f + i] as number;
      const n = spec.normalization;
      row[i] = n.kind === "zscore" ? z * n.std + n.mean : n.kind === "minmax" ? z * (n.max - n.min) + n.min : z;
    });
    rows.push(conformRow(row, generator.ranges[label] as readonly FeatureRange[]));
  }
  return rows;
}
