import { type EnrichOutcome, type RawRecord } from "../indexing";

const TRANSIENT = new Set([429, 502, 503, 504]);

export class SidecarRequestError extends Error {
  override readonly name = "SidecarRequestError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface SidecarClientOptions {
  baseUrl: string;
  /** Sent as `x-api-key` (SIDECAR_API_KEY). @defaultValue none: the sidecar's anonymous scope */
  apiKey?: string | undefined;
  /** Per-request deadline. @defaultValue 120000 */
  timeoutMs?: number;
  /** Tries for transient failures (network, 429, 502–504). @defaultValue 5 */
  tries?: number;
}

/** The CLI's HTTP client for the sidecar's own API, with retries on transient failures only. */
export class SidecarClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #tries: number;
  readonly #headers: Record<string, string>;

  constructor(options: SidecarClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#headers = { "content-type": "application/json", ...(options.apiKey ? { "x-api-key": options.apiKey } : {}) };
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#tries = options.tries ?? 5;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    let lastError: SidecarRequestError | undefined;
    for (let attempt = 1; attempt <= this.#tries; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.#baseUrl}${path}`, {
          method: "POST",
          headers: this.#headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        lastError = new SidecarRequestError(`cannot reach the sidecar at ${this.#baseUrl}: ${err instanceof Error ? err.message : String(err)}`, null);
        await backoff(attempt);
        continue;
      }
      if (response.ok) return (await response.json()) as T;
      const text = await response.text();
      lastError = new SidecarRequestError(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`, response.status);
      if (!TRANSIENT.has(response.status)) throw lastError;
      await backoff(attempt);
    }
    throw lastError ?? new SidecarRequestError(`POST ${path} was not tried`, null);
  }

  enrich(documents: RawRecord[], options: { index?: string; refresh?: boolean } = {}): Promise<EnrichOutcome> {
    return this.post<EnrichOutcome>("/v1/enrich", { documents, write: true, ...options });
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5000)));
}
