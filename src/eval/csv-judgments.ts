import { parse } from "csv-parse/sync";
import { CsvError } from "csv-parse";
import { JudgmentCollector, parseGrade, type JudgmentGroup, type JudgmentSet } from "./judgment-set";
import { isSyntheticFlag, isSyntheticUser } from "./synthetic-judgments";

const REQUIRED = ["query", "doc_id", "grade"] as const;

/** What csv-parse yields with `info: true`; its typings only describe the plain form. */
interface RecordWithInfo {
  record: string[];
  info: { lines: number };
}

/**
 * Parses our CSV judgment format: header `query,doc_id,grade` plus optional `user_id` and `synthetic`
 * columns, any order. A row is synthetic when its `synthetic` is true/1/yes or its user is one of the
 * session simulator's (`syn-<seed>-<n>`).
 */
export function parseCsvJudgments(text: string, source: string): JudgmentSet {
  const collector = new JudgmentCollector(source, "csv");
  let records: RecordWithInfo[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as RecordWithInfo[];
  } catch (err) {
    const line = err instanceof CsvError && typeof err.lines === "number" ? `line ${err.lines}` : "file";
    collector.problem(line, `unreadable CSV (${(err as Error).message})`);
    return collector.finish();
  }
  const [header, ...rows] = records;
  if (!header) return collector.finish();
  const columns = header.record.map((name) => name.trim().toLowerCase());
  const missing = REQUIRED.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    collector.problem(`line ${header.info.lines}`, `header lacks column(s) ${missing.join(", ")}; expected query,doc_id,grade[,user_id]`);
    return collector.finish();
  }
  const at = (name: string): number => columns.indexOf(name);
  const [queryAt, docAt, gradeAt, userAt, syntheticAt] = [at("query"), at("doc_id"), at("grade"), at("user_id"), at("synthetic")];

  for (const { record, info } of rows) {
    const where = `line ${info.lines}`;
    if (record.length < columns.length) {
      collector.problem(where, `expected ${columns.length} columns, found ${record.length}`);
      continue;
    }
    const query = record[queryAt]?.trim() ?? "";
    const docId = record[docAt]?.trim() ?? "";
    const rawGrade = record[gradeAt] ?? "";
    const userId = userAt >= 0 ? record[userAt]?.trim() || undefined : undefined;
    if (query === "") collector.problem(where, "empty query");
    if (docId === "") collector.problem(where, "empty doc_id");
    const grade = parseGrade(rawGrade);
    if (grade === undefined) collector.problem(where, `grade ${JSON.stringify(rawGrade)} is not a number ≥ 0`);
    const synthetic = (syntheticAt >= 0 && isSyntheticFlag(record[syntheticAt] ?? "")) || (userId !== undefined && isSyntheticUser(userId));
    if (query !== "" && docId !== "" && grade !== undefined) collector.add(where, query, userId, docId, grade, synthetic);
  }
  return collector.finish();
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes groups in our CSV format; the `user_id` and `synthetic` columns appear only when some group has a user / a synthetic row. */
export function formatCsvJudgments(groups: readonly JudgmentGroup[]): string {
  const withUser = groups.some((g) => g.userId !== undefined);
  const withSynthetic = groups.some((g) => (g.syntheticDocs?.size ?? 0) > 0);
  const lines = [["query,doc_id,grade", ...(withUser ? ["user_id"] : []), ...(withSynthetic ? ["synthetic"] : [])].join(",")];
  for (const group of groups) {
    for (const [docId, grade] of group.grades) {
      const fields = [group.query, docId, String(grade)];
      if (withUser) fields.push(group.userId ?? "");
      if (withSynthetic) fields.push(group.syntheticDocs?.has(docId) ? "true" : "false");
      lines.push(fields.map(csvField).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
