import { JudgmentFileError, type JudgmentProblem } from "./errors";

export type JudgmentFormat = "csv" | "srw" | "trec";

/** All judgments for one query as seen by one user (or by nobody in particular). */
export interface JudgmentGroup {
  readonly query: string;
  /** Set when the rows carry a `user_id`: the query is then searched as that user. */
  readonly userId?: string;
  /** doc id → grade (a number ≥ 0; 0 means judged not relevant). */
  readonly grades: ReadonlyMap<string, number>;
  /** Doc ids whose row is synthetic (made by the synthetic data engine, see `synthetic-judgments.ts`); absent when none. */
  readonly syntheticDocs?: ReadonlySet<string>;
}

export interface JudgmentSet {
  readonly source: string;
  readonly format: JudgmentFormat;
  /** Groups in order of first appearance in the file. */
  readonly groups: readonly JudgmentGroup[];
  /** Judgment rows read, duplicates included. */
  readonly rows: number;
  /** Rows whose (query, user_id, doc_id) had been seen before; the later row wins. */
  readonly duplicates: number;
  /** Human-readable notes about rows that were read but adjusted (duplicates, clamped grades). */
  readonly warnings: readonly string[];
}

interface MutableGroup {
  query: string;
  userId: string | undefined;
  grades: Map<string, number>;
  syntheticDocs: Set<string>;
  /** doc id → where the kept row came from, for duplicate warnings. */
  seenAt: Map<string, string>;
}

/** Reads a grade written as a number or numeric string (SRW writes `"100.000"`). */
export function parseGrade(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  const value = Number(raw.trim());
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Collects rows from any reader into groups keyed by (query, user_id), checks them and reports
 * problems all at once. Duplicate (query, user_id, doc_id) rows: the LAST one wins, since a later
 * row in a hand-edited or appended file is usually a correction; each duplicate is warned about.
 */
export class JudgmentCollector {
  private readonly groups = new Map<string, MutableGroup>();
  private readonly problems: JudgmentProblem[] = [];
  private readonly warnings: string[] = [];
  private rows = 0;
  private duplicates = 0;

  constructor(
    private readonly source: string,
    private readonly format: JudgmentFormat,
  ) {}

  problem(where: string, message: string): void {
    this.problems.push({ where, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** `synthetic`: the row was made by the synthetic data engine (a later row of the same doc decides, as for its grade). */
  add(where: string, query: string, userId: string | undefined, docId: string, grade: number, synthetic = false): void {
    this.rows += 1;
    const key = JSON.stringify([query, userId ?? null]);
    let group = this.groups.get(key);
    if (!group) {
      group = { query, userId, grades: new Map(), syntheticDocs: new Set(), seenAt: new Map() };
      this.groups.set(key, group);
    }
    const earlier = group.seenAt.get(docId);
    if (earlier !== undefined) {
      this.duplicates += 1;
      const who = userId === undefined ? "" : `, user_id ${JSON.stringify(userId)}`;
      this.warnings.push(
        `${where}: duplicate judgment for query ${JSON.stringify(query)}${who}, doc ${JSON.stringify(docId)} ` +
          `(also at ${earlier}); keeping the later grade ${grade}`,
      );
    }
    group.grades.set(docId, grade);
    if (synthetic) group.syntheticDocs.add(docId);
    else group.syntheticDocs.delete(docId);
    group.seenAt.set(docId, where);
  }

  /** @throws JudgmentFileError when any row was malformed or the file held no judgments. */
  finish(): JudgmentSet {
    if (this.problems.length > 0) throw new JudgmentFileError(this.source, this.problems);
    if (this.rows === 0) throw new JudgmentFileError(this.source, [{ where: "file", message: "no judgments found" }]);
    const groups: JudgmentGroup[] = [...this.groups.values()].map((g) => ({
      query: g.query,
      ...(g.userId === undefined ? {} : { userId: g.userId }),
      grades: g.grades,
      ...(g.syntheticDocs.size > 0 ? { syntheticDocs: g.syntheticDocs } : {}),
    }));
    return {
      source: this.source,
      format: this.format,
      groups,
      rows: this.rows,
      duplicates: this.duplicates,
      warnings: [...this.warnings],
    };
  }
}

/** Keeps groups with at least `minJudgments` judged docs (the Home Depot protocol uses 5). */
export function filterByMinJudgments(groups: readonly JudgmentGroup[], minJudgments: number): JudgmentGroup[] {
  return groups.filter((g) => g.grades.size >= minJudgments);
}
