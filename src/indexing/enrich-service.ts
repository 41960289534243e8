import { type OpenSearchGateway } from "../opensearch";
import { cleanProduct } from "./clean-product";
import { contentHash } from "./content-hash";
import { toIndexDocument, type IndexDocument } from "./index-document";
import { type Product, type RawRecord } from "./product";
import { type EmbedderProvider } from "./product-embedder";

export type EnrichStatus = "indexed" | "unchanged" | "enriched" | "failed";

export interface EnrichItemResult {
  /** Position of the document in the request. */
  position: number;
  id: string | null;
  status: EnrichStatus;
  error?: { code: string; message: string };
  /** The document as it would be stored (only when not writing). */
  document?: IndexDocument;
}

export interface EnrichOutcome {
  index: string;
  model_version: string | null;
  counts: Record<EnrichStatus, number>;
  /** Documents sent to the model in this call (unchanged ones are not). */
  embedded: number;
  items: EnrichItemResult[];
}

export interface EnrichOptions {
  /** Write to OpenSearch (`true`) or only return the enriched documents. */
  write: boolean;
  /** Index or alias to write to and look existing documents up in. */
  index: string;
  /** Make the writes visible to search before answering. @defaultValue false */
  refresh?: boolean;
  timeoutMs: number;
}

export interface PrepareOptions {
  /** Index or alias whose stored documents are compared against. */
  index: string;
  skipUnchanged: boolean;
  timeoutMs: number;
}

export interface PreparedItem {
  position: number;
  id: string | null;
  status: "ready" | "unchanged" | "failed";
  error?: { code: string; message: string };
  /** The document to store, for `ready` items. */
  document?: IndexDocument;
}

export interface PreparedBatch {
  modelVersion: string | null;
  /** Documents sent to the model. */
  embedded: number;
  items: PreparedItem[];
}

/** A document as stored, with what a guarded write-back needs. */
export interface StoredDocument {
  source: Record<string, unknown>;
  seqNo: number;
  primaryTerm: number;
}

interface StoredStamp {
  content_hash?: string;
  model_version?: string | null;
}

export interface EnrichServiceDependencies {
  gateway: OpenSearchGateway;
  embedder: EmbedderProvider;
}

/** Clean → embed (only what changed) → write: the index-time flow of the sidecar. */
export class EnrichService {
  readonly #gateway: OpenSearchGateway;
  readonly #embedder: EmbedderProvider;

  constructor(dependencies: EnrichServiceDependencies) {
    this.#gateway = dependencies.gateway;
    this.#embedder = dependencies.embedder;
  }

  /**
   * Cleans, hashes and embeds a batch without writing it. With `skipUnchanged`, documents whose
   * stored content hash and model version match are marked `unchanged` and not sent to the model.
   */
  async prepare(records: readonly RawRecord[], options: PrepareOptions): Promise<PreparedBatch> {
    const embedder = this.#embedder();
    const modelVersion = embedder?.version ?? null;
    const items: PreparedItem[] = [];
    const accepted: { position: number; product: Product; hash: string }[] = [];
    records.forEach((record, position) => {
      const cleaned = cleanProduct(record);
      if (cleaned.ok) {
        accepted.push({ position, product: cleaned.product, hash: contentHash(cleaned.product) });
      } else {
        items[position] = {
          position,
          id: cleaned.id ?? null,
          status: "failed",
          error: { code: "INVALID_DOCUMENT", message: cleaned.problems.join("; ") },
        };
      }
    });

    const stored = options.skipUnchanged
      ? await this.#storedStamps(options.index, accepted.map((a) => a.product.id), options.timeoutMs)
      : new Map<string, StoredStamp>();
    const changed: typeof accepted = [];
    for (const a of accepted) {
      const stamp = stored.get(a.product.id);
      if (stamp !== undefined && stamp.content_hash === a.hash && (stamp.model_version ?? null) === modelVersion) {
        items[a.position] = { position: a.position, id: a.product.id, status: "unchanged" };
      } else {
        changed.push(a);
      }
    }

    const vectors = embedder && changed.length > 0 ? await embedder.embedProducts(changed.map((a) => a.product)) : [];
    changed.forEach((a, i) => {
      const vector = vectors[i];
      const document = toIndexDocument(a.product, a.hash, embedder && vector ? { embedding: vector, modelVersion: embedder.version } : null);
      items[a.position] = { position: a.position, id: a.product.id, status: "ready", document };
    });
    return { modelVersion, embedded: vectors.length, items };
  }

  async enrich(records: readonly RawRecord[], options: EnrichOptions): Promise<EnrichOutcome> {
    // Only writes skip unchanged documents; a dry run always returns freshly enriched ones.
    const batch = await this.prepare(records, { index: options.index, skipUnchanged: options.write, timeoutMs: options.timeoutMs });
    const ready = batch.items.filter((item): item is PreparedItem & { document: IndexDocument } => item.status === "ready" && item.document !== undefined);
    const failures = options.write ? await this.#bulkIndex(options.index, ready.map((item) => item.document), options) : new Map<number, never>();
    const readyIndex = new Map(ready.map((item, i) => [item.position, i]));
    const items = batch.items.map((item): EnrichItemResult => {
      if (item.status !== "ready") return item.status === "failed" ? { ...item, status: "failed" } : { position: item.position, id: item.id, status: "unchanged" };
      if (!options.write) return { position: item.position, id: item.id, status: "enriched", ...(item.document ? { document: item.document } : {}) };
      const failure = failures.get(readyIndex.get(item.position) ?? -1);
      return failure ? { position: item.position, id: item.id, status: "failed", error: failure } : { position: item.position, id: item.id, status: "indexed" };
    });
    const counts: Record<EnrichStatus, number> = { indexed: 0, unchanged: 0, enriched: 0, failed: 0 };
    for (const item of items) counts[item.status] += 1;
    return { index: options.index, model_version: batch.modelVersion, counts, embedded: batch.embedded, items };
  }

  /**
   * Stored documents with their sequence number and primary term, for partial updates that are
   * merged and written back whole (guarded by `if_seq_no`/`if_primary_term`). Missing ids are absent.
   */
  async storedDocuments(index: string, refs: readonly { id: string; routing?: string }[], timeoutMs: number): Promise<Map<string, StoredDocument>> {
    const stored = new Map<string, StoredDocument>();
    if (refs.length === 0) return stored;
    const response = await this.#gateway.request<{ docs?: { _id: string; found?: boolean; _source?: Record<string, unknown>; _seq_no?: number; _primary_term?: number }[] }>(
      "POST",
      `/${encodeURIComponent(index)}/_mget`,
      { docs: refs.map((ref) => ({ _id: ref.id, ...(ref.routing === undefined ? {} : { routing: ref.routing }) })) },
      { ignore: [404], timeoutMs, retries: 1 },
    );
    for (const doc of response.body.docs ?? []) {
      if (doc.found && doc._source && doc._seq_no !== undefined && doc._primary_term !== undefined) {
        stored.set(doc._id, { source: doc._source, seqNo: doc._seq_no, primaryTerm: doc._primary_term });
      }
    }
    return stored;
  }

  /** Content hash and model stamp of documents already in the index, to skip re-embedding them. */
  async #storedStamps(index: string, ids: string[], timeoutMs: number): Promise<Map<string, StoredStamp>> {
    const stamps = new Map<string, StoredStamp>();
    if (ids.length === 0) return stamps;
    const response = await this.#gateway.request<{ docs?: { _id: string; found?: boolean; _source?: StoredStamp }[] }>(
      "POST",
      `/${encodeURIComponent(index)}/_mget`,
      { ids: [...new Set(ids)] },
      { querystring: { _source_includes: "content_hash,model_version" }, ignore: [404], timeoutMs, retries: 1 },
    );
    for (const doc of response.body.docs ?? []) {
      if (doc.found && doc._source) stamps.set(doc._id, doc._source);
    }
    return stamps;
  }

  /** Bulk-writes documents; returns the per-document failures by position. */
  async #bulkIndex(index: string, documents: IndexDocument[], options: EnrichOptions): Promise<Map<number, { code: string; message: string }>> {
    const failures = new Map<number, { code: string; message: string }>();
    if (documents.length === 0) return failures;
    const lines = documents.flatMap((document) => [{ index: { _index: index, _id: document.id } }, document]);
    const response = await this.#gateway.request<BulkResponseBody>("POST", "/_bulk", lines, {
      timeoutMs: Math.max(options.timeoutMs, 30_000),
      querystring: options.refresh ? { refresh: "wait_for" } : {},
    });
    response.body.items.forEach((item, i) => {
      const result = item.index ?? item.create ?? item.update;
      if (result?.error) {
        failures.set(i, { code: "INDEXING_FAILED", message: `${result.error.type}: ${result.error.reason ?? ""}`.trim() });
      }
    });
    return failures;
  }
}

export interface BulkItemResult {
  _id?: string;
  status: number;
  error?: { type: string; reason?: string };
}

export interface BulkResponseBody {
  errors: boolean;
  items: { index?: BulkItemResult; create?: BulkItemResult; update?: BulkItemResult; delete?: BulkItemResult }[];
}
