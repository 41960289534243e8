import { type BulkResponseBody } from "../indexing";
import { type OpenSearchGateway } from "../opensearch";
import { DocumentScan } from "./document-scan";
import { ReindexError } from "./job-errors";
import { withBackoff } from "./opensearch-backoff";
import { countDocuments, refreshIndex } from "./versioned-indexes";

export interface PruneOptions {
  /** The index the alias points at (deletes reach it through the alias). */
  source: string;
  /** The index being built. */
  target: string;
  batchSize: number;
  timeoutMs: number;
}

/**
 * Carries deletes over from the source to the target of a reindex: every target id the source no longer
 * holds is deleted from the target. After the copy and the catch-up the target holds every source
 * document, so a target larger than the source means deletes; an equal count means none (the scan is
 * then skipped). Idempotent: a repeated run finds nothing more to delete. Resolves with the documents deleted.
 */
export async function pruneDeleted(gateway: OpenSearchGateway, options: PruneOptions): Promise<number> {
  await refreshIndex(gateway, options.source);
  await refreshIndex(gateway, options.target);
  const [sourceCount, targetCount] = await Promise.all([countDocuments(gateway, options.source), countDocuments(gateway, options.target)]);
  if (targetCount <= sourceCount) return 0;
  const reader = new DocumentScan(gateway, { index: options.target, size: options.batchSize, timeoutMs: options.timeoutMs, source: "none" });
  let deleted = 0;
  for await (const page of reader.pages(null)) {
    const gone = await missingFrom(gateway, options.source, page.documents.map((doc) => doc.id), options.timeoutMs);
    deleted += await deleteIds(gateway, options.target, gone, options.timeoutMs);
  }
  if (deleted > 0) await refreshIndex(gateway, options.target);
  return deleted;
}

/** The ids `index` does not hold (real-time `_mget`, no source read). */
async function missingFrom(gateway: OpenSearchGateway, index: string, ids: readonly string[], timeoutMs: number): Promise<string[]> {
  const response = await withBackoff(() =>
    gateway.request<{ docs?: { _id: string; found?: boolean }[] }>("POST", `/${encodeURIComponent(index)}/_mget`, { ids }, {
      querystring: { _source: false, realtime: true },
      timeoutMs,
      retries: 1,
    }),
  );
  return (response.body.docs ?? []).filter((doc) => doc.found !== true).map((doc) => doc._id);
}

async function deleteIds(gateway: OpenSearchGateway, index: string, ids: readonly string[], timeoutMs: number): Promise<number> {
  if (ids.length === 0) return 0;
  const lines = ids.map((id) => ({ delete: { _index: index, _id: id } }));
  const response = await withBackoff(() => gateway.request<BulkResponseBody>("POST", "/_bulk", lines, { timeoutMs }));
  let deleted = 0;
  response.body.items.forEach((item, i) => {
    const result = item.delete;
    if (result?.error && result.status !== 404) throw new ReindexError(`deleting ${ids[i] ?? "?"} from ${index} failed: ${result.error.type}: ${result.error.reason ?? ""}`);
    if (result?.status === 200) deleted += 1;
  });
  return deleted;
}
