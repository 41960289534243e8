import { z } from "zod";
import { FUSION_METHODS } from "../config";

/** Retrieval and ranking pipelines a caller can ask for (CONTRACTS §1). */
export const PIPELINES = ["bm25", "hybrid", "rerank", "personal"] as const;
export type PipelineName = (typeof PIPELINES)[number];

/** Longest brand or category filter value: far above any real one, and it bounds the `prefix` query sent on. */
const MAX_FILTER_VALUE = 1000;
const filterValue = z.string().min(1).max(MAX_FILTER_VALUE);
const oneOrMany = z.union([filterValue, z.array(filterValue).min(1).max(100)]);

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

/** OpenSearch's default `index.max_result_window`: a page ending beyond it is an error from the cluster. */
export const MAX_RESULT_WINDOW = 10_000;

/** What bounds a request's paging, from the sidecar's configuration. */
export interface SearchLimits {
  /** Candidates each retriever returns for hybrid, rerank and personal (config `hybrid.candidates`, env HYBRID_CANDIDATES). */
  hybridCandidates: number;
  /** Candidates each retriever returns for rerank and personal (config `rerankCandidates`, env RERANK_CANDIDATES). @defaultValue `hybridCandidates` */
  rerankCandidates?: number;
}

/**
 * The request schema with this sidecar's paging limits — the one place they are checked. `bm25` pages
 * through OpenSearch up to {@link MAX_RESULT_WINDOW}; the fused pipelines page through the candidates
 * they retrieved, so `from + size` may not pass `hybridCandidates` (asking the retrievers for more
 * would make one deep page cost as much as a bulk export).
 */
export function searchRequestSchema(limits: SearchLimits) {
  return SearchRequestSchema.superRefine((request, ctx) => {
    const end = request.from + request.size;
    if (request.pipeline === "bm25") {
      if (end > MAX_RESULT_WINDOW) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          message: `from + size must be at most ${MAX_RESULT_WINDOW} (OpenSearch's index.max_result_window), got ${end}`,
        });
      }
    } else if (isPipelineName(request.pipeline)) {
      const reranked = request.pipeline === "rerank" || request.pipeline === "personal";
      const limit = reranked ? (limits.rerankCandidates ?? limits.hybridCandidates) : limits.hybridCandidates;
      const setting = reranked && limits.rerankCandidates !== undefined ? "config rerankCandidates, env RERANK_CANDIDATES" : "config hybrid.candidates, env HYBRID_CANDIDATES";
      if (end > limit) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          message: `from + size must be at most ${limit} for the ${request.pipeline} pipeline, the candidates each retriever returns (${setting}), got ${end}`,
        });
      }
    }
  });
}

export type SearchFilters = z.infer<typeof SearchFiltersSchema>;
export type SearchRequest = Omit<z.infer<typeof SearchRequestSchema>, "pipeline"> & { pipeline: PipelineName };

export function isPipelineName(name: string): name is PipelineName {
  return (PIPELINES as readonly string[]).includes(name);
}
