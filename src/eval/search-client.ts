import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
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

/** Statuses that mean "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

const SearchResponseSchema = z.object({
  hits: z.array(z.object({ id: z.union([z.string(), z.number()]) })),
  rerank: z.object({ degraded: z.string().nullish() }).nullish(),
});

/** One answered search: the ranked doc ids and, when the sidecar fell back to a simpler pipeline, why. */
export interface SearchAnswer {
  readonly ranking: string[];
  readonly degraded?: string;
}

const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Calls the sidecar's `POST /v1/search` and returns the ranked doc ids. All transport errors are raised here. */
export class SearchClient {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: SearchClientOptions) {
    this.url = `${options.sidecarUrl.replace(/\/+$/, "")}/v1/search`;
    this.headers = { "content-type": "application/json", accept: "application/json", ...(options.apiKey ? { "x-api-key": options.apiKey } : {}) };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 250;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${this.timeoutMs}`);
    if (!Number.isInteger(this.attempts) || this.attempts < 1) throw new RangeError(`attempts must be an integer ≥ 1, got ${this.attempts}`);
  }

  /** Tries up to `attempts` times on transient faults, with exponential backoff. @throws SearchRequestError */
  async search(request: SearchRequest): Promise<SearchAnswer> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.searchOnce(request);
      } catch (err) {
        if (!(err instanceof SearchRequestError) || !err.retryable || attempt >= this.attempts) throw err;
        await sleep(this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async searchOnce(request: SearchRequest): Promise<SearchAnswer> {
    const body = { q: request.q, pipeline: request.pipeline, size: request.size, ...(request.userId === undefined ? {} : { user_id: request.userId }) };
    let status: number;
    let text: string;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: this.headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === "TimeoutError";
      const message = timedOut ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${this.url} (${describeNetworkError(err)})`;
      throw new SearchRequestError(message, { retryable: true, cause: err });
    }
    if (status < 200 || status >= 300) {
      const parsed = ErrorBodySchema.safeParse(safeJson(text));
      const detail = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : text.slice(0, 200);
      throw new SearchRequestError(`HTTP ${status} ${detail}`.trim(), { retryable: RETRYABLE_STATUS.has(status), status });
    }
    const parsed = SearchResponseSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new SearchRequestError("response is not {hits:[{id,...}]}", { retryable: false, status });
    const ranking = parsed.data.hits.map((hit) => String(hit.id));
    const degraded = parsed.data.rerank?.degraded;
    return degraded ? { ranking, degraded } : { ranking };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
