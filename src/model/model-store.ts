import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type z } from "zod";
import { ModelFormatError } from "./errors";
import { EMBEDDINGS_FORMAT, EMBEDDINGS_KIND, EmbeddingsManifestSchema, type EmbeddingsManifest, type WeightsFile } from "./model-manifest";
import { type FeatureOptions } from "./text-features";
import { weightShapes, type TowerWeights, type TwoTowerShape, type TwoTowerWeights } from "./two-tower";

export const MANIFEST_FILE = "manifest.json";
const WEIGHTS_FILE = "weights.bin";
const VOCABULARY_FILE = "vocabulary.tsv";

/** A model in memory: what `saveEmbeddingModel` writes and `readEmbeddingModel` returns. */
export interface StoredEmbeddingModel {
  manifest: EmbeddingsManifest;
  shape: TwoTowerShape;
  features: FeatureOptions;
  weights: TwoTowerWeights;
  vocabulary: Map<string, number>;
}

export interface SaveEmbeddingModelInput {
  name: string;
  shape: TwoTowerShape;
  features: FeatureOptions;
  weights: TwoTowerWeights;
  vocabulary: ReadonlyMap<string, number>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** @defaultValue now */
  createdAt?: Date;
  /** @defaultValue `emb-YYYYMMDD-HHMMSS-<first 7 hex of the weights' sha256>` */
  version?: string;
}

function orderedArrays(weights: TwoTowerWeights): Float32Array[] {
  const tower = (t: TowerWeights) => [t.projection, t.hidden, t.hiddenBias, t.output];
  return [weights.table, ...tower(weights.query), ...tower(weights.item)];
}

/** `YYYYMMDD-HHMMSS` in UTC, the middle of every version name. */
export function versionTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/**
 * Writes `<parentDir>/<version>/` with `manifest.json`, `weights.bin` (float32 little-endian, arrays
 * in `weightShapes` order) and `vocabulary.tsv`. Written to a temporary folder and renamed, so a
 * version folder is never seen half-written. Returns the version folder.
 */
export async function saveEmbeddingModel(parentDir: string, input: SaveEmbeddingModelInput): Promise<{ dir: string; manifest: EmbeddingsManifest }> {
  const shapes = weightShapes(input.shape);
  const arrays = orderedArrays(input.weights);
  const { buffer, specs, sha256 } = packWeights(shapes.map((spec, i) => ({ ...spec, data: arrays[i] as Float32Array })));
  const createdAt = input.createdAt ?? new Date();
  const version = input.version ?? `emb-${versionTimestamp(createdAt)}-${sha256.slice(0, 7)}`;
  const vocabularyLines = [...input.vocabulary].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word, count]) => `${word}\t${count}`);

  const manifest: EmbeddingsManifest = {
    format: EMBEDDINGS_FORMAT,
    kind: EMBEDDINGS_KIND,
    name: input.name,
    version,
    createdAt: createdAt.toISOString(),
    dimension: input.shape.dimension,
    model: { architecture: "two-tower-hashed-bag", ...input.shape },
    features: { hash: "fnv1a32", ...input.features, fieldWeights: { ...input.features.fieldWeights } },
    weights: { file: WEIGHTS_FILE, dtype: "float32", byteLength: buffer.length, sha256, specs },
    vocabulary: { file: VOCABULARY_FILE, words: vocabularyLines.length },
    training: input.training,
    metrics: input.metrics,
  };
  const dir = await writeVersionFolder(parentDir, version, [
    [WEIGHTS_FILE, buffer],
    [VOCABULARY_FILE, vocabularyLines.join("\n") + "\n"],
    [MANIFEST_FILE, JSON.stringify(manifest, null, 2) + "\n"],
  ]);
  return { dir, manifest };
}

/**
 * Concatenates named float32 arrays into one little-endian buffer; returns it with each array's spec
 * (name, shape, byte offset) and the buffer's sha256. @throws Error when an array does not fit its shape.
 */
export function packWeights(arrays: readonly { name: string; shape: number[]; data: Float32Array }[]): { buffer: Buffer; specs: WeightsFile["specs"]; sha256: string } {
  const specs: WeightsFile["specs"] = [];
  let offset = 0;
  for (const { name, shape, data } of arrays) {
    const expected = shape.reduce((a, n) => a * n, 1);
    if (data.length !== expected) throw new Error(`weight ${name} has ${data.length} values, expected ${expected} for shape [${shape.join(", ")}]`);
    specs.push({ name, shape, offset });
    offset += data.byteLength;
  }
  const buffer = Buffer.alloc(offset);
  arrays.forEach(({ data }, i) => {
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // Float32Array is platform-endian; the file is little-endian, as every supported platform is.
    view.copy(buffer, (specs[i] as { offset: number }).offset);
  });
  return { buffer, specs, sha256: createHash("sha256").update(buffer).digest("hex") };
}

/** Writes the files into `<parentDir>/.<version>.tmp-<pid>` and renames it to `<parentDir>/<version>`, so a version folder is never seen half-written. */
export async function writeVersionFolder(parentDir: string, version: string, files: readonly [name: string, content: Buffer | string][]): Promise<string> {
  const dir = join(parentDir, version);
  const staging = join(parentDir, `.${version}.tmp-${process.pid}`);
  await mkdir(staging, { recursive: true });
  for (const [name, content] of files) await writeFile(join(staging, name), content);
  try {
    await rename(staging, dir);
  } catch (err) {
    // A version name is the save time (to the second) and the weights' hash: an existing folder of that
    // name holds these very weights, saved by an identical run within the same second. Keep it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Reads `manifest.json` of a version folder and checks it against `schema`. @throws ModelFormatError naming the first problem. */
export async function readManifestFile<T>(dir: string, schema: z.ZodType<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), "utf8");
  } catch (err) {
    throw new ModelFormatError(dir, `cannot read ${MANIFEST_FILE} (${(err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(dir, `${MANIFEST_FILE} is not valid JSON`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFormatError(dir, `${MANIFEST_FILE}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function readEmbeddingsManifest(dir: string): Promise<EmbeddingsManifest> {
  return readManifestFile(dir, EmbeddingsManifestSchema);
}

export interface ReadWeightsOptions {
  /** Check the file's sha256 against the manifest (catches same-length corruption). @defaultValue false */
  verifySha256?: boolean;
}

/**
 * Reads the weights file of a version folder and returns one fresh array per expected name and shape,
 * in the order asked. @throws ModelFormatError when the file is missing, of the wrong length or
 * checksum, or lacks an expected array.
 */
export async function readWeightArrays(dir: string, weights: WeightsFile, expected: readonly { name: string; shape: number[] }[], options: ReadWeightsOptions = {}): Promise<Float32Array[]> {
  let buffer: Buffer;
  try {
    buffer = await readFile(join(dir, weights.file));
  } catch (err) {
    throw new ModelFormatError(dir, `cannot read ${weights.file}`, { cause: err });
  }
  if (buffer.length !== weights.byteLength) throw new ModelFormatError(dir, `${weights.file} has ${buffer.length} bytes, manifest says ${weights.byteLength}`);
  if (options.verifySha256 && createHash("sha256").update(buffer).digest("hex") !== weights.sha256) {
    throw new ModelFormatError(dir, `${weights.file} does not match the sha256 in the manifest (the file is corrupted or was replaced)`);
  }
  return expected.map(({ name, shape: dims }) => {
    const spec = weights.specs.find((s) => s.name === name);
    if (!spec || spec.shape.join("x") !== dims.join("x")) throw new ModelFormatError(dir, `weight ${name} missing or not of shape [${dims.join(", ")}]`);
    const length = dims.reduce((a, n) => a * n, 1);
    if (spec.offset + length * 4 > buffer.length) throw new ModelFormatError(dir, `weight ${name} runs past the end of ${weights.file}`);
    // Copy into a fresh, aligned array (Buffer offsets need not be multiples of 4).
    const out = new Float32Array(length);
    new Uint8Array(out.buffer).set(buffer.subarray(spec.offset, spec.offset + length * 4));
    return out;
  });
}

/** Reads and checks a version folder written by `saveEmbeddingModel`. */
export async function readEmbeddingModel(dir: string): Promise<StoredEmbeddingModel> {
  const manifest = await readEmbeddingsManifest(dir);
  const shape: TwoTowerShape = {
    buckets: manifest.model.buckets,
    bagDimension: manifest.model.bagDimension,
    hiddenUnits: manifest.model.hiddenUnits,
    dimension: manifest.model.dimension,
  };
  if (shape.buckets !== manifest.features.buckets) throw new ModelFormatError(dir, "model buckets and feature buckets differ");
  const arrays = await readWeightArrays(dir, manifest.weights, weightShapes(shape));
  const [table, qp, qh, qb, qo, ip, ih, ib, io] = arrays as [Float32Array, ...Float32Array[]];
  const weights: TwoTowerWeights = {
    table,
    query: { projection: qp as Float32Array, hidden: qh as Float32Array, hiddenBias: qb as Float32Array, output: qo as Float32Array },
    item: { projection: ip as Float32Array, hidden: ih as Float32Array, hiddenBias: ib as Float32Array, output: io as Float32Array },
  };
  const vocabulary = new Map<string, number>();
  try {
    const text = await readFile(join(dir, manifest.vocabulary.file), "utf8");
    for (const line of text.split("\n")) {
      const tab = line.indexOf("\t");
      if (tab > 0) vocabulary.set(line.slice(0, tab), Number(line.slice(tab + 1)) || 1);
    }
  } catch (err) {
    throw new ModelFormatError(dir, `cannot read ${manifest.vocabulary.file}`, { cause: err });
  }
  const { unigramWeight, bigramWeight, trigramWeight, maxWordsPerField, fieldWeights, buckets } = manifest.features;
  const features: FeatureOptions = { buckets, unigramWeight, bigramWeight, trigramWeight, maxWordsPerField, fieldWeights };
  return { manifest, shape, features, weights, vocabulary };
}
