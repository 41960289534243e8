import { Client, errors } from "@opensearch-project/opensearch";
import {
  OpenSearchRejectedError,
  OpenSearchTimeoutError,
  OpenSearchUnavailableError,
  type OpenSearchError,
} from "./errors";

export interface OpenSearchGatewayOptions {
  /** Cluster URL, e.g. `http://127.0.0.1:9200`. */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM of the CA to trust for an https `url` (OPENSEARCH_CA_FILE, read by readClusterCa). @defaultValue the system's CAs */
  ca?: Buffer | undefined;
  /** Default deadline for one call. @defaultValue 2000 */
  timeoutMs?: number;
}

export interface CallOptions {
  /** Deadline for this call; overrides the gateway default. */
  timeoutMs?: number;
  /** Retries on connection errors; only for calls that are safe to repeat. @defaultValue 0 */
  retries?: number;
  querystring?: Record<string, string | number | boolean>;
  /** Statuses that are answers, not errors (e.g. 404 on an existence check). */
  ignore?: number[];
}

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE" | "HEAD";

export interface GatewayResponse<T> {
  statusCode: number;
  body: T;
}

/**
 * The sidecar's one door to OpenSearch. Every call has a deadline, and every transport failure is
 * turned into an {@link OpenSearchError} here and nowhere else.
 */
export class OpenSearchGateway {
  readonly url: string;
  readonly #client: Client;
  readonly #timeoutMs: number;

  constructor(options: OpenSearchGatewayOptions) {
    if (!/^https?:\/\//.test(options.url)) {
      throw new TypeError(`OpenSearch url must start with http:// or https://, got "${options.url}"`);
    }
    this.url = options.url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#client = new Client({
      node: this.url,
      requestTimeout: this.#timeoutMs,
      maxRetries: 0,
      ...(options.username ? { auth: { username: options.username, password: options.password ?? "" } } : {}),
      ...(options.ca ? { ssl: { ca: options.ca } } : {}),
    });
  }

  /** Sends one request; the body is JSON, or NDJSON when it is an array (bulk). */
  async request<T>(method: HttpMethod, path: string, body?: unknown, options: CallOptions = {}): Promise<GatewayResponse<T>> {
    const attempts = 1 + (options.retries ?? 0);
    let lastError: OpenSearchError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const params = {
          method,
          path,
          ...(options.querystring ? { querystring: options.querystring } : {}),
          ...(Array.isArray(body) ? { bulkBody: body } : body === undefined ? {} : { body: body as Record<string, unknown> }),
        };
        const response = await this.#client.transport.request(params, {
          requestTimeout: options.timeoutMs ?? this.#timeoutMs,
          maxRetries: 0,
          ...(options.ignore ? { ignore: options.ignore } : {}),
        });
        return { statusCode: response.statusCode ?? 200, body: response.body as T };
      } catch (err) {
        lastError = toOpenSearchError(err, `${method} ${path}`);
        if (!(lastError instanceof OpenSearchUnavailableError) || attempt === attempts) throw lastError;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
    throw lastError ?? new OpenSearchUnavailableError(`${method} ${path}: no attempt made`);
  }

  async search<T = SearchResponseBody>(index: string, body: Record<string, unknown>, options: CallOptions = {}): Promise<T> {
    const response = await this.request<T>("POST", `/${encodeURIComponent(index)}/_search`, body, { retries: 1, ...options });
    return response.body;
  }

  /** Several searches in one round trip; each answer is a response or that search's own error. */
  async msearch(index: string, bodies: Record<string, unknown>[], options: CallOptions = {}): Promise<MultiSearchItem[]> {
    const lines = bodies.flatMap((body) => [{}, body]);
    const response = await this.request<{ responses: MultiSearchItem[] }>("POST", `/${encodeURIComponent(index)}/_msearch`, lines, {
      retries: 1,
      ...options,
    });
    return response.body.responses;
  }

  /**
   * Documents by index and id in one round trip (`_mget`), with the call's `querystring` (e.g.
   * `_source_excludes`, `realtime`); each answer says whether it was `found`.
   */
  async mget(docs: readonly MultiGetRequestDoc[], options: CallOptions = {}): Promise<MultiGetDoc[]> {
    const response = await this.request<{ docs: MultiGetDoc[] }>("POST", "/_mget", { docs }, { retries: 1, ...options });
    return response.body.docs;
  }

  async clusterHealth(options: CallOptions = {}): Promise<{ status: string; cluster_name: string }> {
    const response = await this.request<{ status: string; cluster_name: string }>("GET", "/_cluster/health", undefined, options);
    return response.body;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

export interface SearchHitBody {
  _index: string;
  _id: string;
  _score: number | null;
  _source?: Record<string, unknown>;
}

export interface MultiGetRequestDoc {
  _index: string;
  _id: string;
}

/** One `_mget` answer: the document, or `found: false`, or that document's own error. */
export interface MultiGetDoc {
  _index: string;
  _id: string;
  found?: boolean;
  /** The found document's version (changes with every write). */
  _seq_no?: number;
  _primary_term?: number;
  _source?: Record<string, unknown>;
  error?: { type?: string; reason?: string };
}

export type MultiSearchItem = (SearchResponseBody & { error?: undefined }) | { error: { type?: string; reason?: string }; status?: number };

export interface SearchResponseBody {
  took: number;
  hits: { total?: { value: number } | number; hits: SearchHitBody[] };
}

function toOpenSearchError(err: unknown, what: string): OpenSearchError {
  if (err instanceof errors.ResponseError) {
    const statusCode = err.meta.statusCode ?? 500;
    const body: unknown = err.meta.body;
    const reason = (body as { error?: { reason?: unknown } } | undefined)?.error?.reason;
    return new OpenSearchRejectedError(
      `${what} failed with ${statusCode}${typeof reason === "string" ? `: ${reason}` : ""}`,
      statusCode,
      body,
      { cause: err },
    );
  }
  if (err instanceof errors.TimeoutError) {
    return new OpenSearchTimeoutError(`${what} timed out`, { cause: err });
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    return new OpenSearchUnavailableError(`${what}: OpenSearch is unreachable (${err.message})`, { cause: err });
  }
  return new OpenSearchUnavailableError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
