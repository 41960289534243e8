import { readCatalog, type CatalogReadOptions } from "./catalog-reader";
import { type EnrichOutcome } from "./enrich-service";
import { type RawRecord } from "./product";

export interface LoadFailure {
  /** Line (JSONL) or record number (CSV) in the source file. */
  line: number;
  id: string | null;
  message: string;
}

/** The answer of `POST /v1/enrich` with `"async": true`: the batch is queued as an `embed-documents` job. */
export interface QueuedBatch {
  /** Null when no document of the batch was valid (nothing queued). */
  job_id: string | null;
  index: string;
  counts: { queued: number; failed: number };
  /** The documents refused at once (validation), with their positions. */
  items: EnrichOutcome["items"];
}

export interface LoadSummary {
  loaded: number;
  /** Documents handed to the queue (`--async`): embedded and written later by `relevance worker`. */
  queued: number;
  /** The jobs that carry them. */
  jobs: string[];
  unchanged: number;
  failed: number;
  seconds: number;
  failures: LoadFailure[];
}

export interface CatalogLoadOptions extends CatalogReadOptions {
  /** Documents per enrich request. @defaultValue 500 */
  batchSize?: number;
  /** Enrich requests in flight at once. @defaultValue 2 */
  concurrency?: number;
  /** Sends one batch through the enrichment path (HTTP in the CLI). */
  send: (documents: RawRecord[]) => Promise<EnrichOutcome | QueuedBatch>;
  /** Stop after this many records. @defaultValue every record */
  limit?: number;
  /** Called after each batch with the number of records it held. */
  onProgress?: (records: number) => void;
}

/**
 * Streams a catalog file through the sidecar's enrichment path in batches. Every record ends up
 * counted as loaded, unchanged, failed or (queued batches) queued; failures keep their source line so they can be fixed.
 */
export async function loadCatalog(path: string, options: CatalogLoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 2;
  const summary: LoadSummary = { loaded: 0, queued: 0, jobs: [], unchanged: 0, failed: 0, seconds: 0, failures: [] };
  const inFlight = new Set<Promise<void>>();

  const sendBatch = async (records: RawRecord[], lines: number[]) => {
    const outcome = await options.send(records);
    if ("job_id" in outcome) {
      summary.queued += outcome.counts.queued;
      if (outcome.job_id !== null) summary.jobs.push(outcome.job_id);
    }
    for (const item of outcome.items) {
      if (item.status === "failed") {
        summary.failed += 1;
        summary.failures.push({ line: lines[item.position] ?? -1, id: item.id, message: item.error?.message ?? "failed" });
      } else if (item.status === "unchanged") {
        summary.unchanged += 1;
      } else {
        summary.loaded += 1;
      }
    }
    options.onProgress?.(records.length);
  };

  const schedule = async (records: RawRecord[], lines: number[]) => {
    const task = sendBatch(records, lines).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  let records: RawRecord[] = [];
  let lines: number[] = [];
  let seen = 0;
  for await (const entry of readCatalog(path, options)) {
    if (options.limit !== undefined && seen >= options.limit) break;
    seen += 1;
    if (entry.error || !entry.record) {
      summary.failed += 1;
      summary.failures.push({ line: entry.line, id: null, message: entry.error?.message ?? "unreadable" });
      continue;
    }
    records.push(entry.record);
    lines.push(entry.line);
    if (records.length >= batchSize) {
      await schedule(records, lines);
      records = [];
      lines = [];
    }
  }
  if (records.length > 0) await schedule(records, lines);
  await Promise.all(inFlight);
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  summary.failures.sort((a, b) => a.line - b.line);
  return summary;
}
