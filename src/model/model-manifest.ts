import { z } from "zod";

/** Bumped when the files' meaning changes; loaders refuse formats they do not know. */
export const EMBEDDINGS_FORMAT = 1;
export const EMBEDDINGS_KIND = "embeddings";

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
  weights: z.object({
    file: z.string(),
    dtype: z.literal("float32"),
    byteLength: z.number().int().min(0),
    sha256: z.string(),
    specs: z.array(WeightSpecSchema),
  }),
  vocabulary: z.object({ file: z.string(), words: z.number().int().min(0) }),
  /** What the model was trained on, free-form but conventionally counts, files and their sha256. */
  training: z.record(z.string(), z.unknown()),
  /** Loss curve, validation recall and anything else measured. */
  metrics: z.record(z.string(), z.unknown()),
});

export type EmbeddingsManifest = z.infer<typeof EmbeddingsManifestSchema>;
