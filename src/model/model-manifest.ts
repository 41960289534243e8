import { z } from "zod";

/** Bumped when the files' meaning changes; loaders refuse formats they do not know. */
export const EMBEDDINGS_FORMAT = 1;
export const EMBEDDINGS_KIND = "embeddings";
export const RERANKER_FORMAT = 1;
export const RERANKER_KIND = "reranker";

/** Every kind of model the models folder holds. A kind's versions live in `<modelsDir>/<kind>/`, each kind with its own `ACTIVE` pointer. */
export const MODEL_KINDS = [EMBEDDINGS_KIND, RERANKER_KIND] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

const FieldWeightsSchema = z.object({
  title: z.number().min(0),
  brand: z.number().min(0),
  category: z.number().min(0),
  description: z.number().min(0),
  attributes: z.number().min(0),
});

const WeightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  /** Byte offset in the weights file. */
  offset: z.number().int().min(0),
});

/** The weights file of any kind: float32 little-endian arrays at the specs' offsets. */
export const WeightsFileSchema = z.object({
  file: z.string(),
  dtype: z.literal("float32"),
  byteLength: z.number().int().min(0),
  sha256: z.string(),
  specs: z.array(WeightSpecSchema),
});

export type WeightsFile = z.infer<typeof WeightsFileSchema>;

/** `manifest.json` of an embeddings model version: everything needed to rebuild it, and how it was made. */
export const EmbeddingsManifestSchema = z.object({
  format: z.literal(EMBEDDINGS_FORMAT),
  kind: z.literal(EMBEDDINGS_KIND),
  name: z.string().min(1),
  version: z.string().regex(/^[A-Za-z0-9._-]+$/),
  createdAt: z.string(),
  dimension: z.number().int().min(2),
  model: z.object({
    architecture: z.literal("two-tower-hashed-bag"),
    buckets: z.number().int().min(16),
    bagDimension: z.number().int().min(2),
    hiddenUnits: z.number().int().min(0),
    dimension: z.number().int().min(2),
  }),
  features: z.object({
    hash: z.literal("fnv1a32"),
    buckets: z.number().int().min(16),
    unigramWeight: z.number().min(0),
    bigramWeight: z.number().min(0),
    trigramWeight: z.number().min(0),
    maxWordsPerField: z.number().int().min(1),
    fieldWeights: FieldWeightsSchema,
  }),
  weights: WeightsFileSchema,
  vocabulary: z.object({ file: z.string(), words: z.number().int().min(0) }),
  /** What the model was trained on, free-form but conventionally counts, files and their sha256. */
  training: z.record(z.string(), z.unknown()),
  /** Loss curve, validation recall and anything else measured. */
  metrics: z.record(z.string(), z.unknown()),
});

export type EmbeddingsManifest = z.infer<typeof EmbeddingsManifestSchema>;

const FeatureNormalizationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("zscore"), mean: z.number(), std: z.number().positive() }),
  z.object({ kind: z.literal("minmax"), min: z.number(), max: z.number() }),
  z.object({ kind: z.literal("none") }),
]);

/** `manifest.json` of a reranker version: sizes, the feature schema serving must normalize with, weights, and how it was trained. */
export const RerankerManifestSchema = z.object({
  format: z.literal(RERANKER_FORMAT),
  kind: z.literal(RERANKER_KIND),
  name: z.string().min(1),
  version: z.string().regex(/^[A-Za-z0-9._-]+$/),
  createdAt: z.string(),
  /** D, the embeddings the model reads (query, candidates, history). */
  dimension: z.number().int().min(1),
  model: z.object({
    architecture: z.literal("din-target-attention+prm-listwise"),
    features: z.number().int().min(0),
    dimension: z.number().int().min(1),
    maxHistory: z.number().int().min(0).max(50),
    hidden: z.number().int().min(1),
    attention: z.number().int().min(1),
    /** The model-computed inputs after the features, in order. */
    personalTerms: z.array(z.string()),
  }),
  featureSchema: z.object({
    clip: z.number().positive(),
    features: z.array(z.object({ name: z.string().min(1), normalization: FeatureNormalizationSchema })),
  }),
  weights: WeightsFileSchema,
  /** Seed, the caller's training data hashes, counts and options. */
  training: z.looseObject({ seed: z.number(), dataHashes: z.record(z.string(), z.string()) }),
  /** Validation metrics before/after, loss curve and anything else measured. */
  metrics: z.record(z.string(), z.unknown()),
});

export type RerankerManifest = z.infer<typeof RerankerManifestSchema>;
