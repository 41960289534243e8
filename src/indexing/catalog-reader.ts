import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { type Readable } from "node:stream";
import { parse } from "csv-parse";
import { type RawRecord } from "./product";

export type CatalogFormat = "csv" | "jsonl";

export interface CatalogReadOptions {
  /** File format. @defaultValue guessed from the file name (`.csv`, `.csv.gz` → csv; otherwise jsonl) */
  format?: CatalogFormat;
  /** Canonical field → source column, e.g. `{ id: "product_uid", title: "product_title" }`. @defaultValue no renaming */
  map?: Readonly<Record<string, string>>;
}

/** A line of the file that could not be read as a record. */
export class CatalogLineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CatalogLineError";
  }
}

export interface CatalogEntry {
  /** 1-based line of the source file (for CSV, the line where the record ends). */
  line: number;
  record?: RawRecord;
  error?: CatalogLineError;
}

/** Parses `id=product_uid,title=product_title` into `{id: "product_uid", title: "product_title"}`. */
export function parseFieldMap(spec: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!spec) return map;
  for (const pair of spec.split(",")) {
    const [field, column, ...rest] = pair.split("=").map((part) => part.trim());
    if (!field || !column || rest.length > 0) {
      throw new Error(`bad --map entry "${pair}": expected field=column`);
    }
    map[field] = column;
  }
  return map;
}

export function guessCatalogFormat(path: string): CatalogFormat {
  return /\.csv(\.gz)?$/i.test(path) ? "csv" : "jsonl";
}

function openText(path: string): Readable {
  const file = createReadStream(path);
  return path.toLowerCase().endsWith(".gz") ? file.pipe(createGunzip()) : file;
}

/** Renames mapped source columns to canonical names; unmapped columns are kept as they are. */
export function applyFieldMap(record: RawRecord, map: Readonly<Record<string, string>>): RawRecord {
  const mappedColumns = new Set(Object.values(map));
  const out: RawRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (!mappedColumns.has(key)) out[key] = value;
  }
  for (const [field, column] of Object.entries(map)) {
    if (column in record) out[field] = record[column];
  }
  return out;
}

/**
 * Some exports escape quotes with a backslash (`"3.5\" fan"`) instead of doubling them (`"3.5"" fan"`);
 * the first 256 KiB of the file tell which.
 */
async function detectCsvEscape(path: string): Promise<string> {
  let sample = "";
  for await (const chunk of openText(path)) {
    sample += String(chunk);
    if (sample.length >= 262_144) break;
  }
  const backslashed = sample.match(/\\"/g)?.length ?? 0;
  const doubled = sample.match(/[^,]""[^,\n]/g)?.length ?? 0;
  return backslashed > doubled ? "\\" : '"';
}

/**
 * Streams a catalog file (CSV with a header row, or JSONL; gzip when the name ends in `.gz`).
 * Unreadable lines are yielded as errors rather than thrown, so one bad line never stops a load.
 */
export async function* readCatalog(path: string, options: CatalogReadOptions = {}): AsyncGenerator<CatalogEntry> {
  const format = options.format ?? guessCatalogFormat(path);
  const map = options.map ?? {};
  if (format === "csv") {
    const skipped: CatalogEntry[] = [];
    const parser = openText(path).pipe(
      parse({
        columns: true,
        bom: true,
        info: true,
        escape: await detectCsvEscape(path),
        trim: true,
        relax_column_count: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_skip: (err: { message: string; lines?: number } | undefined) => {
          if (err) skipped.push({ line: err.lines ?? 0, error: new CatalogLineError(err.lines ?? 0, err.message) });
        },
      }),
    );
    for await (const { record, info } of parser as AsyncIterable<{ record: RawRecord; info: { lines: number } }>) {
      yield* skipped.splice(0);
      yield { line: info.lines, record: applyFieldMap(record, map) };
    }
    yield* skipped.splice(0);
    return;
  }
  const lines = createInterface({ input: openText(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      yield { line, error: new CatalogLineError(line, `invalid JSON (${(err as Error).message})`) };
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      yield { line, error: new CatalogLineError(line, "expected a JSON object") };
      continue;
    }
    yield { line, record: applyFieldMap(parsed as RawRecord, map) };
  }
}
