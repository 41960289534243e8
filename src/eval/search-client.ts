import { SidecarClient, SidecarResponseError, SidecarStatusError, SidecarTimeoutError, SidecarUnreachableError } from "../client";
import { SearchRequestError } from "./errors";

export interface SearchClientOptions {
  /** Sidecar base URL, e.g. `http://127.0.0.1:8080`. */
  readonly sidecarUrl: string;
  /** Sent as `x-api-key` (SIDECAR_API_KEY). @defaultValue none: the sidecar's anonymous scope */
  readonly apiKey?: string | undefined;
  /** Per-request deadline. @defaultValue 10000 */
  readonly timeoutMs?: number;
  /** Tries per query, the first included. @defaultValue 3 */
  readonly attempts?: number;
  /** Wait before the second try; doubles for each further try. @defaultValue 250 */
  readonly backoffMs?: number;
}

export interface SearchRequest {
  readonly q: string;
  readonly pipeline: string;
  readonly size: number;
  readonly userId?: string;
}

/** One answered search: the ranked doc ids and, when the sidecar fell back to a simpler pipeline, why. */
export interface SearchAnswer {
  readonly ranking: string[];
  readonly degraded?: string;
}

/**
 * The lab's view of `POST /v1/search`: the ranked doc ids. Requests go through the one sidecar client
 * (src/client), which retries network failures, timeouts, 429 and 502–504; what still fails is a
 * {@link SearchRequestError} the runner lists as a failed query.
 */
export class SearchClient {
  private readonly client: SidecarClient;
  private readonly url: string;

  constructor(options: SearchClientOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const attempts = options.attempts ?? 3;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
    if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer ≥ 1, got ${attempts}`);
    this.client = new SidecarClient({ baseUrl: options.sidecarUrl, apiKey: options.apiKey, timeoutMs, tries: attempts, backoffMs: options.backoffMs ?? 250 });
    this.url = `${this.client.baseUrl}/v1/search`;
  }

  /** Tries up to `attempts` times on transient faults, with exponential backoff. @throws SearchRequestError */
  async search(request: SearchRequest): Promise<SearchAnswer> {
    const body = { q: request.q, pipeline: request.pipeline, size: request.size, ...(request.userId === undefined ? {} : { user_id: request.userId }) };
    try {
      const result = await this.client.search(body);
      const ranking = result.hits.map((hit) => String(hit.id));
      const degraded = result.rerank?.degraded;
      return degraded ? { ranking, degraded } : { ranking };
    } catch (err) {
      throw this.describe(err);
    }
  }

  /** The client's errors in the lab's words (they end up in reports as each failed query's reason). */
  private describe(err: unknown): unknown {
    if (err instanceof SidecarTimeoutError) return new SearchRequestError(`no answer within ${err.timeoutMs} ms`, { retryable: true, cause: err });
    if (err instanceof SidecarUnreachableError) return new SearchRequestError(`cannot reach ${this.url} (${err.reason})`, { retryable: true, cause: err });
    if (err instanceof SidecarStatusError) {
      const detail = err.error ? `${err.error.code}: ${err.error.message}` : err.text.slice(0, 200);
      return new SearchRequestError(`HTTP ${err.status} ${detail}`.trim(), { retryable: err.transient, status: err.status });
    }
    if (err instanceof SidecarResponseError) return new SearchRequestError("response is not {hits:[{id,...}]}", { retryable: false, status: err.status });
    return err;
  }
}
