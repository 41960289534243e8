import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { type AddressInfo } from "node:net";
import { parseJudgments, runSearches, SearchClient, SearchRequestError } from "../../src/eval";
import { FakeSidecar, hits } from "./helpers/fake-sidecar";

const groups = parseJudgments("query,doc_id,grade,user_id\nshoes,d1,1,\nshoes,d2,1,u9\nhat,d3,2,\n", "csv", "t.csv").groups;

/** A local port with nothing listening, so connections are refused. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("eval runner (client against canned /v1/search replies)", () => {
  let sidecar: FakeSidecar | undefined;
  afterEach(async () => {
    await sidecar?.stop();
    sidecar = undefined;
  });

  it("sends q, pipeline, size = max(k, 100) and user_id only when the group has one", async () => {
    sidecar = new FakeSidecar((body) => hits([`${body.q}-1`, `${body.q}-2`]));
    const url = await sidecar.start();
    const runs = await runSearches(groups, { sidecarUrl: url, pipelines: ["hybrid"], k: 10 });
    assert.deepEqual(runs.hybrid, [
      { status: "ok", ranking: ["shoes-1", "shoes-2"] },
      { status: "ok", ranking: ["shoes-1", "shoes-2"] },
      { status: "ok", ranking: ["hat-1", "hat-2"] },
    ]);
    const key = (r: { q: string; user_id?: string }): string => `${r.q}|${r.user_id ?? ""}`;
    const sent = [...sidecar.requests].sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(sent, [
      { q: "hat", pipeline: "hybrid", size: 100 },
      { q: "shoes", pipeline: "hybrid", size: 100 },
      { q: "shoes", pipeline: "hybrid", size: 100, user_id: "u9" },
    ]);
    await runSearches(groups.slice(2), { sidecarUrl: url, pipelines: ["bm25"], k: 250 });
    assert.equal(sidecar.requests.at(-1)?.size, 250);
  });

  it("retries transient statuses (503, then 429) and succeeds on the third try", async () => {
    const statuses = [503, 429];
    sidecar = new FakeSidecar((_body, attempt) => (attempt <= statuses.length ? { status: statuses[attempt - 1] ?? 500, body: {} } : hits(["d"])));
    const client = new SearchClient({ sidecarUrl: await sidecar.start(), backoffMs: 1 });
    assert.deepEqual(await client.search({ q: "x", pipeline: "bm25", size: 100 }), { ranking: ["d"] });
    assert.equal(sidecar.attemptsFor("x"), 3);
  });

  it("gives up after 3 tries and reports the query as failed, not as an empty ranking", async () => {
    sidecar = new FakeSidecar((body) =>
      body.q === "hat" ? { status: 502, body: { error: { code: "OPENSEARCH_REJECTED", message: "boom" } } } : hits(["d1"]),
    );
    const runs = await runSearches(groups, { sidecarUrl: await sidecar.start(), pipelines: ["bm25"], k: 10, backoffMs: 1 });
    assert.deepEqual(runs.bm25?.[2], { status: "failed", error: "HTTP 502 OPENSEARCH_REJECTED: boom" });
    assert.equal(runs.bm25?.[0]?.status, "ok");
    assert.equal(sidecar.attemptsFor("hat"), 3);
  });

  it("keeps the sidecar's reason when it answered with a fallback pipeline", async () => {
    sidecar = new FakeSidecar((body) => (body.q === "hat" ? hits(["d3"], "hybrid", "no embedding model; answered with bm25") : hits(["d1"])));
    const runs = await runSearches(groups, { sidecarUrl: await sidecar.start(), pipelines: ["hybrid"], k: 10 });
    assert.deepEqual(runs.hybrid?.[2], { status: "ok", ranking: ["d3"], degraded: "no embedding model; answered with bm25" });
    assert.deepEqual(runs.hybrid?.[0], { status: "ok", ranking: ["d1"] });
  });

  it("does not retry a request the sidecar rejects as wrong (4xx)", async () => {
    sidecar = new FakeSidecar(() => ({ status: 400, body: { error: { code: "UNKNOWN_PIPELINE", message: "no pipeline nope" } } }));
    const client = new SearchClient({ sidecarUrl: await sidecar.start(), backoffMs: 1 });
    await assert.rejects(client.search({ q: "x", pipeline: "nope", size: 100 }), (err: unknown) => {
      assert.ok(err instanceof SearchRequestError);
      assert.equal(err.status, 400);
      assert.equal(err.retryable, false);
      assert.match(err.message, /UNKNOWN_PIPELINE/);
      return true;
    });
    assert.equal(sidecar.attemptsFor("x"), 1);
  });

  it("rejects a 200 answer without a hits list", async () => {
    sidecar = new FakeSidecar(() => ({ status: 200, body: { results: [] } }));
    const client = new SearchClient({ sidecarUrl: await sidecar.start(), backoffMs: 1 });
    await assert.rejects(client.search({ q: "x", pipeline: "bm25", size: 100 }), /not \{hits/);
  });

  it("retries and then fails on refused connections", async () => {
    const client = new SearchClient({ sidecarUrl: await closedPort(), backoffMs: 1 });
    await assert.rejects(client.search({ q: "x", pipeline: "bm25", size: 100 }), (err: unknown) => {
      assert.ok(err instanceof SearchRequestError);
      assert.equal(err.retryable, true);
      assert.match(err.message, /cannot reach .* \(ECONNREFUSED\)/);
      return true;
    });
  });

  it("gives up on a request that never answers (per-request timeout)", async () => {
    sidecar = new FakeSidecar(() => "hang");
    const client = new SearchClient({ sidecarUrl: await sidecar.start(), timeoutMs: 50, attempts: 2, backoffMs: 1 });
    await assert.rejects(client.search({ q: "x", pipeline: "bm25", size: 100 }), /no answer within 50 ms/);
    assert.equal(sidecar.attemptsFor("x"), 2);
  });

  it("keeps at most `concurrency` searches in flight and reports progress for each", async () => {
    sidecar = new FakeSidecar(() => hits(["d"]));
    const many = parseJudgments(["query,doc_id,grade", ...Array.from({ length: 30 }, (_, i) => `q${i},d,1`)].join("\n"), "csv", "m.csv").groups;
    const progress: number[] = [];
    const runs = await runSearches(many, {
      sidecarUrl: await sidecar.start(),
      pipelines: ["a", "b"],
      k: 10,
      concurrency: 3,
      onProgress: (done, total) => {
        assert.equal(total, 60);
        progress.push(done);
      },
    });
    assert.ok(sidecar.maxInFlight <= 3, `saw ${sidecar.maxInFlight} requests in flight`);
    assert.deepEqual(progress, Array.from({ length: 60 }, (_, i) => i + 1));
    assert.equal(runs.a?.length, 30);
    assert.equal(runs.b?.length, 30);
  });

  it("checks its options", () => {
    assert.throws(() => new SearchClient({ sidecarUrl: "http://x", attempts: 0 }), RangeError);
    assert.throws(() => new SearchClient({ sidecarUrl: "http://x", timeoutMs: 0 }), RangeError);
  });
});
