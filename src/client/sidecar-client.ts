import { setTimeout as sleep } from "node:timers/promises";
import { type ConnectionSettings } from "../config";
import { type ErasureReport, type IngestOutcome } from "../events";
import { type EnrichOutcome, type QueuedBatch, type RawRecord } from "../indexing";
import { SidecarResponseError, SidecarStatusError, SidecarTimeoutError, SidecarUnreachableError } from "./client-errors";
import { RetryPolicy, type RetryPolicyOptions } from "./retry-policy";
import { SearchResultSchema, type EnrichRequestOptions, type ProfileRequestOptions, type ProfileView, type SearchBody, type SearchResult } from "./sidecar-api";

export interface SidecarClientOptions extends RetryPolicyOptions {
  /** The sidecar's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Sent as `x-api-key` (SIDECAR_API_KEY). @defaultValue none: the sidecar's anonymous scope */
  apiKey?: string | undefined;
  /** Deadline of each try. @defaultValue 30000 */
  timeoutMs?: number;
}

export interface RequestOptions {
  /** A JSON body (sent as `application/json`). */
  json?: unknown;
  /** A body sent as it is, with `contentType`; for NDJSON and other non-JSON bodies. */
  body?: string;
  /** @defaultValue "application/json" */
  contentType?: string;
  /** Query-string parameters; undefined ones are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Overrides the client's tries for this request. */
  tries?: number;
  /** Overrides the client's deadline for this request. */
  timeoutMs?: number;
}

/** One answer, whatever its status. */
export interface SidecarResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer says it is JSON (and parses), else the text. */
  body: unknown;
  /** The body as text. */
  text: string;
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!contentType?.includes("json")) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorOf(body: unknown): { code: string; message: string } | undefined {
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === "string" && typeof message === "string" ? { code, message } : undefined;
}

/**
 * The one HTTP client of the sidecar's own API, for the CLI, the relevance lab and the benches:
 * base URL, `x-api-key`, a deadline per try, and retries with backoff on transient failures only
 * (network, timeouts, 429 honouring `Retry-After`, 502–504). Transport errors are raised here.
 */
export class SidecarClient {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #options: RetryPolicyOptions;

  constructor(options: SidecarClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
    this.#retry = new RetryPolicy(options);
    if (!/^https?:\/\//.test(this.baseUrl)) throw new RangeError(`baseUrl must be an http(s) URL, got "${this.baseUrl}"`);
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${this.#timeoutMs}`);
  }

  /** A client for the sidecar the connection settings name (SIDECAR_URL, SIDECAR_API_KEY); `options` override them. */
  static fromConnectionSettings(settings: ConnectionSettings, options: Partial<SidecarClientOptions> = {}): SidecarClient {
    return new SidecarClient({ baseUrl: settings.sidecarUrl, apiKey: settings.sidecarApiKey, ...options });
  }

  /**
   * Sends one request, tried again on transient failures, and returns the last answer whatever its
   * status (with `tries: 1`, every status is seen as it came).
   * @throws SidecarUnreachableError or SidecarTimeoutError when the last try got no answer
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<SidecarResponse> {
    const retry = options.tries === undefined ? this.#retry : new RetryPolicy({ ...this.#options, tries: options.tries });
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const url = this.#url(path, options.query);
    const label = `${method} ${path}`;
    const headers: Record<string, string> = { accept: "application/json", ...(this.#apiKey ? { "x-api-key": this.#apiKey } : {}) };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    } else if (options.body !== undefined) {
      body = options.body;
      headers["content-type"] = options.contentType ?? "application/json";
    }
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (err) {
        const failure =
          err instanceof DOMException && err.name === "TimeoutError" ? new SidecarTimeoutError(timeoutMs, label, err) : new SidecarUnreachableError(url, networkReason(err), label, err);
        if (attempt >= retry.tries) throw failure;
        await sleep(retry.delayMs(attempt));
        continue;
      }
      if (attempt < retry.tries && retry.retriesStatus(response.status)) {
        await sleep(retry.delayMs(attempt, response.headers.get("retry-after")));
        continue;
      }
      return { status: response.status, headers: response.headers, body: parseBody(text, response.headers.get("content-type")), text };
    }
  }

  /** `POST /v1/search`. @throws SidecarStatusError, SidecarResponseError (no hits list), or a transport error */
  async search(body: SearchBody, options: Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<SearchResult> {
    const response = await this.requestOk("POST", "/v1/search", { ...options, json: body });
    const parsed = SearchResultSchema.safeParse(response.body);
    if (!parsed.success) throw new SidecarResponseError(response.status, "POST /v1/search", "response is not {hits:[{id,...}]}");
    return parsed.data;
  }

  /** `POST /v1/enrich` (write scope): cleans, embeds and writes the documents. */
  async enrich(documents: readonly RawRecord[], options: EnrichRequestOptions & Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<EnrichOutcome> {
    const { tries, timeoutMs, ...enrich } = options;
    const response = await this.requestOk("POST", "/v1/enrich", { tries, timeoutMs, json: { documents, write: true, ...enrich } });
    return response.body as EnrichOutcome;
  }

  /**
   * `POST /v1/enrich` with `"async": true` (write scope): the sidecar cleans and validates the documents
   * and queues the valid ones as one `embed-documents` job (202); `relevance worker` embeds and writes them.
   */
  async enrichQueued(documents: readonly RawRecord[], options: Pick<EnrichRequestOptions, "index"> & Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<QueuedBatch> {
    const { tries, timeoutMs, ...enrich } = options;
    const response = await this.requestOk("POST", "/v1/enrich", { tries, timeoutMs, json: { documents, write: true, async: true, ...enrich } });
    return response.body as QueuedBatch;
  }

  /** `POST /v1/events` (write scope): a batch of 1–5,000 events; retrying the same batch is safe. */
  async events(events: readonly unknown[], options: Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<IngestOutcome> {
    const response = await this.requestOk("POST", "/v1/events", { ...options, json: { events } });
    return response.body as IngestOutcome;
  }

  /** `GET /v1/profiles/:user_id` (admin scope); null when the user has no profile (404). */
  async profile(userId: string, options: ProfileRequestOptions & Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<ProfileView | null> {
    const { tries, timeoutMs, vector, top } = options;
    const path = `/v1/profiles/${encodeURIComponent(userId)}`;
    const response = await this.request("GET", path, { tries, timeoutMs, query: { vector, top } });
    if (response.status === 404) return null;
    this.#check(response, `GET ${path}`);
    return response.body as ProfileView;
  }

  /** `DELETE /v1/profiles/:user_id` (admin scope): erases the user's profile and events; idempotent. */
  async eraseProfile(userId: string, options: Pick<RequestOptions, "tries" | "timeoutMs"> = {}): Promise<ErasureReport> {
    const response = await this.requestOk("DELETE", `/v1/profiles/${encodeURIComponent(userId)}`, options);
    return response.body as ErasureReport;
  }

  /** {@link request}, for a 2xx answer. @throws SidecarStatusError (with the sidecar's `{error:{code,message}}` when it sent one), or a transport error */
  async requestOk(method: string, path: string, options: RequestOptions = {}): Promise<SidecarResponse> {
    const response = await this.request(method, path, options);
    this.#check(response, `${method} ${path}`);
    return response;
  }

  #check(response: SidecarResponse, label: string): void {
    if (response.status < 200 || response.status >= 300) throw new SidecarStatusError(response.status, label, errorOf(response.body), response.text.slice(0, 300));
  }

  #url(path: string, query: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ""}`;
  }
}
