import { z } from "zod";
import { FUSION_METHODS } from "../config";

/** Retrieval and ranking pipelines a caller can ask for (CONTRACTS §1). */
export const PIPELINES = ["bm25", "hybrid", "rerank", "personal"] as const;
export type PipelineName = (typeof PIPELINES)[number];

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)]);

export const SearchFiltersSchema = z.strictObject({
  brand: oneOrMany.optional(),
  /** A category name, or a `/`-separated path prefix. */
  category: oneOrMany.optional(),
  price: z
    .strictObject({ gte: z.number().nonnegative().optional(), lte: z.number().nonnegative().optional() })
    .optional(),
  synthetic: z.boolean().optional(),
});

/** Per-request override of how hybrid retrieval fuses BM25 and kNN (defaults come from the config). */
export const HybridOverrideSchema = z.strictObject({
  fusion: z.enum(FUSION_METHODS).optional(),
  bm25_weight: z.number().min(0).max(1).optional(),
  knn_weight: z.number().min(0).max(1).optional(),
});

export const SearchRequestSchema = z.strictObject({
  q: z.string().trim().min(1, "q must not be empty").max(1000),
  user_id: z.string().min(1).max(256).optional(),
  /** Checked against the pipeline registry so an unknown name gets its own error code. */
  pipeline: z.string().default("hybrid"),
  size: z.number().int().min(1).max(200).default(10),
  from: z.number().int().min(0).max(10_000).default(0),
  filters: SearchFiltersSchema.default({}),
  explain: z.boolean().default(false),
  hybrid: HybridOverrideSchema.optional(),
});

export type SearchFilters = z.infer<typeof SearchFiltersSchema>;
export type SearchRequest = Omit<z.infer<typeof SearchRequestSchema>, "pipeline"> & { pipeline: PipelineName };

export function isPipelineName(name: string): name is PipelineName {
  return (PIPELINES as readonly string[]).includes(name);
}
