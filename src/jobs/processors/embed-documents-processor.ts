import { indexesBehindAlias } from "../../opensearch";
import { BatchWriter } from "../batch-writer";
import { DocumentScan, type ScannedDocument } from "../document-scan";
import { ReindexError } from "../job-errors";
import { JobInterrupted, type JobContext, type JobProcessor } from "../job-processor";
import { type JobServices } from "../job-services";
import { type DocumentSelection, type EmbedDocumentsCheckpoint, type EmbedDocumentsJobData, type EmbedDocumentsResult } from "../job-types";
import { countDocuments, indexModelVersion, liveIndex, notOnVersion, refreshIndex } from "../versioned-indexes";

/**
 * `embed-documents`: re-embeds documents in place in the alias's live index with the version that index
 * carries — stored ones chosen by ids, a query or staleness (read in `id` order with a PIT), or the
 * documents an async enrichment carried in the job. Each batch is checkpointed (cursor or position,
 * counts), so a resumed run repeats at most one batch, which writes the same documents again. Documents
 * already stored with the same content hash and version are skipped unless `force`.
 */
export class EmbedDocumentsProcessor implements JobProcessor<"embed-documents"> {
  readonly type = "embed-documents" as const;
  readonly #services: JobServices;

  constructor(services: JobServices) {
    this.#services = services;
  }

  async run(data: EmbedDocumentsJobData, context: JobContext<"embed-documents">): Promise<EmbedDocumentsResult> {
    const { gateway, batchSize, timeoutMs } = this.#services;
    const began = Date.now();
    let checkpoint = context.checkpoint ?? (await this.#plan(data));
    if (!context.checkpoint) await context.save(checkpoint);
    const start = checkpoint;
    const version = checkpoint.modelVersion;
    if (version === null) throw new ReindexError(`${checkpoint.index} carries no embedding model version (no _meta, no embedded document): nothing to embed with`);
    const embedder = await this.#services.embedder(version);
    const writer = new BatchWriter(gateway, { target: checkpoint.index, embedder, timeoutMs });
    const skip = data.force ? "none" : "unchanged";

    const commit = async (next: EmbedDocumentsCheckpoint): Promise<void> => {
      checkpoint = next;
      await context.save(next);
      await context.progress({ phase: "embed", done: next.embedded + next.unchanged, total: Math.max(next.total, next.embedded + next.unchanged) });
      if (context.shouldStop()) throw new JobInterrupted(`embed-documents ${context.id} stopped after ${next.embedded + next.unchanged} documents`);
    };
    const written = async (documents: readonly ScannedDocument[]) => writer.write(documents, skip);

    const selection = data.selection;
    if ("documents" in selection) {
      for (let position = checkpoint.position; position < selection.documents.length; position += batchSize) {
        const batch = selection.documents.slice(position, position + batchSize).map((source) => ({ id: String(source.id), source }));
        const outcome = await written(batch);
        await commit({ ...checkpoint, position: position + batch.length, embedded: checkpoint.embedded + outcome.written, unchanged: checkpoint.unchanged + outcome.skipped });
      }
    } else {
      await refreshIndex(gateway, checkpoint.index);
      const reader = new DocumentScan(gateway, { index: checkpoint.index, size: batchSize, timeoutMs, query: selectionQuery(selection, version) });
      for await (const page of reader.pages(checkpoint.after)) {
        const outcome = await written(page.documents);
        await commit({ ...checkpoint, after: page.last, embedded: checkpoint.embedded + outcome.written, unchanged: checkpoint.unchanged + outcome.skipped });
      }
    }
    const seconds = (Date.now() - began) / 1000;
    const thisRun = checkpoint.embedded + checkpoint.unchanged - (start.embedded + start.unchanged);
    return {
      alias: data.alias,
      index: checkpoint.index,
      modelVersion: version,
      total: Math.max(checkpoint.total, checkpoint.embedded + checkpoint.unchanged),
      embedded: checkpoint.embedded,
      unchanged: checkpoint.unchanged,
      seconds,
      docsPerSecond: seconds > 0 ? Math.round((thisRun / seconds) * 10) / 10 : 0,
    };
  }

  /** The first checkpoint: the concrete index written, its model version and the documents selected. */
  async #plan(data: EmbedDocumentsJobData): Promise<EmbedDocumentsCheckpoint> {
    const { gateway } = this.#services;
    const index = (await liveIndex(gateway, data.alias)) ?? (await concreteIndex(gateway, data.alias));
    if (!index) throw new ReindexError(`${data.alias} must be an index or an alias pointing at exactly one index`);
    const modelVersion = await indexModelVersion(gateway, index);
    const selection = data.selection;
    let total: number;
    if ("documents" in selection) total = selection.documents.length;
    else {
      await refreshIndex(gateway, index);
      total = modelVersion === null ? 0 : await countDocuments(gateway, index, selectionQuery(selection, modelVersion));
    }
    return { after: null, position: 0, index, modelVersion, embedded: 0, unchanged: 0, total };
  }
}

/** The OpenSearch query of a stored-documents selection. */
function selectionQuery(selection: Exclude<DocumentSelection, { documents: unknown }>, version: string): Record<string, unknown> {
  if ("ids" in selection) return { ids: { values: selection.ids } };
  if ("stale" in selection) return notOnVersion(version);
  // The caller's query only filters: scoring is not needed and the scan sorts on id.
  return { bool: { filter: [selection.query] } };
}

/** `name` itself when it is an index (not an alias), else null. */
async function concreteIndex(gateway: JobServices["gateway"], name: string): Promise<string | null> {
  if ((await indexesBehindAlias(gateway, name)).length > 0) return null;
  const response = await gateway.request("HEAD", `/${encodeURIComponent(name)}`, undefined, { ignore: [404], timeoutMs: 10_000, retries: 1 });
  return response.statusCode === 200 ? name : null;
}
