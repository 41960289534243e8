import { OpenSearchRejectedError, type OpenSearchGateway } from "../opensearch";
import { withBackoff } from "./opensearch-backoff";

/** A PIT lives this long between two batches; a worker that stops longer opens a new one on resume. */
const PIT_KEEP_ALIVE = "5m";

export interface ScannedDocument {
  id: string;
  source: Record<string, unknown>;
}

export interface ScanPage {
  documents: ScannedDocument[];
  /** Sort value of the last document: the cursor to checkpoint. Null when the page is empty. */
  last: string | null;
}

export interface DocumentScanOptions {
  index: string;
  /** Filter of the scan (e.g. `indexed_at` ≥ a time); all documents when absent. */
  query?: Record<string, unknown>;
  /** Documents per page. */
  size: number;
  /** Source fields read: all but the vector, none (ids only), or these. @defaultValue "all" */
  source?: "all" | "none" | readonly string[];
  timeoutMs: number;
}

/**
 * Reads an index in `id` order with a point-in-time and `search_after`. The cursor is the `id` field
 * (unique, a keyword), not `_shard_doc`, so it stays valid across PITs: a resumed job opens a new PIT and
 * continues after the checkpointed id. The stored vector is not read (it is recomputed anyway).
 */
export class DocumentScan {
  readonly #gateway: OpenSearchGateway;
  readonly #options: DocumentScanOptions;
  #pit: string | null = null;

  constructor(gateway: OpenSearchGateway, options: DocumentScanOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`scan page size must be a positive integer, got ${options.size}`);
    this.#gateway = gateway;
    this.#options = options;
  }

  /** The page after `after` (from the start when null), on a new PIT when the one held has expired. */
  async #pageOnLivePit(after: string | null): Promise<ScanPage> {
    try {
      return await this.#page(after);
    } catch (err) {
      // The PIT expired (a long pause, a restarted cluster): the id cursor does not depend on it.
      if (!(err instanceof OpenSearchRejectedError) || err.statusCode !== 404 || this.#pit === null) throw err;
      this.#pit = null;
      return this.#page(after);
    }
  }

  /**
   * Every non-empty page after `after` (from the start when null), in order; the PIT is closed when the
   * loop ends, breaks or throws.
   */
  async *pages(after: string | null): AsyncGenerator<ScanPage> {
    let cursor = after;
    try {
      for (;;) {
        const page = await this.#pageOnLivePit(cursor);
        if (page.documents.length === 0) return;
        yield page;
        cursor = page.last;
      }
    } finally {
      await this.#close().catch(() => undefined);
    }
  }

  async #close(): Promise<void> {
    if (this.#pit === null) return;
    const pit = this.#pit;
    this.#pit = null;
    await this.#gateway.request("DELETE", "/_search/point_in_time", { pit_id: [pit] }, { ignore: [404], timeoutMs: this.#options.timeoutMs });
  }

  async #page(after: string | null): Promise<ScanPage> {
    const pit = this.#pit ?? (await this.#openPit());
    const body: Record<string, unknown> = {
      size: this.#options.size,
      query: this.#options.query ?? { match_all: {} },
      sort: [{ id: "asc" }],
      pit: { id: pit, keep_alive: PIT_KEEP_ALIVE },
      _source: sourceFilter(this.#options.source ?? "all"),
      track_total_hits: false,
      ...(after === null ? {} : { search_after: [after] }),
    };
    const response = await withBackoff(() =>
      this.#gateway.request<{ pit_id?: string; hits: { hits: { _id: string; _source?: Record<string, unknown>; sort?: unknown[] }[] } }>("POST", "/_search", body, {
        timeoutMs: this.#options.timeoutMs,
        retries: 1,
      }),
    );
    if (response.body.pit_id) this.#pit = response.body.pit_id;
    const hits = response.body.hits.hits;
    const documents = hits.map((hit) => ({ id: hit._id, source: hit._source ?? {} }));
    const lastSort = hits[hits.length - 1]?.sort?.[0];
    return { documents, last: typeof lastSort === "string" ? lastSort : null };
  }

  async #openPit(): Promise<string> {
    const response = await withBackoff(() =>
      this.#gateway.request<{ pit_id: string }>("POST", `/${encodeURIComponent(this.#options.index)}/_search/point_in_time`, undefined, {
        querystring: { keep_alive: PIT_KEEP_ALIVE },
        timeoutMs: this.#options.timeoutMs,
        retries: 1,
      }),
    );
    this.#pit = response.body.pit_id;
    return this.#pit;
  }
}

function sourceFilter(source: "all" | "none" | readonly string[]): false | Record<string, unknown> {
  if (source === "none") return false;
  return source === "all" ? { excludes: ["embedding"] } : { includes: source };
}
