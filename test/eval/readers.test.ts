import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  JudgmentFileError,
  detectJudgmentFormat,
  filterByMinJudgments,
  formatCsvJudgments,
  parseJudgments,
  readJudgments,
  splitJudgments,
  type JudgmentSet,
} from "../../src/eval";

const SHARED = join(__dirname, "..", "..", "..", "shared", "datasets");
const SRW_FILE = join(SHARED, "esci-judgments", "esci_us_judgments.json");
const HOMEDEPOT_FILE = join(SHARED, "homedepot", "judgments-dev.csv");

function problemsOf(fn: () => unknown): { where: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof JudgmentFileError, `expected JudgmentFileError, got ${String(err)}`);
    return [...err.problems];
  }
  assert.fail("expected a JudgmentFileError");
}

const csv = (text: string): JudgmentSet => parseJudgments(text, "csv", "test.csv");

describe("eval judgment readers", () => {
  describe("CSV", () => {
    it("groups rows by (query, user_id) in file order, columns in any order", () => {
      const set = csv('doc_id,grade,query,user_id\nd1,2,shoes,\nd2,0,shoes,\nd1,1,shoes,u7\nd3,1.5,"socks, wool",\n');
      assert.equal(set.format, "csv");
      assert.equal(set.rows, 4);
      assert.deepEqual(
        set.groups.map((g) => [g.query, g.userId, [...g.grades]]),
        [
          ["shoes", undefined, [["d1", 2], ["d2", 0]]],
          ["shoes", "u7", [["d1", 1]]],
          ["socks, wool", undefined, [["d3", 1.5]]],
        ],
      );
    });

    it("reports every malformed row with its line number", () => {
      const problems = problemsOf(() => csv("query,doc_id,grade\nq,d1,1\nq,d2,abc\nq,d3,-1\nq,d4\n,d5,1\n"));
      assert.deepEqual(
        problems.map((p) => p.where),
        ["line 3", "line 4", "line 5", "line 6"],
      );
      assert.match(problems[0]?.message ?? "", /grade "abc" is not a number ≥ 0/);
      assert.match(problems[2]?.message ?? "", /expected 3 columns, found 2/);
      assert.match(problems[3]?.message ?? "", /empty query/);
    });

    it("puts the first problems and their lines in the error message", () => {
      assert.throws(() => csv("query,doc_id,grade\nq,d1,x\n"), /test\.csv: line 2: grade "x"/);
    });

    it("rejects a header without the required columns", () => {
      const problems = problemsOf(() => csv("query,doc,grade\nq,d1,1\n"));
      assert.equal(problems[0]?.where, "line 1");
      assert.match(problems[0]?.message ?? "", /lacks column\(s\) doc_id/);
    });

    it("rejects a file with a header but no rows", () => {
      assert.match(problemsOf(() => csv("query,doc_id,grade\n"))[0]?.message ?? "", /no judgments/);
    });

    it("keeps the later of duplicate (query, user_id, doc_id) rows and warns about each", () => {
      const set = csv("query,doc_id,grade,user_id\nq,d1,1,\nq,d1,3,\nq,d1,2,u1\nq,d2,0,\nq,d1,0,\n");
      assert.equal(set.duplicates, 2);
      assert.equal(set.rows, 5);
      assert.equal(set.groups[0]?.grades.get("d1"), 0);
      assert.equal(set.groups[1]?.grades.get("d1"), 2, "another user's row is not a duplicate");
      assert.equal(set.warnings.length, 2);
      assert.match(set.warnings[0] ?? "", /^line 3: duplicate .*"d1" \(also at line 2\); keeping the later grade 3/);
      assert.match(set.warnings[1] ?? "", /^line 6: .*also at line 3/);
    });

    it("writes CSV that reads back to the same groups", () => {
      const set = csv('query,doc_id,grade,user_id\n"say ""hi"", now",d1,2,u1\nplain,d2,0.5,\n');
      const again = csv(formatCsvJudgments(set.groups));
      assert.deepEqual(again.groups, set.groups);
    });
  });

  describe("Search Relevance Workbench JSON", () => {
    it("reads string and number ratings", () => {
      const set = parseJudgments(
        JSON.stringify({ judgmentRatings: [{ query: "lamp", ratings: [{ docId: "A1", rating: "1.000" }, { docId: "A2", rating: 0 }] }] }),
        "srw",
        "j.json",
      );
      assert.deepEqual([...(set.groups[0]?.grades ?? [])], [["A1", 1], ["A2", 0]]);
    });

    it("locates bad entries by JSON path", () => {
      const text = JSON.stringify({ judgmentRatings: [{ query: "lamp", ratings: [{ docId: "A1", rating: "high" }, { rating: "1" }] }, { ratings: [] }] });
      assert.deepEqual(
        problemsOf(() => parseJudgments(text, "srw", "j.json")).map((p) => p.where),
        ["judgmentRatings[0].ratings[0]", "judgmentRatings[0].ratings[1]", "judgmentRatings[1]"],
      );
    });

    it("reads the real ESCI export from the shared datasets", async function () {
      if (!existsSync(SHARED)) this.skip();
      const set = await readJudgments(SRW_FILE);
      assert.equal(set.format, "srw");
      assert.equal(set.groups.length, 150);
      assert.equal(set.rows, 6678);
      assert.equal(set.duplicates, 0);
      const grades = new Set(set.groups.flatMap((g) => [...g.grades.values()]));
      assert.deepEqual([...grades].sort((a, b) => a - b), [0, 1, 10, 100]);
      assert.equal(set.groups[0]?.query, "t towels kitchen");
      assert.equal(set.groups[0]?.grades.get("B07NCQWCQS"), 100);
    });
  });

  describe("TREC qrels", () => {
    it("reads qid/iteration/docno/rel with the qid as query text", () => {
      const set = parseJudgments("301 0 FT911-3 1\n301\t0\tFT911-4  0\n\n302 0 LA01 2\n", "trec", "q.qrels");
      assert.deepEqual(
        set.groups.map((g) => [g.query, [...g.grades]]),
        [
          ["301", [["FT911-3", 1], ["FT911-4", 0]]],
          ["302", [["LA01", 2]]],
        ],
      );
    });

    it("reads negative relevance as 0 with a warning, and reports bad lines", () => {
      const set = parseJudgments("1 0 d1 -2\n1 0 d2 1\n", "trec", "q");
      assert.equal(set.groups[0]?.grades.get("d1"), 0);
      assert.match(set.warnings[0] ?? "", /1 negative relevance/);
      const problems = problemsOf(() => parseJudgments("1 0 d1 1\n1 0 d2\n1 0 d3 x\n", "trec", "q"));
      assert.deepEqual(
        problems.map((p) => p.where),
        ["line 2", "line 3"],
      );
    });
  });

  describe("format detection and files", () => {
    it("detects by extension, then by content", () => {
      assert.equal(detectJudgmentFormat("a.json", ""), "srw");
      assert.equal(detectJudgmentFormat("a.csv", ""), "csv");
      assert.equal(detectJudgmentFormat("a.qrels", ""), "trec");
      assert.equal(detectJudgmentFormat("a.txt", '\uFEFF  {"judgmentRatings":[]}'), "srw");
      assert.equal(detectJudgmentFormat("a.txt", "query,doc_id,grade\n"), "csv");
      assert.equal(detectJudgmentFormat("a.txt", "301 0 d 1\n"), "trec");
    });

    it("honours an explicit format over the extension", async () => {
      const dir = await mkdtemp(join(tmpdir(), "judgments-"));
      const path = join(dir, "odd.csv");
      await writeFile(path, "7 0 d1 1\n");
      assert.equal((await readJudgments(path, "trec")).groups[0]?.query, "7");
      await assert.rejects(readJudgments(path), JudgmentFileError);
    });

    it("says plainly when the file does not exist", async () => {
      await assert.rejects(readJudgments("/nonexistent/j.csv"), /\/nonexistent\/j\.csv: file: no such file/);
    });

    it("reads the Home Depot judgments and keeps queries with ≥5 judgments", async function () {
      if (!existsSync(SHARED)) this.skip();
      const set = await readJudgments(HOMEDEPOT_FILE);
      assert.equal(set.rows, 36605);
      const queries = new Set(set.groups.map((g) => g.query));
      assert.equal(queries.size, 5826);
      const kept = filterByMinJudgments(set.groups, 5);
      assert.ok(kept.length > 0 && kept.length < set.groups.length);
      assert.ok(kept.every((g) => g.grades.size >= 5));
    });
  });

  describe("query-disjoint split", () => {
    const groups = csv(
      ["query,doc_id,grade,user_id", ...Array.from({ length: 200 }, (_, i) => `q${i % 100},d${i},1,u${i % 2}`)].join("\n"),
    ).groups;

    it("never puts a query on both sides and is stable for a seed", () => {
      const split = splitJudgments(groups, { testFraction: 0.3, seed: 42 });
      const train = new Set(split.train.map((g) => g.query));
      const test = new Set(split.test.map((g) => g.query));
      assert.ok([...test].every((q) => !train.has(q)));
      assert.equal(train.size + test.size, 100);
      // a fair hash puts 30 ± a few of 100 queries in test
      assert.ok(test.size > 15 && test.size < 45, `test got ${test.size} queries`);
      assert.deepEqual(splitJudgments(groups, { testFraction: 0.3, seed: 42 }), split);
      assert.notDeepEqual(splitJudgments(groups, { testFraction: 0.3, seed: 7 }).test, split.test);
    });

    it("handles the extremes", () => {
      assert.equal(splitJudgments(groups, { testFraction: 0 }).test.length, 0);
      assert.equal(splitJudgments(groups, { testFraction: 1 }).train.length, 0);
      assert.throws(() => splitJudgments(groups, { testFraction: 1.5 }), RangeError);
    });
  });
});
