import { SidecarError } from "../errors";

/** Any failure talking to OpenSearch. */
export abstract class OpenSearchError extends SidecarError {}

/** Nothing answered: connection refused, reset, or no living node. */
export class OpenSearchUnavailableError extends OpenSearchError {
  readonly code = "OPENSEARCH_UNAVAILABLE" as const;
}

/** OpenSearch did not answer before the deadline. */
export class OpenSearchTimeoutError extends OpenSearchError {
  readonly code = "OPENSEARCH_TIMEOUT" as const;
}

/** OpenSearch answered with an error status. `statusCode` and `body` are OpenSearch's own. */
export class OpenSearchRejectedError extends OpenSearchError {
  readonly code = "OPENSEARCH_REJECTED" as const;

  constructor(
    message: string,
    readonly statusCode: number,
    readonly body: unknown,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }

  /** The OpenSearch error type, e.g. `resource_already_exists_exception`. */
  get errorType(): string | undefined {
    const error = (this.body as { error?: { type?: unknown } } | undefined)?.error;
    return typeof error?.type === "string" ? error.type : undefined;
  }
}
