import { JudgmentCollector, type JudgmentSet } from "./judgment-set";

/**
 * Parses TREC qrels: `qid iteration docno rel`, whitespace separated; the qid doubles as the query text.
 * Negative relevance (spam/junk labels in some collections) is read as 0, i.e. judged not relevant, as
 * trec_eval treats anything below the relevance level; the count is returned as a warning.
 */
export function parseTrecQrels(text: string, source: string): JudgmentSet {
  const collector = new JudgmentCollector(source, "trec");
  let negatives = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `line ${i + 1}`;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    if (fields.length !== 4) {
      collector.problem(where, `expected 4 fields "qid iteration docno rel", found ${fields.length}`);
      return;
    }
    const [qid = "", , docno = "", rawRel = ""] = fields;
    const rel = Number(rawRel);
    if (!Number.isFinite(rel)) {
      collector.problem(where, `relevance ${JSON.stringify(rawRel)} is not a number`);
      return;
    }
    if (rel < 0) negatives += 1;
    collector.add(where, qid, undefined, docno, Math.max(0, rel));
  });
  if (negatives > 0) collector.warn(`${negatives} negative relevance value(s) read as 0 (judged not relevant)`);
  return collector.finish();
}
