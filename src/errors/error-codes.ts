/**
 * Every stable error code the sidecar can answer with, its HTTP status and what it means.
 * README's "Error codes" table is checked against this list by test/errors/error-codes.test.ts.
 */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, meaning: "The request body is not valid JSON." },
  INVALID_REQUEST: { status: 400, meaning: "The request is well-formed JSON but fails validation; `details` lists each problem." },
  UNKNOWN_PIPELINE: { status: 400, meaning: "The `pipeline` named in the request does not exist." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "The request body's content type, charset or `Content-Encoding` is not one the endpoint accepts." },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: "The request body exceeds the configured limit." },
  UNAUTHENTICATED: { status: 401, meaning: "The `x-api-key` header names no configured key." },
  FORBIDDEN: { status: 403, meaning: "The caller's scope does not allow this request; the message names the scope needed." },
  NOT_FOUND: { status: 404, meaning: "No such route or resource." },
  OVERLOADED: { status: 429, meaning: "The sidecar is at capacity (in-flight request bytes, or event-loop delay); retry after the `Retry-After` seconds." },
  OPENSEARCH_UNAVAILABLE: { status: 503, meaning: "OpenSearch could not be reached before the deadline." },
  OPENSEARCH_TIMEOUT: { status: 504, meaning: "OpenSearch did not answer before the deadline." },
  OPENSEARCH_REJECTED: { status: 502, meaning: "OpenSearch answered the sidecar's request with an error." },
  REDIS_UNAVAILABLE: { status: 503, meaning: "Redis could not be reached before the deadline." },
  MODEL_UNAVAILABLE: { status: 503, meaning: "The model needed for this request is not loaded." },
  MODEL_FAILED: { status: 500, meaning: "The model failed while computing an answer." },
  REINDEX_RUNNING: { status: 409, meaning: "A reindex of this alias is already queued or running; the answer names its job." },
  REINDEX_FAILED: { status: 500, meaning: "A reindex job could not complete (verification failed, no model, no source index); the job's failure reason says why." },
  INTERNAL: { status: 500, meaning: "An unexpected error; it is logged with the request id." },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
