import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { examplesFromEvents, examplesFromJudgments, labeledList, embeddingDimension, type CandidatesResponse } from "../../src/training";
import { parseJudgments } from "../../src/eval";

const at = (minute: number): string => new Date(Date.UTC(2011, 7, 11, 3, minute)).toISOString();

const EVENTS = [
  { user_id: "u1", session_id: "s1", type: "search", query: "Halo Reach", timestamp: at(0) },
  { user_id: "u1", session_id: "s1", type: "click", item_id: "halo", query: "Halo Reach", timestamp: at(1) },
  { user_id: "u1", session_id: "s1", type: "purchase", item_id: "halo", timestamp: at(2) },
  { user_id: "u1", session_id: "s1", type: "search", query: "fifa", timestamp: at(3) },
  { user_id: "u1", session_id: "s1", type: "view", item_id: "fifa12", timestamp: at(4) },
  // Another session of the same user: its click belongs to its own search, not to "fifa".
  { user_id: "u1", session_id: "s2", type: "search", query: "madden", timestamp: at(5) },
  { user_id: "u1", session_id: "s2", type: "add_to_cart", item_id: 7, timestamp: at(6) },
  // A click before any search, with its own query: it stands for its search.
  { user_id: "u2", session_id: "s3", type: "click", item_id: "gears", query: "gears", timestamp: at(0) },
  // A click with neither: unattributed.
  { user_id: "u3", type: "click", item_id: "x", timestamp: at(0) },
  { user_id: "u4", session_id: "s4", type: "search", query: "kinect", timestamp: at(0), synthetic: true },
  { user_id: "u4", session_id: "s4", type: "click", item_id: "kinect-1", timestamp: at(1), synthetic: true },
];

describe("re-ranker training examples", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rerank-examples-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("pairs each click, cart or purchase with the latest search of the same user and session, as of that search, its items excluded", async () => {
    const path = join(dir, "events.ndjson.gz");
    await writeFile(path, gzipSync(EVENTS.map((e) => JSON.stringify(e)).join("\n") + "\nnot json\n"));
    const { examples, summary } = await examplesFromEvents(path);
    assert.deepEqual(summary, { lines: 12, searches: 4, positives: 6, unattributed: 1, skipped: 1, synthetic: 0, real: 0 });
    const byQuery = new Map(examples.map((e) => [e.query, e]));
    assert.deepEqual([...byQuery.keys()].sort(), ["Halo Reach", "gears", "kinect", "madden"]);
    const halo = byQuery.get("Halo Reach");
    assert.equal(halo?.userId, "u1");
    assert.equal(halo?.asOf, Date.parse(at(0)));
    assert.deepEqual([...(halo?.grades ?? [])], [["halo", 3]], "click then purchase of the same item: the purchase's grade");
    assert.deepEqual(halo?.excludeItems, ["halo"]);
    assert.equal(halo?.group, "halo reach");
    assert.deepEqual([...(byQuery.get("madden")?.grades ?? [])], [["7", 2]]);
    assert.equal(byQuery.get("gears")?.asOf, Date.parse(at(0)));
    assert.equal(byQuery.has("fifa"), false, "a search followed only by a view has no positive");
  });

  it("leaves synthetic events out when asked", async () => {
    const path = join(dir, "events.ndjson");
    await writeFile(path, EVENTS.map((e) => JSON.stringify(e)).join("\n"));
    const { examples, summary } = await examplesFromEvents(path, { includeSynthetic: false });
    assert.equal(summary.synthetic, 2);
    assert.equal(examples.some((e) => e.query === "kinect"), false);
    const excluded = await examplesFromEvents(path, { synthetic: "exclude" });
    assert.deepEqual(excluded.examples, examples);
  });

  it("trains on synthetic events only when asked (--synthetic only), and keeps both by default", async () => {
    const path = join(dir, "events.ndjson");
    await writeFile(path, EVENTS.map((e) => JSON.stringify(e)).join("\n"));
    const only = await examplesFromEvents(path, { synthetic: "only" });
    assert.deepEqual(only.examples.map((e) => [e.query, e.userId, [...e.grades]]), [["kinect", "u4", [["kinect-1", 1]]]]);
    assert.equal(only.summary.real, EVENTS.length - 2);
    assert.equal(only.summary.synthetic, 0);
    const all = await examplesFromEvents(path);
    assert.ok(all.examples.some((e) => e.query === "kinect") && all.examples.some((e) => e.query === "madden"));
  });

  it("makes one example per (query, user) judgment group, searched as that user", () => {
    const set = parseJudgments("query,doc_id,grade,user_id\nhalo,a,1,u1\nhalo,b,0,u1\nhalo,a,2,u2\n", "csv", "j.csv");
    const examples = examplesFromJudgments(set);
    assert.equal(examples.length, 2);
    assert.deepEqual(
      examples.map((e) => [e.userId, [...e.grades]]),
      [
        ["u1", [["a", 1], ["b", 0]]],
        ["u2", [["a", 2]]],
      ],
    );
    assert.equal(examples[0]?.asOf, undefined);
  });
});

describe("candidate lists from /v1/candidates answers", () => {
  const response = (overrides: Partial<CandidatesResponse> = {}): CandidatesResponse => ({
    feature_names: ["bm25", "popularity"],
    embeddings: { model: "embeddings", version: "v1" },
    query_embedding: [1, 0, 0],
    history: [{ item_id: "h1", embedding: [0, 1, 0], weight: 0.5 }, { item_id: "gone", embedding: null, weight: 1 }],
    candidates: [
      { id: "a", features: [3, 1], embedding: [1, 0, 0] },
      { id: "b", features: [2, 0], embedding: null },
      { id: "c", features: [1, 5], embedding: [0, 0, 1] },
    ],
    degraded: null,
    ...overrides,
  });

  it("maps one-to-one onto a labeled list: grades by id, ungraded candidates 0, retrieval order kept", () => {
    const outcome = labeledList(response(), new Map([["c", 1], ["zzz", 2]]), "halo");
    assert.equal(outcome.dropped, undefined);
    assert.deepEqual(outcome.list, {
      queryEmbedding: [1, 0, 0],
      candidates: [
        { features: [3, 1], embedding: [1, 0, 0] },
        { features: [2, 0], embedding: null },
        { features: [1, 5], embedding: [0, 0, 1] },
      ],
      history: [{ embedding: [0, 1, 0], weight: 0.5 }, { embedding: null, weight: 1 }],
      labels: [0, 0, 1],
      group: "halo",
    });
    assert.equal(embeddingDimension(response()), 3);
  });

  it("drops a list whose candidates hold no positive, a degraded answer and an empty one, saying which", () => {
    assert.equal(labeledList(response(), new Map([["zzz", 1]]), "q").dropped, "no_positive");
    assert.equal(labeledList(response({ degraded: "redis unavailable" }), new Map([["a", 1]]), "q").dropped, "degraded");
    assert.equal(labeledList(response({ candidates: [] }), new Map([["a", 1]]), "q").dropped, "empty");
    assert.equal(embeddingDimension(response({ query_embedding: null, candidates: [], history: [] })), null);
  });
});
