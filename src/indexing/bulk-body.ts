import { ValidationError } from "../errors";
import { isRecord } from "./records";

export type BulkActionName = "index" | "create" | "update" | "delete";
const ACTIONS: readonly BulkActionName[] = ["index", "create", "update", "delete"];

/** A byte range of the request body: one line, without its newline. */
export interface LineSpan {
  start: number;
  end: number;
  /** 1-based line number, for messages. */
  line: number;
}

/** One operation of a bulk body: its parsed action line and where its source line is. */
export interface BulkEntry {
  action: BulkActionName;
  meta: Record<string, unknown>;
  /** 1-based line number of the action line. */
  line: number;
  /** The source line (absent for delete); parsed only when the sidecar needs it. */
  source?: LineSpan;
}

const NEWLINE = 0x0a;

function isBlank(body: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = body[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/** The non-blank lines of an NDJSON buffer, without copying it. */
function* lines(body: Buffer): Generator<LineSpan> {
  let start = 0;
  let line = 0;
  while (start < body.length) {
    const newline = body.indexOf(NEWLINE, start);
    const end = newline < 0 ? body.length : newline;
    line += 1;
    if (!isBlank(body, start, end)) yield { start, end, line };
    start = end + 1;
  }
}

/** One line of the body as text. */
export function lineText(body: Buffer, span: LineSpan): string {
  return body.toString("utf8", span.start, span.end);
}

/**
 * Reads the action lines of a bulk body and pairs each with its source line. A malformed action
 * line makes the pairing of everything after it unknowable, so the whole body is refused (400,
 * naming the line); source lines are not parsed here.
 */
export function parseBulkActions(body: Buffer): BulkEntry[] {
  const entries: BulkEntry[] = [];
  const iterator = lines(body);
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const span = next.value;
    let header: unknown;
    try {
      header = JSON.parse(lineText(body, span));
    } catch (err) {
      throw new ValidationError(`bulk line ${span.line}: the action/metadata line is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    const keys = isRecord(header) ? Object.keys(header) : [];
    const action = ACTIONS.find((name) => name === keys[0]);
    if (!isRecord(header) || keys.length !== 1 || !action) {
      throw new ValidationError(`bulk line ${span.line}: the action/metadata line must be an object with exactly one of ${ACTIONS.join(", ")}`);
    }
    const meta = header[action];
    if (!isRecord(meta)) throw new ValidationError(`bulk line ${span.line}: the ${action} metadata must be an object`);
    if (meta._index !== undefined && typeof meta._index !== "string") throw new ValidationError(`bulk line ${span.line}: _index must be a string`);
    if (meta._id !== undefined && typeof meta._id !== "string" && typeof meta._id !== "number") {
      throw new ValidationError(`bulk line ${span.line}: _id must be a string`);
    }
    if (action === "delete") {
      entries.push({ action, meta, line: span.line });
      continue;
    }
    const source = iterator.next();
    if (source.done) throw new ValidationError(`bulk line ${span.line}: the ${action} action has no source line after it`);
    entries.push({ action, meta, line: span.line, source: source.value });
  }
  return entries;
}

/** The index an operation writes to: its `_index`, else the one in the URL. */
export function targetOf(entry: BulkEntry, pathIndex: string | undefined): string | undefined {
  return typeof entry.meta._index === "string" ? entry.meta._index : pathIndex;
}
