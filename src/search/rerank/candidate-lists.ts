import { z } from "zod";
import { mergeCandidateNeeds } from "../candidate";
import { candidateNeedsOf, type PipelineRegistry } from "../pipeline-registry";
import { newSearchContext, type UserPseudonymizer } from "../search-context";
import { SearchFiltersSchema, type SearchRequest } from "../search-request";
import { RERANK_CANDIDATE_NEEDS } from "./feature-list";
import { type RerankInputsBuilder } from "./rerank-inputs";

const ITEM_ID = z.string().min(1).max(512);

/** A moment as epoch ms or ISO-8601. */
const Moment = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .max(64)
    .refine((s) => Number.isFinite(Date.parse(s)), "as_of must be epoch ms or an ISO-8601 date-time"),
]);

/** `POST /v1/candidates`: one training list as the re-rank stage would see it. */
export const CandidatesRequestSchema = z.strictObject({
  q: z.string().trim().min(1, "q must not be empty").max(1000),
  user_id: z.string().min(1).max(256).optional(),
  pipeline: z.enum(["rerank", "personal"]).default("personal"),
  filters: SearchFiltersSchema.default({}),
  /** Only interactions strictly before this moment make the history. */
  as_of: Moment.optional(),
  /** Removed from the history and from the recent items co-interactions are counted against. */
  exclude_items: z.array(ITEM_ID).max(1000).default([]),
});
export type CandidatesRequest = z.infer<typeof CandidatesRequestSchema>;

export interface CandidatesResponse {
  feature_names: readonly string[];
  /** The embedding model of the query and item vectors; null when kNN took no part. */
  embeddings: { model: string; version: string } | null;
  query_embedding: number[] | null;
  history: { item_id: string; embedding: number[] | null; weight: number }[];
  candidates: { id: string; features: number[]; embedding: number[] | null }[];
  degraded: string | null;
}

export interface CandidateListsOptions {
  /** The search pipelines (retrieval is theirs, so training sees serving's candidates). */
  pipelines: PipelineRegistry;
  builder: RerankInputsBuilder;
  /** @defaultValue none: `user_id` is ignored (no profile) */
  pseudonymizer?: UserPseudonymizer;
  /** Deadline of one list: training prefers complete lists to fast ones. @defaultValue 10000 */
  deadlineMs?: number;
}

/**
 * Training lists computed by exactly the code the re-rank stage runs: the pipeline's own retrieve
 * stage, then {@link RerankInputsBuilder}. Features are raw (the model normalizes), in `feature_names` order.
 */
export class CandidateLists {
  readonly #options: CandidateListsOptions;

  constructor(options: CandidateListsOptions) {
    this.#options = options;
  }

  async list(request: CandidatesRequest): Promise<CandidatesResponse> {
    const pipeline = this.#options.pipelines.get(request.pipeline);
    const search: SearchRequest = {
      q: request.q,
      ...(request.user_id !== undefined ? { user_id: request.user_id } : {}),
      pipeline: pipeline.name,
      size: 10,
      from: 0,
      filters: request.filters,
      explain: false,
    };
    const context = newSearchContext(search, this.#options.deadlineMs ?? 10_000, this.#options.pseudonymizer);
    pipeline.rerank?.prepare?.(context);
    const retrieval = await pipeline.retrieve.retrieve(context, mergeCandidateNeeds(candidateNeedsOf(pipeline), RERANK_CANDIDATE_NEEDS));
    const asOf = request.as_of === undefined ? undefined : typeof request.as_of === "number" ? request.as_of : Date.parse(request.as_of);
    const inputs = await this.#options.builder.build(context, retrieval.candidates, {
      personal: pipeline.name === "personal" && context.userKey !== null,
      ...(asOf !== undefined ? { asOf } : {}),
      ...(request.exclude_items.length > 0 ? { excludeItems: new Set(request.exclude_items) } : {}),
    });
    const degraded = context.diagnostics.degraded?.message ?? inputs.degradations[0]?.message ?? null;
    return {
      feature_names: inputs.featureNames,
      embeddings: context.embeddings,
      query_embedding: inputs.queryEmbedding ? Array.from(inputs.queryEmbedding) : null,
      history: inputs.history.map((h) => ({ item_id: h.itemId, embedding: h.embedding ? Array.from(h.embedding) : null, weight: h.weight })),
      candidates: retrieval.candidates.map((c, i) => ({
        id: c.id,
        features: Array.from(inputs.rows[i] as Float64Array),
        embedding: c.embedding ? Array.from(c.embedding) : null,
      })),
      degraded,
    };
  }
}
