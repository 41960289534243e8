import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import request from "supertest";
import { type Sidecar } from "../../src/http";
import { ActiveModels, type ServingEmbedder } from "../../src/runtime";
import { startTestSidecar } from "../utils/sidecar-harness";
import { TEST_API_KEYS, TEST_PSEUDONYM_KEY } from "../utils/services";
import { deleteKeysUnder, everythingUnder, keysUnder } from "./behaviour-fixtures";

const WRITE = { "x-api-key": TEST_API_KEYS.write };
const ADMIN = { "x-api-key": TEST_API_KEYS.admin };
const SEARCH = { "x-api-key": TEST_API_KEYS.search };
const DIMENSION = 64;

/** Only what the profiles read of the active model: its version and dimension. */
const fakeEmbedder: ServingEmbedder = {
  name: "fake",
  version: "fake-v1",
  dimension: DIMENSION,
  embedProducts: (products) => Promise.resolve(products.map(() => new Float32Array(DIMENSION))),
  embedQueries: (texts) => Promise.resolve(texts.map(() => new Float32Array(DIMENSION))),
};

function unit(i: number): number[] {
  return Array.from({ length: DIMENSION }, (_, j) => (j === i ? 1 : 0));
}

describe("GET /v1/profiles/:user_id through the sidecar (real OpenSearch and Redis)", function () {
  this.timeout(60_000);
  let sidecar: Sidecar;
  let prefix: string;
  const lines: string[] = [];

  before(async () => {
    prefix = `test:${randomUUID().slice(0, 12)}:`;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString("utf8"));
        callback();
      },
    });
    sidecar = await startTestSidecar(
      {},
      { logger: pino({ level: "debug" }, stream), models: new ActiveModels({ embedder: fakeEmbedder }), behaviourOptions: { keyPrefix: prefix } },
    );
    const products = [
      { id: "p1", title: "Claw hammer", category: ["Tools", "Hand Tools"], brand: "Acme", price: 25, embedding: unit(0), model_version: "fake-v1" },
      { id: "p2", title: "Drill", category: ["Tools", "Power Tools"], brand: "Bolt", price: 120, embedding: unit(1), model_version: "fake-v1" },
    ];
    const alias = sidecar.config.productsAlias;
    await sidecar.gateway.request("POST", "/_bulk", products.flatMap((p) => [{ index: { _index: alias, _id: p.id } }, p]), { querystring: { refresh: "true" } });
  });

  after(async () => {
    await deleteKeysUnder(sidecar.redis, prefix);
    await sidecar.close();
  });

  it("shows the profile built from /v1/events, under the pseudonymized key, and 404 for an unknown user", async () => {
    const user = "alice@example.com";
    const now = Date.now();
    const events = [
      { user_id: user, type: "search", query: "hammer", session_id: "sess-1", timestamp: now - 3000, event_id: "a1" },
      { user_id: user, type: "click", item_id: "p1", session_id: "sess-1", timestamp: now - 2000, event_id: "a2" },
      { user_id: user, type: "purchase", item_id: "p2", timestamp: now - 1000, event_id: "a3" },
    ];
    const ingest = await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
    assert.deepEqual((ingest.body as { counts: unknown }).counts, { accepted: 3, duplicate: 0, rejected: 0 });

    const res = await request(sidecar.app).get(`/v1/profiles/${encodeURIComponent(user)}`).set(ADMIN).expect(200);
    const body = res.body as {
      user_key: string;
      version: number;
      event_count: number;
      updated_at: string;
      recent: { item_id: string; type: string; timestamp: string }[];
      affinities: Record<string, { key: string; weight: number }[]>;
      interest: { model_version: string; dimension: number; events: number; vector?: number[] } | null;
    };
    assert.equal(body.user_key, createHmac("sha256", TEST_PSEUDONYM_KEY).update(user).digest("hex"));
    assert.equal(body.event_count, 3);
    assert.ok(body.version >= 1);
    assert.ok(!Number.isNaN(Date.parse(body.updated_at)));
    assert.deepEqual(
      body.recent.map((r) => [r.item_id, r.type, r.timestamp]),
      [
        ["p2", "purchase", new Date(now - 1000).toISOString()],
        ["p1", "click", new Date(now - 2000).toISOString()],
      ],
    );
    assert.deepEqual(body.affinities.items!.map((a) => a.key), ["p2", "p1"]);
    assert.deepEqual(Object.keys(body.affinities).sort(), ["brands", "categories", "items", "price_bands"]);
    assert.equal(body.affinities.categories![0]!.key, "Tools");
    assert.deepEqual(body.interest, { model_version: "fake-v1", dimension: DIMENSION, events: 2 });

    const withVector = await request(sidecar.app).get(`/v1/profiles/${encodeURIComponent(user)}?vector=true`).set(ADMIN).expect(200);
    const vector = (withVector.body as typeof body).interest?.vector ?? [];
    assert.equal(vector.length, DIMENSION);
    // click (2) on p1 = e0 and purchase (8) on p2 = e1, seconds apart: the mean is 0.2·e0 + 0.8·e1.
    assert.ok(Math.abs(vector[0]! - 0.2) < 1e-4 && Math.abs(vector[1]! - 0.8) < 1e-4, `vector starts ${vector.slice(0, 2).join(", ")}`);

    const missing = await request(sidecar.app).get("/v1/profiles/nobody%40example.com").set(ADMIN).expect(404);
    assert.equal((missing.body as { error: { code: string } }).error.code, "NOT_FOUND");
    await request(sidecar.app).get(`/v1/profiles/${encodeURIComponent(user)}`).set(SEARCH).expect(403);

    // The click was attributed to the session's search: the signals say so.
    const signals = await sidecar.behaviour.signalsFor("Hammer", ["p1", "p2"]);
    assert.ok(signals.candidates[0]!.queryClicks > 0.99);
    assert.equal(signals.candidates[1]!.queryClicks, 0);

    const log = lines.join("");
    assert.ok(log.includes("/v1/profiles/"), "the requests were logged");
    assert.ok(!log.includes(user) && !log.includes(encodeURIComponent(user)) && !log.includes("alice"), "no raw user id in the logs");
    const stored = (await everythingUnder(sidecar.redis, prefix)).join("\n");
    assert.ok(!stored.includes("alice"), "no raw user id in Redis");
  });

  it("erases the profile through DELETE /v1/profiles/:user_id", async () => {
    const user = "bob@example.org";
    await request(sidecar.app)
      .post("/v1/events")
      .set(WRITE)
      .send({ events: [{ user_id: user, type: "view", item_id: "p1", timestamp: Date.now(), event_id: "b1" }] })
      .expect(200);
    await request(sidecar.app).get(`/v1/profiles/${user}`).set(ADMIN).expect(200);
    const userKey = createHmac("sha256", TEST_PSEUDONYM_KEY).update(user).digest("hex");
    assert.ok((await keysUnder(sidecar.redis, `${prefix}u:${userKey}:`)).length > 0);
    await request(sidecar.app).delete(`/v1/profiles/${user}`).set(ADMIN).expect(200);
    assert.deepEqual(await keysUnder(sidecar.redis, `${prefix}u:${userKey}:`), []);
    await request(sidecar.app).get(`/v1/profiles/${user}`).set(ADMIN).expect(404);
  });

  it("exports the profile update latency and read latency on /metrics", async () => {
    const metrics = await request(sidecar.app).get("/metrics").expect(200);
    assert.match(metrics.text, /sidecar_profile_update_seconds_count [1-9]/);
    assert.match(metrics.text, /sidecar_behaviour_read_seconds_count [1-9]/);
    assert.match(metrics.text, /sidecar_profile_events_total\{result="applied"\} [1-9]/);
  });
});
