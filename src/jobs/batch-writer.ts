import { EnrichService, RESERVED_FIELDS, type BulkResponseBody, type IndexDocument, type ProductEmbedder, type RawRecord } from "../indexing";
import { type OpenSearchGateway } from "../opensearch";
import { ReindexError } from "./job-errors";
import { type ScannedDocument } from "./document-scan";
import { sleep, withBackoff } from "./opensearch-backoff";

export interface BatchWriterOptions {
  /** The index written to (a concrete index, never the alias). */
  target: string;
  /** The one model every written document is embedded with. */
  embedder: ProductEmbedder;
  timeoutMs: number;
  /** Rounds of re-sending the documents OpenSearch answered 429 for. @defaultValue 8 */
  rejectedRetries?: number;
}

/** Which documents of a batch are left alone (see {@link BatchWriter.prepare}). */
export type SkipRule = "none" | "unchanged";

/** A batch cleaned and embedded, not written yet. */
export interface PreparedWrite {
  documents: IndexDocument[];
  /** Documents of the batch left alone. */
  skipped: number;
}

/**
 * Re-embeds stored documents with one model and bulk-writes them, ids kept: writing the same batch
 * twice (a resumed job) leaves the same documents. A document that cannot be re-embedded or written
 * fails the batch, so nothing is skipped silently and nothing keeps another model's vector.
 */
export class BatchWriter {
  readonly #gateway: OpenSearchGateway;
  readonly #options: BatchWriterOptions;
  readonly #enrich: EnrichService;

  constructor(gateway: OpenSearchGateway, options: BatchWriterOptions) {
    if (options.target.trim() === "") throw new RangeError("batch writer needs a target index");
    this.#gateway = gateway;
    this.#options = options;
    const embedder = options.embedder;
    this.#enrich = new EnrichService({ gateway, embedder: () => embedder });
  }

  /**
   * Writes the batch; resolves with the documents written and those skipped (see {@link prepare}).
   */
  async write(all: readonly ScannedDocument[], skip: SkipRule = "none"): Promise<{ written: number; skipped: number }> {
    const prepared = await this.prepare(all, skip);
    await this.bulk(prepared.documents);
    return { written: prepared.documents.length, skipped: prepared.skipped };
  }

  /**
   * Cleans and re-embeds the batch without writing it (so the next batch can be embedded while this one
   * is written). `skip: "unchanged"` (in-place re-embedding) leaves alone those the target already
   * stores with the same content hash and model version; a catch-up skips by stamps in {@link prepareChanged}.
   */
  async prepare(documents: readonly ScannedDocument[], skip: SkipRule = "none"): Promise<PreparedWrite> {
    if (documents.length === 0) return { documents: [], skipped: 0 };
    const records = documents.map((doc) => storedToRecord(doc));
    const prepared = await withBackoff(() =>
      this.#enrich.prepare(records, { index: this.#options.target, skipUnchanged: skip === "unchanged", timeoutMs: this.#options.timeoutMs }),
    );
    const ready: IndexDocument[] = [];
    for (const item of prepared.items) {
      if (item.status === "unchanged") continue;
      if (item.status !== "ready" || !item.document) {
        throw new ReindexError(`document ${item.id ?? `#${item.position}`} cannot be re-embedded: ${item.error?.message ?? item.status}`);
      }
      if (item.document.model_version !== this.#options.embedder.version || !item.document.embedding) {
        throw new ReindexError(`document ${item.document.id} was not embedded with ${this.#options.embedder.version}`);
      }
      // The stamp of the original write is kept: indexed_at says when the content arrived, not when it was copied.
      const original = documents[item.position]?.source.indexed_at;
      if (typeof original === "string") item.document.indexed_at = original;
      ready.push(item.document);
    }
    return { documents: ready, skipped: documents.length - ready.length };
  }

  /**
   * Catch-up from stamps only: `stamped` carry just `indexed_at` and `content_hash` (a cheap scan); the
   * ones whose copy in the target differs are read whole from `source` and prepared. Documents deleted
   * from the source meanwhile are left to the prune before verify.
   */
  async prepareChanged(stamped: readonly ScannedDocument[], source: string): Promise<PreparedWrite> {
    const changed = await this.#notYetCopied(stamped);
    if (changed.length === 0) return { documents: [], skipped: stamped.length };
    const response = await withBackoff(() =>
      this.#gateway.request<{ docs?: { _id: string; found?: boolean; _source?: Record<string, unknown> }[] }>(
        "POST",
        `/${encodeURIComponent(source)}/_mget`,
        { ids: changed.map((doc) => doc.id) },
        { querystring: { _source_excludes: "embedding", realtime: true }, timeoutMs: this.#options.timeoutMs, retries: 1 },
      ),
    );
    const whole = (response.body.docs ?? []).flatMap((doc) => (doc.found && doc._source ? [{ id: doc._id, source: doc._source }] : []));
    const prepared = await this.prepare(whole);
    return { documents: prepared.documents, skipped: stamped.length - prepared.documents.length };
  }

  async #notYetCopied(documents: readonly ScannedDocument[]): Promise<readonly ScannedDocument[]> {
    if (documents.length === 0) return documents;
    const response = await withBackoff(() =>
      this.#gateway.request<{ docs?: { _id: string; found?: boolean; _source?: { indexed_at?: unknown; content_hash?: unknown } }[] }>(
        "POST",
        `/${encodeURIComponent(this.#options.target)}/_mget`,
        { ids: documents.map((doc) => doc.id) },
        { querystring: { _source_includes: "indexed_at,content_hash", realtime: true }, timeoutMs: this.#options.timeoutMs, retries: 1 },
      ),
    );
    const copied = new Map((response.body.docs ?? []).filter((doc) => doc.found && doc._source).map((doc) => [doc._id, doc._source]));
    return documents.filter((doc) => {
      const copy = copied.get(doc.id);
      return !copy || copy.indexed_at !== doc.source.indexed_at || copy.content_hash !== doc.source.content_hash;
    });
  }

  /** Bulk-writes prepared documents under their ids; 429s are waited out, any other item error fails the batch. */
  async bulk(documents: readonly IndexDocument[]): Promise<void> {
    let pending = [...documents];
    const rounds = this.#options.rejectedRetries ?? 8;
    for (let round = 0; pending.length > 0; round++) {
      const lines = pending.flatMap((document) => [{ index: { _index: this.#options.target, _id: document.id } }, document]);
      const response = await withBackoff(() =>
        this.#gateway.request<BulkResponseBody>("POST", "/_bulk", lines, { timeoutMs: Math.max(this.#options.timeoutMs, 60_000) }),
      );
      const rejected: IndexDocument[] = [];
      response.body.items.forEach((entry, i) => {
        const result = entry.index;
        const document = pending[i];
        if (!result?.error || !document) return;
        if (result.status === 429) rejected.push(document);
        else throw new ReindexError(`writing ${document.id} into ${this.#options.target} failed: ${result.error.type}: ${result.error.reason ?? ""}`);
      });
      if (rejected.length > 0 && round + 1 >= rounds) {
        throw new ReindexError(`OpenSearch kept rejecting ${rejected.length} documents with 429 after ${rounds} rounds`);
      }
      if (rejected.length > 0) await sleep(250 * 2 ** round);
      pending = rejected;
    }
  }
}

/** A stored document back as a catalog record: the derived fields (vector, stamps, paths) are recomputed. */
function storedToRecord(document: ScannedDocument): RawRecord {
  const record: Record<string, unknown> = { ...document.source };
  for (const field of RESERVED_FIELDS) delete record[field];
  record.id ??= document.id;
  return record;
}
