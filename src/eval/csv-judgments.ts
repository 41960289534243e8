import { parse } from "csv-parse/sync";
import { CsvError } from "csv-parse";
import { JudgmentCollector, parseGrade, type JudgmentGroup, type JudgmentSet } from "./judgment-set";

const REQUIRED = ["query", "doc_id", "grade"] as const;

/** What csv-parse yields with `info: true`; its typings only describe the plain form. */
interface RecordWithInfo {
  record: string[];
  info: { lines: number };
}

/** Parses our CSV judgment format: header `query,doc_id,grade` plus an optional `user_id` column, any order. */
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
  const [queryAt, docAt, gradeAt, userAt] = [at("query"), at("doc_id"), at("grade"), at("user_id")];

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
    if (query !== "" && docId !== "" && grade !== undefined) collector.add(where, query, userId, docId, grade);
  }
  return collector.finish();
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes groups in our CSV format; the `user_id` column appears only when some group has a user. */
export function formatCsvJudgments(groups: readonly JudgmentGroup[]): string {
  const withUser = groups.some((g) => g.userId !== undefined);
  const lines = [withUser ? "query,doc_id,grade,user_id" : "query,doc_id,grade"];
  for (const group of groups) {
    for (const [docId, grade] of group.grades) {
      const fields = [group.query, docId, String(grade)];
      if (withUser) fields.push(group.userId ?? "");
      lines.push(fields.map(csvField).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
