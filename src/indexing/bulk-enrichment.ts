import { randomUUID } from "node:crypto";
import { type EnrichService } from "./enrich-service";
import { type RawRecord } from "./product";

type ActionName = "index" | "create" | "update" | "delete";
const ACTIONS: readonly ActionName[] = ["index", "create", "update", "delete"];

interface BulkOperation {
  action: ActionName;
  meta: Record<string, unknown>;
  /** The source line (absent for delete). */
  source?: unknown;
}

/** A bulk item answer in OpenSearch's shape. */
export type BulkItem = Partial<Record<ActionName, Record<string, unknown>>>;

export interface BulkRewrite {
  /** NDJSON to send to OpenSearch; empty when every operation was answered by the sidecar. */
  forward: string;
  /** Puts OpenSearch's items and the sidecar's own answers back in the request's order. */
  merge(upstreamItems: BulkItem[]): BulkItem[];
}

/** Parses a bulk body, or returns undefined when it is not one we understand (OpenSearch will say why). */
export function parseBulkBody(text: string): BulkOperation[] | undefined {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const operations: BulkOperation[] = [];
  try {
    for (let i = 0; i < lines.length; i++) {
      const header = JSON.parse(lines[i] ?? "") as Record<string, unknown>;
      const action = ACTIONS.find((name) => name in header);
      const meta = action ? header[action] : undefined;
      if (!action || typeof meta !== "object" || meta === null) return undefined;
      if (action === "delete") {
        operations.push({ action, meta: meta as Record<string, unknown> });
      } else {
        i += 1;
        if (i >= lines.length) return undefined;
        operations.push({ action, meta: meta as Record<string, unknown>, source: JSON.parse(lines[i] ?? "") });
      }
    }
  } catch {
    return undefined;
  }
  return operations;
}

export interface BulkEnrichmentOptions {
  /** Index named in the URL (`/{index}/_bulk`), the default for operations without `_index`. */
  pathIndex: string | undefined;
  /** True for the alias and the versioned indexes whose documents the sidecar enriches. */
  isEnriched: (index: string) => boolean;
  timeoutMs: number;
}

/**
 * Enriches the `index`/`create` operations of a bulk request that target enriched indexes; every
 * other operation passes through untouched. Documents the cleaner rejects are answered with a 400
 * item, and unchanged ones with a `noop` item, so the caller sees one answer per operation.
 */
export async function enrichBulk(operations: BulkOperation[], enrich: EnrichService, options: BulkEnrichmentOptions): Promise<BulkRewrite> {
  const targets = operations.map((op) => (typeof op.meta._index === "string" ? op.meta._index : options.pathIndex));
  const enrichable = operations
    .map((op, position) => ({ op, position, index: targets[position] }))
    .filter((e): e is { op: BulkOperation; position: number; index: string } =>
      (e.op.action === "index" || e.op.action === "create") && e.index !== undefined && options.isEnriched(e.index) && isRecord(e.op.source),
    );

  const own = new Map<number, BulkItem>();
  const rewritten = new Map<number, { meta: Record<string, unknown>; source: unknown }>();
  // Grouped by target index: unchanged-detection looks documents up where they would be written.
  for (const index of new Set(enrichable.map((e) => e.index))) {
    const group = enrichable.filter((e) => e.index === index);
    const records = group.map(({ op }) => withDocumentId(op.source as RawRecord, op.meta._id));
    const batch = await enrich.prepare(records, { index, skipUnchanged: true, timeoutMs: options.timeoutMs });
    batch.items.forEach((item, i) => {
      const entry = group[i];
      if (!entry) return;
      const { op, position } = entry;
      const id = item.id ?? records[i]?.id;
      if (item.status === "failed") {
        own.set(position, { [op.action]: { _index: index, _id: id, status: 400, error: { type: "sidecar_validation_exception", reason: item.error?.message ?? "invalid document" } } });
      } else if (item.status === "unchanged") {
        own.set(position, { [op.action]: { _index: index, _id: id, status: 200, result: "noop" } });
      } else {
        rewritten.set(position, { meta: { ...op.meta, _id: item.id }, source: item.document });
      }
    });
  }

  const forwardedPositions: number[] = [];
  const lines: string[] = [];
  operations.forEach((op, position) => {
    if (own.has(position)) return;
    forwardedPositions.push(position);
    const replacement = rewritten.get(position);
    lines.push(JSON.stringify({ [op.action]: replacement?.meta ?? op.meta }));
    if (op.action !== "delete") lines.push(JSON.stringify(replacement?.source ?? op.source));
  });

  return {
    forward: lines.length > 0 ? `${lines.join("\n")}\n` : "",
    merge: (upstreamItems) => {
      const merged: BulkItem[] = new Array<BulkItem>(operations.length);
      forwardedPositions.forEach((position, i) => {
        merged[position] = upstreamItems[i] ?? {};
      });
      for (const [position, item] of own) merged[position] = item;
      return merged;
    },
  };
}

/**
 * The id a written document gets: the one in the request's metadata, else the document's own `id`,
 * else a fresh one (as OpenSearch would auto-generate) — stored in both `_id` and `id`.
 */
export function withDocumentId(source: RawRecord, metaId: unknown): RawRecord & { id: string } {
  const own = source.id;
  const id = typeof metaId === "string" && metaId !== "" ? metaId : typeof own === "string" || typeof own === "number" ? String(own) : randomUUID();
  return { ...source, id };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
