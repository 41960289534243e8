import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type Sidecar } from "../../src/http";
import { lastJsonLine } from "../eval/helpers/run-cli";
import { runRelevance } from "../utils/run-relevance";
import { deleteKeysUnder } from "../profiles/behaviour-fixtures";
import { TEST_API_KEYS, randomName } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const EVENTS = 1200;

/** A small generated events file: search + click pairs of a few users, with two broken lines and one invalid event. */
function eventsFile(): { text: string; brokenLines: number[] } {
  const now = Date.now();
  const run = randomName("load");
  const lines: string[] = [];
  for (let i = 0; i < EVENTS; i += 2) {
    const user = `${run}-user-${i % 7}`;
    const base = { user_id: user, session_id: `${run}-s-${i % 11}`, synthetic: true };
    lines.push(JSON.stringify({ ...base, event_id: `${run}-${i}`, type: "search", query: `game ${i % 5}`, timestamp: now - 60_000 - i }));
    lines.push(JSON.stringify({ ...base, event_id: `${run}-${i + 1}`, type: "click", item_id: `sku-${i % 13}`, timestamp: now - 60_000 - i + 1 }));
  }
  lines.splice(100, 0, "{not json");
  lines.splice(500, 0, "[1,2]");
  lines.splice(700, 0, JSON.stringify({ user_id: "x", type: "click", timestamp: now }));
  lines.push("");
  return { text: lines.join("\n"), brokenLines: [101, 501, 701] };
}

describe("relevance events load (command run as a process, real sidecar)", function () {
  this.timeout(120_000);
  let sidecar: Sidecar;
  const prefix = `${randomName("test-events-cli")}:`;
  let url: string;
  let dir: string;

  before(async () => {
    sidecar = await startTestSidecar({}, { behaviourOptions: { keyPrefix: prefix } });
    url = `http://127.0.0.1:${await sidecar.listen()}`;
    dir = await mkdtemp(join(tmpdir(), "events-load-"));
  });
  after(async () => {
    await deleteKeysUnder(sidecar.redis, prefix);
    await sidecar.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads an NDJSON file, then the same events gzipped report all duplicate; broken lines are rejected with their line numbers", async () => {
    const { text, brokenLines } = eventsFile();
    const plain = join(dir, "events.ndjson");
    const gz = join(dir, "events.ndjson.gz");
    await writeFile(plain, text);
    await writeFile(gz, gzipSync(text));
    const env = { SIDECAR_URL: url, SIDECAR_API_KEY: TEST_API_KEYS.write };

    const first = await runRelevance(["events", "load", "--file", plain, "--batch-size", "250", "--concurrency", "3"], env);
    assert.equal(first.code, 0, first.stderr);
    const summary = lastJsonLine(first.stdout);
    assert.deepEqual(Object.keys(summary), ["accepted", "duplicate", "rejected", "seconds"]);
    assert.deepEqual({ ...summary, seconds: 0 }, { accepted: EVENTS, duplicate: 0, rejected: 3, seconds: 0 });
    for (const line of brokenLines) assert.match(first.stderr, new RegExp(`line ${line}: `));

    const second = await runRelevance(["events", "load", "--file", gz], env);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual({ ...lastJsonLine(second.stdout), seconds: 0 }, { accepted: 0, duplicate: EVENTS, rejected: 3, seconds: 0 });
  });

  it("fails with a one-line reason when the file does not exist", async () => {
    const result = await runRelevance(["events", "load", "--file", join(dir, "missing.ndjson")], { SIDECAR_URL: url });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /missing\.ndjson/);
  });
});
