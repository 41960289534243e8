import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelFormatError } from "./errors";
import { EMBEDDINGS_FORMAT, EMBEDDINGS_KIND, EmbeddingsManifestSchema, type EmbeddingsManifest } from "./model-manifest";
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

function timestamp(date: Date): string {
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
  const specs: EmbeddingsManifest["weights"]["specs"] = [];
  let offset = 0;
  arrays.forEach((array, i) => {
    const spec = shapes[i] as { name: string; shape: number[] };
    const expected = spec.shape.reduce((a, n) => a * n, 1);
    if (array.length !== expected) throw new Error(`weight ${spec.name} has ${array.length} values, expected ${expected} for shape [${spec.shape.join(", ")}]`);
    specs.push({ ...spec, offset });
    offset += array.byteLength;
  });
  const buffer = Buffer.alloc(offset);
  arrays.forEach((array, i) => {
    const view = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    // Float32Array is platform-endian; the file is little-endian, as every supported platform is.
    view.copy(buffer, (specs[i] as { offset: number }).offset);
  });
  const sha256 = createHash("sha256").update(buffer).digest("hex");
  const createdAt = input.createdAt ?? new Date();
  const version = input.version ?? `emb-${timestamp(createdAt)}-${sha256.slice(0, 7)}`;
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
  const dir = join(parentDir, version);
  const staging = join(parentDir, `.${version}.tmp-${process.pid}`);
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, WEIGHTS_FILE), buffer);
  await writeFile(join(staging, VOCABULARY_FILE), vocabularyLines.join("\n") + "\n");
  await writeFile(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  await rename(staging, dir);
  return { dir, manifest };
}

export async function readEmbeddingsManifest(dir: string): Promise<EmbeddingsManifest> {
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
  const parsed = EmbeddingsManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFormatError(dir, `${MANIFEST_FILE}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
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
  let buffer: Buffer;
  try {
    buffer = await readFile(join(dir, manifest.weights.file));
  } catch (err) {
    throw new ModelFormatError(dir, `cannot read ${manifest.weights.file}`, { cause: err });
  }
  if (buffer.length !== manifest.weights.byteLength) throw new ModelFormatError(dir, `${manifest.weights.file} has ${buffer.length} bytes, manifest says ${manifest.weights.byteLength}`);
  const expected = weightShapes(shape);
  const arrays: Float32Array[] = expected.map(({ name, shape: dims }) => {
    const spec = manifest.weights.specs.find((s) => s.name === name);
    if (!spec || spec.shape.join("x") !== dims.join("x")) throw new ModelFormatError(dir, `weight ${name} missing or not of shape [${dims.join(", ")}]`);
    const length = dims.reduce((a, n) => a * n, 1);
    if (spec.offset + length * 4 > buffer.length) throw new ModelFormatError(dir, `weight ${name} runs past the end of ${manifest.weights.file}`);
    // Copy into a fresh, aligned array (Buffer offsets need not be multiples of 4).
    const out = new Float32Array(length);
    new Uint8Array(out.buffer).set(buffer.subarray(spec.offset, spec.offset + length * 4));
    return out;
  });
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
