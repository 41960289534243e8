import { strict as assert } from "node:assert";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SidecarClient } from "../../src/client";
import { type Sidecar } from "../../src/http";
import { generateSampleCatalog } from "../../src/synthetic";
import { lastJsonLine } from "../eval/helpers/run-cli";
import { deleteKeysUnder } from "../profiles/behaviour-fixtures";
import { runRelevance } from "../utils/run-relevance";
import { TEST_API_KEYS, randomName } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const DAY = 86_400_000;
const catalog = [...generateSampleCatalog({ count: 80, seed: 3 })];

/** A small "real" log over the sample catalog: users search a title's words and click that product, recent enough for the default retention. */
function realLog(users: number, now: number): string {
  const lines: string[] = [];
  for (let u = 0; u < users; u++) {
    const product = catalog[(u * 7) % catalog.length] as { id: string; title: string };
    const query = product.title.split(" ").slice(1, 3).join(" ").toLowerCase();
    const t = now - 20 * DAY + u * 600_000;
    lines.push(JSON.stringify({ event_id: `r${u}s`, user_id: `real-${u}`, session_id: `rs${u}`, type: "search", query, timestamp: new Date(t).toISOString() }));
    lines.push(JSON.stringify({ event_id: `r${u}c`, user_id: `real-${u}`, session_id: `rs${u}`, type: "click", item_id: product.id, query, timestamp: new Date(t + 20_000).toISOString() }));
  }
  return lines.join("\n") + "\n";
}

describe("relevance synthesize sessions", function () {
  this.timeout(180_000);
  let dir: string;
  let catalogPath: string;
  let logPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "synthesize-sessions-"));
    catalogPath = join(dir, "catalog.jsonl");
    logPath = join(dir, "real.ndjson");
    await writeFile(catalogPath, catalog.map((p) => JSON.stringify(p)).join("\n") + "\n");
    await writeFile(logPath, realLog(120, Date.UTC(2026, 0, 1)));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("same seed and inputs → byte-identical NDJSON (offline ranking); another seed → other events; every event synthetic with a syn-<seed>- user", async () => {
    const run = async (out: string, seed: string, extra: string[] = []) => {
      const result = await runRelevance(["synthesize", "sessions", "--out", out, "--offline", "--fit", logPath, "--catalog", catalogPath, "--users", "300", "--seed", seed, ...extra]);
      assert.equal(result.code, 0, result.stderr);
      return lastJsonLine(result.stdout);
    };
    const first = await run(join(dir, "a.ndjson"), "7");
    await run(join(dir, "b.ndjson"), "7");
    await run(join(dir, "c.ndjson"), "8");
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => readFile(join(dir, `${n}.ndjson`))));
    assert.ok(a && b && c);
    assert.ok(a.length > 0);
    assert.ok(a.equals(b), "the same seed wrote the same bytes");
    assert.ok(!a.equals(c), "another seed wrote other events");
    const events = a.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(first.events, events.length);
    assert.equal(first.users, 300);
    assert.equal(typeof first.events_per_second, "number");
    assert.ok(events.every((e) => e.synthetic === true && String(e.user_id).startsWith("syn-7-") && String(e.event_id).startsWith(`${String(e.user_id)}-e`)));
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, "event ids are unique");
    const ids = new Set(catalog.map((p) => p.id));
    assert.ok(events.filter((e) => e.type === "click").every((e) => ids.has(String(e.item_id))), "clicks land on catalog items");
    assert.ok(events.some((e) => e.type === "click"));
    // The fitted log's window (20 days before 2026-01-01, one user every 10 minutes).
    const times = events.map((e) => Date.parse(String(e.timestamp)));
    assert.ok(Math.min(...times) >= Date.UTC(2026, 0, 1) - 21 * DAY && Math.max(...times) <= Date.UTC(2026, 0, 1), "timestamps inside the fitted window");

    // ε changes the fitted statistics but stays deterministic for a seed.
    await run(join(dir, "p1.ndjson"), "7", ["--epsilon", "1"]);
    await run(join(dir, "p2.ndjson"), "7", ["--epsilon", "1"]);
    const [p1, p2] = await Promise.all([readFile(join(dir, "p1.ndjson")), readFile(join(dir, "p2.ndjson"))]);
    assert.ok(p1.equals(p2));
    assert.ok(!p1.equals(a));
  });

  it("rejects bad flags with a one-line reason", async () => {
    const bad = await runRelevance(["synthesize", "sessions", "--out", join(dir, "x.ndjson"), "--offline", "--epsilon", "0"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--epsilon must be a number > 0/);
    const model = await runRelevance(["synthesize", "sessions", "--out", join(dir, "x.ndjson"), "--offline", "--click-model", "dbn"]);
    assert.notEqual(model.code, 0);
  });

  describe("against a real sidecar", () => {
    let sidecar: Sidecar;
    let url: string;
    const prefix = `${randomName("test-syn-sessions")}:`;

    before(async () => {
      sidecar = await startTestSidecar({ eventRetentionDays: 3650 }, { behaviourOptions: { keyPrefix: prefix } });
      url = `http://127.0.0.1:${await sidecar.listen()}`;
      const client = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.write });
      const outcome = await client.enrich(catalog, { refresh: true });
      assert.equal(outcome.items.filter((i) => i.status === "failed").length, 0);
    });
    after(async () => {
      await deleteKeysUnder(sidecar.redis, prefix);
      await sidecar.close();
    });

    it("fits the click model by replaying the log's searches through the sidecar, ranks with /v1/search and --send stores every event (flag kept) and builds synthetic users' profiles", async () => {
      const out = join(dir, "sent.ndjson");
      const result = await runRelevance(
        ["synthesize", "sessions", "--out", out, "--fit", logPath, "--catalog", catalogPath, "--users", "40", "--seed", "5", "--pipeline", "bm25", "--send", "--start", new Date(Date.now() - 2 * DAY).toISOString(), "--days", "1"],
        { SIDECAR_URL: url, SIDECAR_API_KEY: TEST_API_KEYS.write, OPENSEARCH_URL: sidecar.config.opensearchUrl, PRODUCTS_ALIAS: sidecar.config.productsAlias },
      );
      assert.equal(result.code, 0, result.stderr);
      const summary = lastJsonLine(result.stdout);
      assert.equal(summary.results, "sidecar:bm25");
      // Taste vectors when the sidecar's products have embeddings (a promoted model), else the facets, said on stderr.
      const taste = summary.taste as { items: number; kappa_from: string } | null;
      if (taste) assert.ok(taste.items > 0 && ["fit", "default"].includes(taste.kappa_from));
      else assert.match(result.stderr, /no taste vectors|has an embedding/);
      assert.match(result.stderr, /"replayed":120/);
      assert.match(result.stderr, /"clickModelFit":"pbm-em"/);
      const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
      assert.equal(summary.events, lines.length);
      assert.deepEqual(summary.sent, { accepted: lines.length, duplicate: 0, rejected: 0, seconds: (summary.sent as { seconds: number }).seconds });

      await sidecar.gateway.request("POST", `/${sidecar.config.eventsAlias}/_refresh`);
      const stored = await sidecar.gateway.request<{ count: number }>("POST", `/${sidecar.config.eventsAlias}/_count`, { query: { term: { synthetic: true } } });
      assert.equal(stored.body.count, lines.length, "every stored event keeps synthetic: true");

      const clicker = (JSON.parse(lines.find((l) => l.includes('"type":"click"')) as string) as { user_id: string }).user_id;
      const admin = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.admin });
      const profile = await admin.profile(clicker);
      assert.ok(profile && profile.event_count > 0, "the synthetic user's events built a profile");
      assert.equal(profile.synthetic_events, profile.event_count, "the profile says it was built from synthetic events");
      const writer = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.write });
      await writer.events([{ user_id: "real-person", type: "click", item_id: catalog[0]?.id, timestamp: Date.now() - 60_000 }]);
      const real = await admin.profile("real-person");
      assert.ok(real && real.event_count === 1 && real.synthetic_events === 0);
    });

    it("--results-cache: a second run asks the sidecar nothing and writes the same bytes", async () => {
      const cache = join(dir, "results.json");
      const run = async (out: string) => {
        const result = await runRelevance(["synthesize", "sessions", "--out", out, "--fit", logPath, "--catalog", catalogPath, "--users", "60", "--seed", "11", "--pipeline", "bm25", "--results-cache", cache], { SIDECAR_URL: url });
        assert.equal(result.code, 0, result.stderr);
        return lastJsonLine(result.stdout);
      };
      const first = await run(join(dir, "cached-1.ndjson"));
      const second = await run(join(dir, "cached-2.ndjson"));
      assert.ok((first.searches as number) > 0);
      assert.equal(second.searches, 0);
      const [a, b] = await Promise.all([readFile(join(dir, "cached-1.ndjson")), readFile(join(dir, "cached-2.ndjson"))]);
      assert.ok(a.equals(b));
      const other = await runRelevance(["synthesize", "sessions", "--out", join(dir, "x.ndjson"), "--fit", logPath, "--pipeline", "hybrid", "--results-cache", cache], { SIDECAR_URL: url });
      assert.notEqual(other.code, 0);
      assert.match(other.stderr, /holds bm25 lists of 10; this run asks for hybrid lists of 10/);
    });
  });
});
