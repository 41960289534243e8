import { strict as assert } from "node:assert";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { SidecarClient } from "../../src/client";
import { type Sidecar } from "../../src/http";
import { activeVersion, readReranker, RERANKER_KIND } from "../../src/model";
import { ActiveModels } from "../../src/runtime";
import { FEATURE_NAMES } from "../../src/search/rerank";
import { trainRerankerModel, type RerankTrainingOptions } from "../../src/training";
import { runRelevance } from "../utils/run-relevance";
import { startTestSidecar } from "../utils/sidecar-harness";
import { TEST_API_KEYS } from "../utils/services";
import { CATALOG, deleteKeysUnder, fakeEmbedder, indexCatalog } from "../search/rerank/rerank-fixtures";

const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

// Judged queries over the fixture catalog: enough query groups (≥ 5) for a validation split.
const JUDGMENTS = [
  "query,doc_id,grade",
  "claw hammer,h1,2",
  "claw hammer,h2,1",
  "framing hammer,h3,2",
  "framing hammer,h4,1",
  "rubber mallet,h5,2",
  "ball peen hammer,h6,2",
  "cordless drill,d1,2",
  "hammer drill,d2,2",
  "impact driver,d3,2",
  "tape measure,s1,2",
  "hammer,h1,1",
  "hammer,h5,1",
  "drill,d1,1",
  "drill,d2,1",
].join("\n");

/** Each user searches "hammer" or "drill" a few times and clicks an item of their brand; one session per search. */
function eventLines(tag: string, t0: number): string {
  const lines: unknown[] = [];
  const brands = ["Acme", "Bolt"];
  for (let u = 0; u < 8; u++) {
    const user = `${tag}-u${u}`;
    const brand = brands[u % 2] as string;
    ["hammer", "drill", "hammer"].forEach((query, s) => {
      const wanted = CATALOG.filter((p) => p.brand === brand && p.title.toLowerCase().includes(query));
      const item = wanted[(u + s) % wanted.length];
      if (!item) return;
      const at = t0 + (u * 10 + s) * 60_000;
      const session = `${user}-s${s}`;
      lines.push({ event_id: `${session}-q`, user_id: user, session_id: session, type: "search", query, timestamp: at });
      lines.push({ event_id: `${session}-c`, user_id: user, session_id: session, type: "click", item_id: item.id, query, timestamp: at + 5_000 });
    });
  }
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}

describe("relevance train reranker on the sidecar's own candidates (real OpenSearch and Redis)", function () {
  this.timeout(180_000);
  let sidecar: Sidecar;
  let prefix: string;
  let dir: string;
  let client: SidecarClient;
  let url: string;
  const tag = `rt-${randomUUID().slice(0, 8)}`;

  before(async () => {
    prefix = `test:${randomUUID().slice(0, 12)}:`;
    sidecar = await startTestSidecar({}, { models: new ActiveModels({ embedder: fakeEmbedder() }), behaviourOptions: { keyPrefix: prefix } });
    await indexCatalog(sidecar);
    const port = await sidecar.listen();
    url = `http://127.0.0.1:${port}`;
    client = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.admin });
    dir = await mkdtemp(join(tmpdir(), "rerank-training-"));
    await writeFile(join(dir, "judgments.csv"), JUDGMENTS);
    await writeFile(join(dir, "events.ndjson.gz"), gzipSync(eventLines(tag, Date.now() - 3_600_000)));
    // The profiles the lists read: the same events, through the API (as_of and exclude_items keep each label out).
    const events = eventLines(tag, Date.now() - 3_600_000)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    await client.events(events);
  });

  after(async () => {
    await deleteKeysUnder(sidecar.redis, prefix);
    await sidecar.close();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (overrides: Partial<RerankTrainingOptions>): RerankTrainingOptions => ({
    client,
    modelsDir: join(dir, "models"),
    epochs: 3,
    maxSeconds: 60,
    seed: 7,
    ...overrides,
  });

  it("trains from judgments: a versioned model with the file's hash, counts, pipeline and feature names; promoted; the same seed gives the same metrics", async () => {
    const first = await trainRerankerModel(options({ judgments: join(dir, "judgments.csv"), pipeline: "rerank", promote: true }));
    assert.equal(first.examples.judgmentGroups, 10);
    assert.equal(first.lists + first.droppedNoPositive + first.droppedDegraded + first.droppedEmpty, 10);
    assert.ok(first.lists >= 8, `most judged items are retrieved (${first.lists} lists, ${first.droppedNoPositive} without a positive)`);
    assert.deepEqual(first.featureNames, [...FEATURE_NAMES]);
    assert.ok(first.metrics.before && first.metrics.after, "a validation split exists");
    assert.equal(first.promoted, true);
    assert.equal(await activeVersion(join(dir, "models"), RERANKER_KIND), first.version);

    const stored = await readReranker(first.dir);
    assert.equal(stored.manifest.training.dataHashes.judgments, sha256(JUDGMENTS));
    assert.equal(stored.manifest.training.pipeline, "rerank");
    assert.deepEqual(stored.manifest.training.featureNames, [...FEATURE_NAMES]);
    assert.equal(stored.manifest.training.seed, 7);
    assert.deepEqual(stored.manifest.training.embeddings, { model: "embeddings", version: "fake-v1" });
    assert.equal(stored.shape.dimension, 64);

    // Another folder: the same seed gives the same weights, hence the same version name when saved within the same second.
    const second = await trainRerankerModel(options({ judgments: join(dir, "judgments.csv"), pipeline: "rerank", modelsDir: join(dir, "models-again") }));
    assert.deepEqual(second.metrics.before, first.metrics.before);
    assert.deepEqual(second.metrics.after, first.metrics.after);
    // The wasm backend's multithreaded reductions may differ in the last float bits between runs; the metrics above do not.
    assert.equal(second.metrics.lossCurve.length, first.metrics.lossCurve.length);
    second.metrics.lossCurve.forEach((loss, i) => assert.ok(Math.abs(loss - (first.metrics.lossCurve[i] as number)) < 1e-5, `epoch ${i + 1}: ${loss} vs ${first.metrics.lossCurve[i]}`));
    assert.equal(second.promoted, false);
    assert.equal(await activeVersion(join(dir, "models-again"), RERANKER_KIND), null, "an unpromoted version is not active");
  });

  it("trains from an events file (.gz) through the CLI as the users, as of each search: lists, a summary line, a promoted version", async () => {
    const shapeAndOptimizer = ["--hidden", "8", "--attention", "4", "--learning-rate", "0.01", "--batch-size", "4", "--patience", "2"];
    const run = await runRelevance(["train", "reranker", "--events", join(dir, "events.ndjson.gz"), "--epochs", "2", "--seed", "3", ...shapeAndOptimizer, "--promote", "--out", join(dir, "cli-models")], {
      SIDECAR_URL: url,
      SIDECAR_API_KEY: TEST_API_KEYS.admin,
    });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(summary), ["model", "version", "dir", "lists", "dropped_no_positive", "val_ndcg@10_before", "val_ndcg@10_after", "val_mrr_before", "val_mrr_after", "seconds", "promoted"]);
    assert.equal(summary.model, "reranker");
    assert.equal(summary.promoted, true);
    // 8 users × 3 searches, each with one click; every clicked item matches its query, so retrieval finds it.
    assert.equal((summary.lists as number) + (summary.dropped_no_positive as number), 24);
    assert.ok((summary.lists as number) >= 20);
    assert.equal(await activeVersion(join(dir, "cli-models"), RERANKER_KIND), summary.version);
    const manifest = JSON.parse(await readFile(join(summary.dir as string, "manifest.json"), "utf8")) as {
      model: { hidden: number; attention: number };
      training: { dataHashes: Record<string, string>; pipeline: string; optimizer: Record<string, number> };
    };
    assert.equal(manifest.training.dataHashes.events, sha256(await readFile(join(dir, "events.ndjson.gz"))));
    assert.equal(manifest.training.pipeline, "personal");
    // The shape and optimizer flags reach the model and are recorded.
    assert.deepEqual([manifest.model.hidden, manifest.model.attention], [8, 4]);
    assert.deepEqual(manifest.training.optimizer, { learningRate: 0.01, batchSize: 4, patience: 2 });
  });

  it("asks for each event example's candidates as of its search with its clicked item excluded: the history never holds the label", async () => {
    const seen: unknown[] = [];
    const spy = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.admin });
    const request = spy.request.bind(spy);
    spy.request = (method, path, opts) => {
      if (path === "/v1/candidates") seen.push(opts?.json);
      return request(method, path, opts);
    };
    const result = await trainRerankerModel(options({ client: spy, events: join(dir, "events.ndjson.gz"), epochs: 1, maxLists: 6 }));
    assert.equal(seen.length, 6);
    for (const body of seen as { user_id?: string; as_of?: number; exclude_items?: string[]; pipeline?: string }[]) {
      assert.equal(body.pipeline, "personal");
      assert.ok(body.user_id?.startsWith(tag));
      assert.equal(typeof body.as_of, "number");
      assert.equal(body.exclude_items?.length, 1);
    }
    assert.equal(result.examples.used, 6);
    assert.equal(result.examples.eventExamples, 24);
  });
});
