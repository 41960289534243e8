import { ModelFormatError } from "../errors";
import { RERANKER_FORMAT, RERANKER_KIND, RerankerManifestSchema, type RerankerManifest } from "../model-manifest";
import { MANIFEST_FILE, packWeights, readManifestFile, readWeightArrays, versionTimestamp, writeVersionFolder } from "../model-store";
import { checkFeatureSchema, type FeatureSchema } from "./feature-schema";
import { checkRerankerShape, PERSONAL_TERMS, rerankerWeightShapes, type RerankerShape, type RerankerWeightName, type RerankerWeights } from "./reranker-shape";
import { type RerankerTrainingMetrics } from "./train-reranker";

const WEIGHTS_FILE = "weights.bin";

/** A re-ranker in memory: what `saveReranker` writes and `readReranker` returns. */
export interface StoredReranker {
  manifest: RerankerManifest;
  shape: RerankerShape;
  schema: FeatureSchema;
  weights: RerankerWeights;
}

export interface SaveRerankerInput {
  /** @defaultValue "reranker" */
  name?: string;
  shape: RerankerShape;
  schema: FeatureSchema;
  weights: RerankerWeights;
  /** The seed and the training data's hashes (computed by the caller, e.g. sha256 of each input file), plus anything else worth keeping. */
  training: { seed: number; dataHashes: Record<string, string> } & Record<string, unknown>;
  /** Usually `TrainedReranker.metrics`: validation metrics before/after, loss curve. */
  metrics: RerankerTrainingMetrics | Record<string, unknown>;
  /** @defaultValue now */
  createdAt?: Date;
  /** @defaultValue `rr-YYYYMMDD-HHMMSS-<first 7 hex of the weights' sha256>` */
  version?: string;
}

/**
 * Writes `<parentDir>/<version>/` with `manifest.json` and `weights.bin` (float32 little-endian, arrays
 * in `rerankerWeightShapes` order), atomically. `parentDir` is normally `<modelsDir>/reranker`.
 */
export async function saveReranker(parentDir: string, input: SaveRerankerInput): Promise<{ dir: string; manifest: RerankerManifest }> {
  checkRerankerShape(input.shape);
  checkFeatureSchema(input.schema);
  if (input.schema.features.length !== input.shape.features) throw new Error(`the feature schema has ${input.schema.features.length} features, the model ${input.shape.features}`);
  const { buffer, specs, sha256 } = packWeights(rerankerWeightShapes(input.shape).map(({ name, shape, key }) => ({ name, shape, data: input.weights[key] })));
  const createdAt = input.createdAt ?? new Date();
  const version = input.version ?? `rr-${versionTimestamp(createdAt)}-${sha256.slice(0, 7)}`;
  const manifest: RerankerManifest = {
    format: RERANKER_FORMAT,
    kind: RERANKER_KIND,
    name: input.name ?? RERANKER_KIND,
    version,
    createdAt: createdAt.toISOString(),
    dimension: input.shape.dimension,
    model: { architecture: "din-target-attention+prm-listwise", ...input.shape, personalTerms: [...PERSONAL_TERMS] },
    featureSchema: { clip: input.schema.clip, features: input.schema.features.map((f) => ({ name: f.name, normalization: { ...f.normalization } })) },
    weights: { file: WEIGHTS_FILE, dtype: "float32", byteLength: buffer.length, sha256, specs },
    training: input.training,
    metrics: { ...input.metrics },
  };
  const parsed = RerankerManifestSchema.safeParse(manifest);
  if (!parsed.success) throw new Error(`the reranker manifest would be invalid: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  const dir = await writeVersionFolder(parentDir, version, [
    [WEIGHTS_FILE, buffer],
    [MANIFEST_FILE, JSON.stringify(manifest, null, 2) + "\n"],
  ]);
  return { dir, manifest };
}

export function readRerankerManifest(dir: string): Promise<RerankerManifest> {
  return readManifestFile(dir, RerankerManifestSchema);
}

/** Reads and checks a version folder written by `saveReranker` (the weights' sha256 included). @throws ModelFormatError saying what is wrong. */
export async function readReranker(dir: string): Promise<StoredReranker> {
  const manifest = await readRerankerManifest(dir);
  const { features, dimension, maxHistory, hidden, attention, personalTerms } = manifest.model;
  const shape: RerankerShape = { features, dimension, maxHistory, hidden, attention };
  const schema: FeatureSchema = manifest.featureSchema;
  try {
    checkRerankerShape(shape);
    checkFeatureSchema(schema);
  } catch (err) {
    throw new ModelFormatError(dir, (err as Error).message, { cause: err });
  }
  if (schema.features.length !== features) throw new ModelFormatError(dir, `the feature schema names ${schema.features.length} features, the model has ${features}`);
  if (personalTerms.join(",") !== PERSONAL_TERMS.join(",")) throw new ModelFormatError(dir, `personal terms [${personalTerms.join(", ")}] are not the ones this code computes [${PERSONAL_TERMS.join(", ")}]`);
  const specs = rerankerWeightShapes(shape);
  const arrays = await readWeightArrays(dir, manifest.weights, specs, { verifySha256: true });
  const weights = {} as Record<RerankerWeightName, Float32Array>;
  specs.forEach((spec, i) => {
    const array = arrays[i] as Float32Array;
    if (!array.every((x) => Number.isFinite(x))) throw new ModelFormatError(dir, `weight ${spec.name} holds non-finite values`);
    weights[spec.key] = array;
  });
  return { manifest, shape, schema, weights: weights };
}
