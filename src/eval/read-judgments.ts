import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parseCsvJudgments } from "./csv-judgments";
import { JudgmentFileError } from "./errors";
import { type JudgmentFormat, type JudgmentSet } from "./judgment-set";
import { parseSrwJudgments } from "./srw-judgments";
import { parseTrecQrels } from "./trec-qrels";

export const JUDGMENT_FORMATS: readonly JudgmentFormat[] = ["csv", "srw", "trec"];

/** Picks the format from the extension, else from the content: `{` → SRW JSON, a comma header → CSV, else qrels. */
export function detectJudgmentFormat(path: string, text: string): JudgmentFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".json") return "srw";
  if (ext === ".csv") return "csv";
  if (ext === ".qrels") return "trec";
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (start.startsWith("{")) return "srw";
  const firstLine = start.split(/\r?\n/, 1)[0] ?? "";
  return firstLine.includes(",") ? "csv" : "trec";
}

export function parseJudgments(text: string, format: JudgmentFormat, source: string): JudgmentSet {
  switch (format) {
    case "csv":
      return parseCsvJudgments(text, source);
    case "srw":
      return parseSrwJudgments(text, source);
    case "trec":
      return parseTrecQrels(text, source);
  }
}

/** Reads a judgment file (format detected unless given). @throws JudgmentFileError listing malformed rows. */
export async function readJudgments(path: string, format?: JudgmentFormat): Promise<JudgmentSet> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new JudgmentFileError(path, [{ where: "file", message: reason }]);
  }
  return parseJudgments(text, format ?? detectJudgmentFormat(path, text), path);
}
