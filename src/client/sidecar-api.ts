import { z } from "zod";

/** The body of `POST /v1/search`, as the sidecar's API spells it. */
export interface SearchBody {
  q: string;
  /** @defaultValue the sidecar's default pipeline */
  pipeline?: string;
  /** @defaultValue 10 */
  size?: number;
  /** @defaultValue 0 */
  from?: number;
  user_id?: string;
  filters?: Record<string, unknown>;
  /** @defaultValue false */
  explain?: boolean;
  hybrid?: Record<string, unknown>;
}

export const SearchResultSchema = z.looseObject({
  hits: z.array(z.looseObject({ id: z.union([z.string(), z.number()]), score: z.number().nullish(), source: z.unknown().optional() })),
  total: z.number().optional(),
  took_ms: z.number().optional(),
  pipeline: z.string().optional(),
  rerank: z.looseObject({ degraded: z.string().nullish() }).nullish(),
});

/** The answer of `POST /v1/search` (fields the client relies on; others are kept as sent). */
export type SearchResult = z.infer<typeof SearchResultSchema>;

export interface EnrichRequestOptions {
  /** Index or alias to write to. @defaultValue the sidecar's products alias */
  index?: string;
  /** Refresh the index after writing. @defaultValue false */
  refresh?: boolean;
  /** Write to OpenSearch (`false` only returns the enriched documents). @defaultValue true */
  write?: boolean;
}

/** `GET /v1/profiles/:user_id` (admin scope), as the API shows a profile. */
export interface ProfileView {
  user_key: string;
  version: number;
  updated_at: string;
  event_count: number;
  /** Of those, events marked synthetic. */
  synthetic_events: number;
  recent: { item_id: string; type: string; timestamp: string }[];
  affinities: Record<"items" | "categories" | "brands" | "price_bands", { key: string; weight: number }[]>;
  interest: { model_version: string; dimension: number; events: number; vector?: number[] } | null;
}

export interface ProfileRequestOptions {
  /** Include the interest vector. @defaultValue false */
  vector?: boolean;
  /** Entries per affinity set. @defaultValue 20 */
  top?: number;
}
