import { z } from "zod";
import { ModelFormatError } from "../../model";
import { WeightsFileSchema } from "../../model/model-manifest";
import { MANIFEST_FILE, packWeights, readManifestFile, readWeightArrays, versionTimestamp, writeVersionFolder } from "../../model/model-store";
import { checkCvaeShape, cvaeWeightShapes, type CvaeWeights } from "./cvae";
import { type FeatureGenerator } from "./feature-generator";

/** Versions live in `<modelsDir>/generator/<version>/`, next to the other kinds; a generator is never served, so it has no ACTIVE pointer. */
export const GENERATOR_KIND = "generator";
export const GENERATOR_FORMAT = 1;
const WEIGHTS_FILE = "weights.bin";

const NormalizationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("zscore"), mean: z.number(), std: z.number().positive() }),
  z.object({ kind: z.literal("minmax"), min: z.number(), max: z.number() }),
  z.object({ kind: z.literal("none") }),
]);

const GeneratorManifestSchema = z.object({
  format: z.literal(GENERATOR_FORMAT),
  kind: z.literal(GENERATOR_KIND),
  version: z.string(),
  createdAt: z.string(),
  model: z.object({ architecture: z.literal("conditional-vae"), features: z.number().int(), classes: z.number().int(), latent: z.number().int(), hidden: z.number().int() }),
  featureSchema: z.object({ clip: z.number().positive(), features: z.array(z.object({ name: z.string(), normalization: NormalizationSchema })) }),
  /** Per class (0 skipped, 1 positive). */
  ranges: z.array(z.array(z.object({ name: z.string(), kind: z.enum(["binary", "count", "nonNegative", "real"]), min: z.number(), max: z.number(), zeroMassBelow: z.number().nullable() }))),
  weights: WeightsFileSchema,
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
});

export type GeneratorManifest = z.infer<typeof GeneratorManifestSchema>;

/** Writes `<parentDir>/<version>/` (`gen-YYYYMMDD-HHMMSS-<sha7>`) with `manifest.json` and `weights.bin`, atomically. */
export async function saveGenerator(
  parentDir: string,
  generator: FeatureGenerator,
  training: Record<string, unknown>,
  metrics: Record<string, unknown>,
  createdAt: Date = new Date(),
): Promise<{ dir: string; manifest: GeneratorManifest }> {
  const { buffer, specs, sha256 } = packWeights(cvaeWeightShapes(generator.shape).map(({ name, shape }) => ({ name, shape, data: generator.weights[name] })));
  const version = `gen-${versionTimestamp(createdAt)}-${sha256.slice(0, 7)}`;
  const manifest: GeneratorManifest = {
    format: GENERATOR_FORMAT,
    kind: GENERATOR_KIND,
    version,
    createdAt: createdAt.toISOString(),
    model: { architecture: "conditional-vae", ...generator.shape },
    featureSchema: { clip: generator.schema.clip, features: generator.schema.features.map((f) => ({ name: f.name, normalization: { ...f.normalization } })) },
    ranges: generator.ranges.map((perClass) => perClass.map((r) => ({ ...r }))),
    weights: { file: WEIGHTS_FILE, dtype: "float32", byteLength: buffer.length, sha256, specs },
    training,
    metrics,
  };
  const dir = await writeVersionFolder(parentDir, version, [
    [WEIGHTS_FILE, buffer],
    [MANIFEST_FILE, JSON.stringify(manifest, null, 2) + "\n"],
  ]);
  return { dir, manifest };
}

/** Reads a version folder written by {@link saveGenerator}, the weights' sha256 checked. @throws ModelFormatError saying what is wrong. */
export async function readGenerator(dir: string): Promise<FeatureGenerator> {
  const manifest = await readManifestFile(dir, GeneratorManifestSchema);
  const { features, classes, latent, hidden } = manifest.model;
  const shape = { features, classes, latent, hidden };
  try {
    checkCvaeShape(shape);
  } catch (err) {
    throw new ModelFormatError(dir, (err as Error).message, { cause: err });
  }
  if (manifest.ranges.length !== classes) throw new ModelFormatError(dir, `ranges are given for ${manifest.ranges.length} classes, the model has ${classes}`);
  if (manifest.featureSchema.features.length !== features || manifest.ranges.some((r) => r.length !== features)) throw new ModelFormatError(dir, `the schema and ranges must name ${features} features`);
  const specs = cvaeWeightShapes(shape);
  const arrays = await readWeightArrays(dir, manifest.weights, specs, { verifySha256: true });
  const weights = {} as CvaeWeights;
  specs.forEach((spec, i) => (weights[spec.name] = arrays[i] as Float32Array));
  return {
    featureNames: manifest.featureSchema.features.map((f) => f.name),
    schema: manifest.featureSchema,
    ranges: manifest.ranges,
    shape,
    weights,
  };
}
