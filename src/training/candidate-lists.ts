import { z } from "zod";
import { SidecarResponseError, type RequestOptions, type SidecarClient } from "../client";
import { type LabeledRerankList } from "../model";

/** The body of `POST /v1/candidates` (admin scope): the sidecar's own retrieval and features for one query, unranked by the model. */
export interface CandidatesRequest {
  q: string;
  /** Raw user id; the sidecar pseudonymizes it. @defaultValue none (no history) */
  user_id?: string;
  /** @defaultValue "personal" */
  pipeline?: "rerank" | "personal";
  filters?: Record<string, unknown>;
  /** Epoch ms: the history keeps only interactions strictly before it. @defaultValue now */
  as_of?: number;
  /** Item ids removed from the history and from the recent items used for co-interaction. @defaultValue none */
  exclude_items?: string[];
}

const CandidatesResponseSchema = z.looseObject({
  feature_names: z.array(z.string()),
  embeddings: z.looseObject({ model: z.string(), version: z.string() }).nullable(),
  query_embedding: z.array(z.number()).nullable(),
  history: z.array(z.looseObject({ item_id: z.string(), embedding: z.array(z.number()).nullable(), weight: z.number() })),
  candidates: z.array(z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), features: z.array(z.number()), embedding: z.array(z.number()).nullable() })),
  degraded: z.string().nullable(),
});

/** The answer of `POST /v1/candidates`: candidates in retrieval order with raw features. */
export type CandidatesResponse = z.infer<typeof CandidatesResponseSchema>;

/**
 * `POST /v1/candidates` through the one sidecar client (it sends SIDECAR_API_KEY).
 * @throws SidecarStatusError (e.g. 403 without an admin key), SidecarResponseError (not the contract's shape), or a transport error
 */
export async function fetchCandidates(client: SidecarClient, request: CandidatesRequest, options: Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<CandidatesResponse> {
  const label = "POST /v1/candidates";
  const response = await client.requestOk("POST", "/v1/candidates", { ...options, json: request });
  const parsed = CandidatesResponseSchema.safeParse(response.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SidecarResponseError(response.status, label, `response is not the candidates contract: ${issue?.path.join(".")} ${issue?.message}`);
  }
  return parsed.data;
}

/** Why a response gave no training list. */
export type DroppedListReason = "no_positive" | "degraded" | "empty";

export type CandidateListOutcome = { list: LabeledRerankList; dropped?: undefined } | { list?: undefined; dropped: DroppedListReason };

/**
 * One `/v1/candidates` answer and the example's grades as a labeled list, one-to-one: the query
 * embedding, each candidate's raw features and embedding, the history with its weights; a candidate's
 * label is its grade (0 when ungraded). A list where retrieval found no positive carries no signal for
 * a listwise loss and is dropped (counted: it is the recall ceiling); so is a degraded answer, whose
 * features are not what serving computes.
 */
export function labeledList(response: CandidatesResponse, grades: ReadonlyMap<string, number>, group: string): CandidateListOutcome {
  if (response.degraded !== null) return { dropped: "degraded" };
  if (response.candidates.length === 0) return { dropped: "empty" };
  const labels = response.candidates.map((c) => grades.get(c.id) ?? 0);
  if (!labels.some((g) => g > 0)) return { dropped: "no_positive" };
  return {
    list: {
      queryEmbedding: response.query_embedding,
      candidates: response.candidates.map((c) => ({ features: c.features, embedding: c.embedding })),
      history: response.history.map((h) => ({ embedding: h.embedding, weight: h.weight })),
      labels,
      group,
    },
  };
}

/** D of an answer: the query embedding's length, else the first candidate or history embedding's; null when it has none. */
export function embeddingDimension(response: CandidatesResponse): number | null {
  const first = response.query_embedding ?? response.candidates.find((c) => c.embedding)?.embedding ?? response.history.find((h) => h.embedding)?.embedding ?? null;
  return first ? first.length : null;
}
