import { strict as assert } from "node:assert";
import { bm25Query, MAX_FUZZY_WORD_LENGTH, MAX_RESULT_WINDOW, searchRequestSchema } from "../../src/search";

type Should = { multi_match: { query: string; fuzziness?: string } }[];

function shouldOf(q: string): Should {
  return (bm25Query(q, {}) as { bool: { should: Should } }).bool.should;
}

describe("search request limits", () => {
  const schema = searchRequestSchema({ hybridCandidates: 100 });
  const issues = (body: Record<string, unknown>) => {
    const parsed = schema.safeParse({ q: "drill", ...body });
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };

  it("bm25 pages up to OpenSearch's max_result_window (10,000), naming it beyond", () => {
    assert.equal(MAX_RESULT_WINDOW, 10_000);
    assert.deepEqual(issues({ pipeline: "bm25", from: 9_800, size: 200 }), []);
    assert.deepEqual(issues({ pipeline: "bm25", from: 9_801, size: 200 }), ["from: from + size must be at most 10000 (OpenSearch's index.max_result_window), got 10001"]);
    assert.deepEqual(issues({ pipeline: "bm25", from: 10_000, size: 10 }), ["from: from + size must be at most 10000 (OpenSearch's index.max_result_window), got 10010"]);
  });

  for (const pipeline of ["hybrid", "rerank", "personal"]) {
    it(`${pipeline} pages within the candidates each retriever returns, naming the setting beyond`, () => {
      assert.deepEqual(issues({ pipeline, from: 90, size: 10 }), []);
      const [issue, ...rest] = issues({ pipeline, from: 91, size: 10 });
      assert.deepEqual(rest, []);
      assert.match(issue ?? "", new RegExp(`^from: from \\+ size must be at most 100 for the ${pipeline} pipeline.*hybrid\\.candidates.*HYBRID_CANDIDATES.*got 101$`));
    });
  }

  it("hybrid is the default pipeline and follows the configured depth", () => {
    assert.equal(issues({ from: 95, size: 10 }).length, 1);
    const deeper = searchRequestSchema({ hybridCandidates: 500 });
    assert.ok(deeper.safeParse({ q: "drill", from: 300, size: 200 }).success);
    assert.ok(!deeper.safeParse({ q: "drill", from: 301, size: 200 }).success);
  });

  it("leaves an unknown pipeline to its own error", () => {
    assert.deepEqual(issues({ pipeline: "magic", from: 5_000 }), []);
  });

  it("lets relevance eval ask for its 100 hits from 0 on every pipeline", () => {
    for (const pipeline of ["bm25", "hybrid", "rerank", "personal"]) assert.deepEqual(issues({ pipeline, size: 100 }), []);
  });

  it("caps filter values", () => {
    assert.equal(issues({ filters: { brand: "b".repeat(1000), category: ["c".repeat(1000)] } }).length, 0);
    assert.equal(issues({ filters: { brand: "b".repeat(1001) } }).length, 1);
    assert.equal(issues({ filters: { category: ["ok", "c".repeat(1001)] } }).length, 1);
  });
});

describe("bm25Query fuzzy variant", () => {
  it("matches an ordinary query fuzzily as it is", () => {
    const should = shouldOf("cordles dril 20V");
    assert.deepEqual(
      should.map((clause) => [clause.multi_match.query, clause.multi_match.fuzziness]),
      [
        ["cordles dril 20V", undefined],
        ["cordles dril 20V", "AUTO"],
      ],
    );
  });

  it(`leaves words longer than ${MAX_FUZZY_WORD_LENGTH} characters out of the fuzzy variant only`, () => {
    assert.equal(MAX_FUZZY_WORD_LENGTH, 24);
    const long = "x".repeat(1000);
    const atLimit = "y".repeat(MAX_FUZZY_WORD_LENGTH);
    const should = shouldOf(`drill ${long} ${atLimit}  ${"z".repeat(MAX_FUZZY_WORD_LENGTH + 1)}`);
    assert.equal(should[0]?.multi_match.query, `drill ${long} ${atLimit}  ${"z".repeat(MAX_FUZZY_WORD_LENGTH + 1)}`);
    assert.equal(should[1]?.multi_match.query, `drill ${atLimit}`);
    assert.equal(should[1]?.multi_match.fuzziness, "AUTO");
  });

  it("has no fuzzy variant when every word is too long", () => {
    const should = shouldOf("x".repeat(1000));
    assert.equal(should.length, 1);
    assert.equal(should[0]?.multi_match.fuzziness, undefined);
  });
});
