import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { type IngestOutcome } from "./event-ingest";

export interface EventFileRejection {
  /** 1-based line in the file. */
  line: number;
  code: string;
  message: string;
}

export interface EventFileSummary {
  accepted: number;
  duplicate: number;
  rejected: number;
  seconds: number;
  /** The first {@link EventFileLoadOptions.keepRejections} rejections, by line. */
  rejections: EventFileRejection[];
}

export interface EventFileLoadOptions {
  /** Sends one batch to `POST /v1/events` (HTTP in the CLI); retries are its business. */
  send: (events: unknown[]) => Promise<IngestOutcome>;
  /** Events per request. @defaultValue 500 */
  batchSize?: number;
  /** Requests in flight. @defaultValue 2 */
  concurrency?: number;
  /** Rejections kept with their line numbers; the rest are only counted (memory stays bounded). @defaultValue 1000 */
  keepRejections?: number;
  /** Called after each batch with the number of lines it covered. */
  onProgress?: (lines: number) => void;
}

/** Lines of an NDJSON file, gunzipped when the name ends in `.gz`. */
export function readLines(path: string): AsyncIterable<string> {
  const input = path.endsWith(".gz") ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  return createInterface({ input, crlfDelay: Infinity });
}

/**
 * Streams an NDJSON events file through the events API in batches, with a bounded number of requests
 * in flight (so memory stays bounded whatever the file's size). A line that is not a JSON object is
 * rejected on the spot with its line number; the API's own rejections are mapped back to their lines.
 */
export async function loadEventsFile(path: string, options: EventFileLoadOptions): Promise<EventFileSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 2;
  const keep = options.keepRejections ?? 1000;
  const summary: EventFileSummary = { accepted: 0, duplicate: 0, rejected: 0, seconds: 0, rejections: [] };
  const reject = (rejection: EventFileRejection) => {
    summary.rejected += 1;
    if (summary.rejections.length < keep) summary.rejections.push(rejection);
  };

  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  const sendBatch = async (events: unknown[], lines: number[], linesCovered: number) => {
    const outcome = await options.send(events);
    for (const item of outcome.items) {
      if (item.status === "accepted") summary.accepted += 1;
      else if (item.status === "duplicate") summary.duplicate += 1;
      else reject({ line: lines[item.position] ?? -1, code: item.error?.code ?? "REJECTED", message: item.error?.message ?? "rejected" });
    }
    options.onProgress?.(linesCovered);
  };
  const schedule = async (events: unknown[], lines: number[], linesCovered: number) => {
    const task = sendBatch(events, lines, linesCovered)
      .catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  let events: unknown[] = [];
  let lines: number[] = [];
  let lineNumber = 0;
  let linesSinceBatch = 0;
  for await (const text of readLines(path)) {
    if (failure !== undefined) break;
    lineNumber += 1;
    linesSinceBatch += 1;
    if (text.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      reject({ line: lineNumber, code: "UNPARSEABLE_LINE", message: "not valid JSON" });
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      reject({ line: lineNumber, code: "UNPARSEABLE_LINE", message: "not a JSON object" });
      continue;
    }
    events.push(parsed);
    lines.push(lineNumber);
    if (events.length >= batchSize) {
      await schedule(events, lines, linesSinceBatch);
      events = [];
      lines = [];
      linesSinceBatch = 0;
    }
  }
  if (events.length > 0 && failure === undefined) await schedule(events, lines, linesSinceBatch);
  else options.onProgress?.(linesSinceBatch);
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  summary.rejections.sort((a, b) => a.line - b.line);
  return summary;
}
