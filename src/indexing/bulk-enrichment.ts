import { randomUUID } from "node:crypto";
import { lineText, targetOf, type BulkActionName, type BulkEntry } from "./bulk-body";
import { type EnrichService, type StoredDocument } from "./enrich-service";
import { type RawRecord } from "./product";
import { isRecord, mergeDocuments } from "./records";

/** A bulk item answer in OpenSearch's shape. */
export type BulkItem = Partial<Record<BulkActionName, Record<string, unknown>>>;

export interface BulkEnrichmentOptions {
  /** Index named in the URL (`/{index}/_bulk`), the default for operations without `_index`. */
  pathIndex: string | undefined;
  /** True for the alias and the versioned indexes whose documents the sidecar enriches. */
  isEnriched: (index: string) => boolean;
  timeoutMs: number;
  /** Operations enriched together (one embedding batch, one read of stored documents). @defaultValue 500 */
  chunkSize?: number;
}

export interface BulkRewrite {
  /**
   * The NDJSON to send to OpenSearch, in pieces: rewritten lines, and untouched source lines of
   * other indexes as slices of the request body (not copies). Empty when the sidecar answered every operation.
   */
  pieces: Buffer[];
  /** Bytes in `pieces` that were newly allocated (the rest are slices of the request). */
  allocated: number;
  /** Puts OpenSearch's items and the sidecar's own answers back in the request's order. */
  merge(upstreamItems: readonly BulkItem[]): BulkItem[];
}

type Outcome =
  | { kind: "own"; item: BulkItem }
  | { kind: "write"; action: "index" | "create"; meta: Record<string, unknown>; document: Record<string, unknown>; answerAs: BulkActionName };

interface Pending {
  position: number;
  entry: BulkEntry;
  index: string;
  record: RawRecord & { id: string };
  action: "index" | "create";
  meta: Record<string, unknown>;
  /** Index operations and updates of stored documents may be answered `noop`; creates never are. */
  skipUnchanged: boolean;
}

const NEWLINE = Buffer.from("\n");
/** Metadata an update keeps when it becomes a guarded index operation. */
const KEPT_UPDATE_META = ["_index", "routing", "require_alias", "pipeline"] as const;

function ownError(action: BulkActionName, index: string, id: unknown, status: number, type: string, reason: string): Outcome {
  return { kind: "own", item: { [action]: { _index: index, _id: id ?? null, status, error: { type, reason } } } };
}

/** A bulk `_id` as a string: a non-empty string or a number; anything else is no id. */
function idFrom(id: unknown): string | undefined {
  return typeof id === "string" && id !== "" ? id : typeof id === "number" ? String(id) : undefined;
}

function idOf(meta: Record<string, unknown>): string | undefined {
  return idFrom(meta._id);
}

/**
 * Every operation of a bulk request that writes into an enriched index is cleaned and embedded, or
 * answered by the sidecar with an error item; none reaches OpenSearch raw:
 * - `index`/`create`: the source is cleaned, hashed and embedded; sidecar-owned fields are recomputed.
 * - `update` with `doc`/`upsert`/`doc_as_upsert`: the stored document is read, merged, enriched and
 *   written whole as an `index` guarded by `if_seq_no`/`if_primary_term` (a race is that item's 409),
 *   or as a `create` when it is upserted. Scripted updates are refused per item.
 * - a source line that is not JSON, or not an object, is a 400 item; the operations beside it go on.
 * Operations on other indexes pass with a rebuilt action line and their source line as sent.
 * Work is done `chunkSize` operations at a time, so parsed documents never outnumber one chunk.
 */
export async function enrichBulk(body: Buffer, entries: readonly BulkEntry[], enrich: EnrichService, options: BulkEnrichmentOptions): Promise<BulkRewrite> {
  const chunkSize = options.chunkSize ?? 500;
  const pieces: Buffer[] = [];
  let allocated = 0;
  const own = new Map<number, BulkItem>();
  const forwarded: { position: number; answerAs: BulkActionName }[] = [];

  for (let from = 0; from < entries.length; from += chunkSize) {
    const chunk = entries.slice(from, from + chunkSize);
    const outcomes = await enrichChunk(body, chunk, from, enrich, options);
    let text = "";
    const flush = () => {
      if (text === "") return;
      const piece = Buffer.from(text);
      pieces.push(piece);
      allocated += piece.length;
      text = "";
    };
    chunk.forEach((entry, offset) => {
      const position = from + offset;
      const outcome = outcomes.get(position);
      if (outcome?.kind === "own") {
        own.set(position, outcome.item);
        return;
      }
      if (outcome?.kind === "write") {
        text += `${JSON.stringify({ [outcome.action]: outcome.meta })}\n${JSON.stringify(outcome.document)}\n`;
        forwarded.push({ position, answerAs: outcome.answerAs });
        return;
      }
      // Deletes, and every operation on an index the sidecar does not enrich.
      text += `${JSON.stringify({ [entry.action]: entry.meta })}\n`;
      forwarded.push({ position, answerAs: entry.action });
      if (entry.source) {
        flush();
        pieces.push(body.subarray(entry.source.start, entry.source.end), NEWLINE);
      }
    });
    flush();
  }

  return {
    pieces,
    allocated,
    merge: (upstreamItems) => {
      const merged = new Array<BulkItem>(entries.length);
      forwarded.forEach(({ position, answerAs }, i) => {
        const item = upstreamItems[i] ?? {};
        const result = Object.values(item)[0];
        merged[position] = result ? { [answerAs]: result } : item;
      });
      for (const [position, item] of own) merged[position] = item;
      return merged;
    },
  };
}

async function enrichChunk(
  body: Buffer,
  chunk: readonly BulkEntry[],
  from: number,
  enrich: EnrichService,
  options: BulkEnrichmentOptions,
): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  const pending: Pending[] = [];
  const updates: { position: number; entry: BulkEntry; index: string; request: Record<string, unknown> }[] = [];

  chunk.forEach((entry, offset) => {
    const position = from + offset;
    const index = targetOf(entry, options.pathIndex);
    if (index === undefined || !options.isEnriched(index) || entry.action === "delete" || !entry.source) return;
    let source: unknown;
    try {
      source = JSON.parse(lineText(body, entry.source));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      outcomes.set(position, ownError(entry.action, index, idOf(entry.meta), 400, "sidecar_validation_exception", `bulk line ${entry.source.line}: the source is not valid JSON (${why})`));
      return;
    }
    if (!isRecord(source)) {
      outcomes.set(position, ownError(entry.action, index, idOf(entry.meta), 400, "sidecar_validation_exception", `bulk line ${entry.source.line}: the source must be a JSON object`));
      return;
    }
    if (entry.action === "update") {
      updates.push({ position, entry, index, request: source });
      return;
    }
    const record = withDocumentId(source, entry.meta._id);
    pending.push({ position, entry, index, record, action: entry.action, meta: { ...entry.meta, _id: record.id }, skipUnchanged: entry.action === "index" });
  });

  await planUpdates(updates, enrich, options.timeoutMs, outcomes, pending);
  await prepareWrites(pending, enrich, options.timeoutMs, outcomes);
  return outcomes;
}

/** Turns partial updates into whole documents: stored ⊕ doc, or the upsert when nothing is stored. */
async function planUpdates(
  updates: { position: number; entry: BulkEntry; index: string; request: Record<string, unknown> }[],
  enrich: EnrichService,
  timeoutMs: number,
  outcomes: Map<number, Outcome>,
  pending: Pending[],
): Promise<void> {
  const valid: { position: number; entry: BulkEntry; index: string; id: string; doc?: Record<string, unknown>; upsert?: Record<string, unknown>; docAsUpsert: boolean }[] = [];
  for (const { position, entry, index, request } of updates) {
    const id = idOf(entry.meta);
    const fail = (reason: string) => outcomes.set(position, ownError("update", index, id, 400, "sidecar_validation_exception", `bulk line ${entry.line}: ${reason}`));
    if (request.script !== undefined) fail("scripted updates of products are not supported (the sidecar must clean and embed the result): send a partial `doc` or an `upsert` instead");
    else if (id === undefined) fail("an update needs an _id");
    else if (request.doc !== undefined && !isRecord(request.doc)) fail("`doc` must be an object");
    else if (request.upsert !== undefined && !isRecord(request.upsert)) fail("`upsert` must be an object");
    else if (request.doc === undefined && request.upsert === undefined) fail("an update needs a partial `doc` or an `upsert`");
    else {
      valid.push({
        position,
        entry,
        index,
        id,
        ...(isRecord(request.doc) ? { doc: request.doc } : {}),
        ...(isRecord(request.upsert) ? { upsert: request.upsert } : {}),
        docAsUpsert: request.doc_as_upsert === true,
      });
    }
  }

  for (const index of new Set(valid.map((u) => u.index))) {
    const group = valid.filter((u) => u.index === index);
    const stored = await enrich.storedDocuments(
      index,
      group.map((u) => ({ id: u.id, ...(typeof u.entry.meta.routing === "string" ? { routing: u.entry.meta.routing } : {}) })),
      timeoutMs,
    );
    for (const u of group) {
      const found: StoredDocument | undefined = stored.get(u.id);
      const kept: Record<string, unknown> = { _id: u.id };
      for (const key of KEPT_UPDATE_META) if (u.entry.meta[key] !== undefined) kept[key] = u.entry.meta[key];
      if (found) {
        if (!u.doc) {
          outcomes.set(u.position, ownError("update", index, u.id, 400, "sidecar_validation_exception", `bulk line ${u.entry.line}: the document exists and the update has no partial \`doc\``));
          continue;
        }
        const meta = {
          ...kept,
          if_seq_no: u.entry.meta.if_seq_no ?? found.seqNo,
          if_primary_term: u.entry.meta.if_primary_term ?? found.primaryTerm,
        };
        pending.push({ position: u.position, entry: u.entry, index, record: withDocumentId(mergeDocuments(found.source, u.doc), u.id), action: "index", meta, skipUnchanged: true });
      } else if (u.upsert ?? (u.docAsUpsert ? u.doc : undefined)) {
        const initial = u.upsert ?? u.doc ?? {};
        pending.push({ position: u.position, entry: u.entry, index, record: withDocumentId(initial, u.id), action: "create", meta: kept, skipUnchanged: false });
      } else {
        outcomes.set(u.position, ownError("update", index, u.id, 404, "document_missing_exception", `[${u.id}]: document missing`));
      }
    }
  }
}

/** Cleans, hashes and embeds the pending writes, grouped by where unchanged documents are looked up. */
async function prepareWrites(pending: Pending[], enrich: EnrichService, timeoutMs: number, outcomes: Map<number, Outcome>): Promise<void> {
  const groups = new Map<string, Pending[]>();
  for (const p of pending) {
    const key = `${p.skipUnchanged ? "1" : "0"}\u0000${p.index}`;
    const group = groups.get(key) ?? [];
    group.push(p);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const batch = await enrich.prepare(
      group.map((p) => p.record),
      { index: first.index, skipUnchanged: first.skipUnchanged, timeoutMs },
    );
    batch.items.forEach((item, i) => {
      const p = group[i];
      if (!p) return;
      const answerAs = p.entry.action;
      if (item.status === "failed") {
        outcomes.set(p.position, ownError(answerAs, p.index, p.record.id, 400, "sidecar_validation_exception", item.error?.message ?? "invalid document"));
      } else if (item.status === "unchanged" || !item.document) {
        outcomes.set(p.position, { kind: "own", item: { [answerAs]: { _index: p.index, _id: p.record.id, status: 200, result: "noop" } } });
      } else {
        outcomes.set(p.position, { kind: "write", action: p.action, meta: { ...p.meta, _id: item.document.id }, document: item.document, answerAs });
      }
    });
  }
}

/**
 * The id a written document gets: the one in the request's metadata, else the document's own `id`,
 * else a fresh one (as OpenSearch would auto-generate) — stored in both `_id` and `id`.
 */
export function withDocumentId(source: RawRecord, metaId: unknown): RawRecord & { id: string } {
  const own = source.id;
  const id = idFrom(metaId) ?? (typeof own === "string" || typeof own === "number" ? String(own) : randomUUID());
  return { ...source, id };
}
