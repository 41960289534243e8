import { createWriteStream } from "node:fs";
import { z } from "zod";
import { readLines } from "../events";
import { type LabeledRerankList, type RerankCandidate } from "../model";

/** A candidate as the lists file keeps it: `synthetic` marks a generated row (never a real interaction). */
export interface StoredRerankCandidate extends RerankCandidate {
  synthetic?: boolean;
}

/** A labeled list as the lists file keeps it. */
export interface StoredRerankList extends LabeledRerankList {
  candidates: readonly StoredRerankCandidate[];
}

/** What the first line says about every list below it. */
export interface RerankListsHeader {
  featureNames: readonly string[];
  /** D of every embedding in the file. */
  dimension: number;
  /** The embedding model the candidates came from. */
  embeddings: { model: string; version: string } | null;
  /** Pipeline whose features the lists carry. */
  pipeline: string;
}

export interface RerankListsFile extends RerankListsHeader {
  lists: StoredRerankList[];
}

const LISTS_FILE_FORMAT = "relevance-rerank-lists/1";

/** A line holds one list with ~100 candidate embeddings; far above that is not a lists file. */
const MAX_LINE_CHARS = 32 * 1024 * 1024;
const MAX_CANDIDATES = 10_000;

const HeaderSchema = z.strictObject({
  format: z.literal(LISTS_FILE_FORMAT),
  feature_names: z.array(z.string().min(1).max(200)).min(1).max(1000),
  dimension: z.number().int().positive().max(10_000),
  embeddings: z.strictObject({ model: z.string(), version: z.string() }).nullable(),
  pipeline: z.string().max(100),
});

const vector = z.array(z.number());

const ListSchema = z.strictObject({
  group: z.string().max(10_000).optional(),
  query_embedding: vector.nullable(),
  history: z.array(z.strictObject({ embedding: vector.nullable(), weight: z.number() })).max(10_000),
  candidates: z.array(z.strictObject({ features: vector, embedding: vector.nullable(), synthetic: z.boolean().optional() })).max(MAX_CANDIDATES),
  labels: z.array(z.number().min(0)).max(MAX_CANDIDATES),
});

export class ListsFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    message: string,
  ) {
    super(`${path}:${line}: ${message}`);
    this.name = "ListsFileError";
  }
}

const plain = (values: ArrayLike<number> | null | undefined): number[] | null => (values ? Array.from(values) : null);

/** One list as its NDJSON line. */
function listLine(list: StoredRerankList): string {
  return JSON.stringify({
    ...(list.group !== undefined ? { group: list.group } : {}),
    query_embedding: plain(list.queryEmbedding),
    history: (list.history ?? []).map((h) => ({ embedding: plain(h.embedding), weight: h.weight ?? 1 })),
    candidates: list.candidates.map((c) => ({ features: Array.from(c.features), embedding: plain(c.embedding), ...(c.synthetic ? { synthetic: true } : {}) })),
    labels: [...list.labels],
  });
}

/**
 * Writes the lists as NDJSON: a header line (format, feature names, D, embedding model, pipeline), then
 * one list per line with raw features, embeddings, history and labels — everything training reads, so
 * a run can train again without asking the sidecar.
 */
export async function writeListsFile(path: string, header: RerankListsHeader, lists: Iterable<StoredRerankList>): Promise<number> {
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  let written = 0;
  await write(JSON.stringify({ format: LISTS_FILE_FORMAT, feature_names: [...header.featureNames], dimension: header.dimension, embeddings: header.embeddings, pipeline: header.pipeline }));
  for (const list of lists) {
    await write(listLine(list));
    written++;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return written;
}

function parseLine<T>(path: string, line: number, text: string, schema: z.ZodType<T>): T {
  if (text.length > MAX_LINE_CHARS) throw new ListsFileError(path, line, `line longer than ${MAX_LINE_CHARS} characters`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ListsFileError(path, line, "not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ListsFileError(path, line, `${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export interface ReadListsOptions {
  /** Keep the query, candidate and history embeddings; false drops them line by line (features and labels only, a fraction of the memory). @defaultValue true */
  embeddings?: boolean;
}

/** Reads a file written by {@link writeListsFile} (`.gz` accepted). @throws ListsFileError naming the line and what is wrong. */
export async function readListsFile(path: string, options: ReadListsOptions = {}): Promise<RerankListsFile> {
  const keepEmbeddings = options.embeddings ?? true;
  let header: z.infer<typeof HeaderSchema> | null = null;
  const lists: StoredRerankList[] = [];
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    if (text.trim() === "") continue;
    if (header === null) {
      header = parseLine(path, line, text, HeaderSchema);
      continue;
    }
    const raw = parseLine(path, line, text, ListSchema);
    const f = header.feature_names.length;
    const d = header.dimension;
    if (raw.labels.length !== raw.candidates.length) throw new ListsFileError(path, line, `${raw.candidates.length} candidates but ${raw.labels.length} labels`);
    if (raw.query_embedding && raw.query_embedding.length !== d) throw new ListsFileError(path, line, `query_embedding has ${raw.query_embedding.length} values, the header says ${d}`);
    raw.candidates.forEach((c, i) => {
      if (c.features.length !== f) throw new ListsFileError(path, line, `candidate ${i} has ${c.features.length} features, the header names ${f}`);
      if (c.embedding && c.embedding.length !== d) throw new ListsFileError(path, line, `candidate ${i}'s embedding has ${c.embedding.length} values, the header says ${d}`);
    });
    raw.history.forEach((h, i) => {
      if (h.embedding && h.embedding.length !== d) throw new ListsFileError(path, line, `history item ${i}'s embedding has ${h.embedding.length} values, the header says ${d}`);
    });
    const synthetic = raw.candidates.some((c) => c.synthetic === true);
    lists.push({
      ...(raw.group !== undefined ? { group: raw.group } : {}),
      queryEmbedding: keepEmbeddings ? raw.query_embedding : null,
      history: keepEmbeddings ? raw.history : [],
      candidates: raw.candidates.map((c) => ({ features: c.features, embedding: keepEmbeddings ? c.embedding : null, ...(c.synthetic ? { synthetic: true } : {}) })),
      labels: raw.labels,
      ...(synthetic ? { synthetic: true } : {}),
    });
  }
  if (header === null) throw new ListsFileError(path, Math.max(1, line), `empty: no header line (${LISTS_FILE_FORMAT})`);
  return { featureNames: header.feature_names, dimension: header.dimension, embeddings: header.embeddings, pipeline: header.pipeline, lists };
}

/** Which generated rows training keeps. */
export type SyntheticRows = "include" | "exclude" | "only";

/**
 * `include`: every list; `exclude`: generated candidates removed (a list left without a positive is
 * dropped); `only`: trained on the lists that hold generated rows alone (their negatives are real
 * retrieval candidates — a generated positive needs something to be ranked against), the real lists
 * kept for validation only, so the metrics are train-on-synthetic, test-on-real (TSTR).
 */
export function selectSyntheticRows(lists: readonly StoredRerankList[], mode: SyntheticRows): StoredRerankList[] {
  if (mode === "include") return [...lists];
  if (mode === "only") return lists.map((list) => (list.synthetic === true ? list : { ...list, validationOnly: true }));
  const kept: StoredRerankList[] = [];
  for (const list of lists) {
    if (list.synthetic !== true) {
      kept.push(list);
      continue;
    }
    const keep = list.candidates.map((c) => c.synthetic !== true);
    const candidates = list.candidates.filter((_, i) => keep[i]);
    const labels = list.labels.filter((_, i) => keep[i]);
    if (!labels.some((g) => g > 0)) continue;
    const real: StoredRerankList = { ...list, candidates, labels };
    delete real.synthetic;
    kept.push(real);
  }
  return kept;
}
