import { JudgmentCollector, parseGrade, type JudgmentSet } from "./judgment-set";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string {
  return typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
}

/**
 * Parses OpenSearch Search Relevance Workbench judgments:
 * `{"judgmentRatings":[{"query":"...","ratings":[{"docId":"...","rating":"1.000"}]}]}`.
 * Ratings may be numbers or numeric strings. Problems are located by JSON path, since JSON rows have no line.
 */
export function parseSrwJudgments(text: string, source: string): JudgmentSet {
  const collector = new JudgmentCollector(source, "srw");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    collector.problem("file", `invalid JSON (${(err as Error).message})`);
    return collector.finish();
  }
  if (!isObject(doc) || !Array.isArray(doc.judgmentRatings)) {
    collector.problem("file", 'expected an object with a "judgmentRatings" array');
    return collector.finish();
  }
  doc.judgmentRatings.forEach((entry: unknown, i) => {
    const where = `judgmentRatings[${i}]`;
    if (!isObject(entry) || asText(entry.query) === "" || !Array.isArray(entry.ratings)) {
      collector.problem(where, 'expected {"query": non-empty text, "ratings": [...]}');
      return;
    }
    const query = asText(entry.query);
    entry.ratings.forEach((rating: unknown, j) => {
      const at = `${where}.ratings[${j}]`;
      const docId = isObject(rating) ? asText(rating.docId) : "";
      const grade = isObject(rating) ? parseGrade(rating.rating) : undefined;
      if (docId === "") collector.problem(at, "missing docId");
      else if (grade === undefined) collector.problem(at, `rating ${JSON.stringify(isObject(rating) ? rating.rating : rating)} is not a number ≥ 0`);
      else collector.add(at, query, undefined, docId, grade);
    });
  });
  return collector.finish();
}
