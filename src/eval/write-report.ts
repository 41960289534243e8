import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Evaluation } from "./evaluation";
import { buildHtmlReport } from "./html-report";
import { buildResultsDocument, type EvalRunConfig } from "./results-file";

/** Writes `results.json` and `report.html` into `dir` (created if needed). @returns the two paths. */
export async function writeReport(dir: string, evaluation: Evaluation, config: EvalRunConfig): Promise<{ results: string; report: string }> {
  await mkdir(dir, { recursive: true });
  const results = join(dir, "results.json");
  const report = join(dir, "report.html");
  await writeFile(results, `${JSON.stringify(buildResultsDocument(evaluation, config), null, 2)}\n`);
  await writeFile(report, buildHtmlReport(evaluation, config));
  return { results, report };
}
