import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import request from "supertest";
import { purgeExpiredEvents, startRetentionSweep } from "../../src/events";
import { createSidecar, type Sidecar } from "../../src/http";
import { deleteKeysUnder, everythingUnder } from "../profiles/behaviour-fixtures";
import { startTestSidecar } from "../utils/sidecar-harness";
import { TEST_API_KEYS, TEST_PSEUDONYM_KEY, randomName, testConfig } from "../utils/services";

const WRITE = { "x-api-key": TEST_API_KEYS.write };
const ADMIN = { "x-api-key": TEST_API_KEYS.admin };
const MINUTE = 60_000;

interface IngestBody {
  counts: { accepted: number; duplicate: number; rejected: number };
  items: { position: number; status: string; error?: { code: string; message: string } }[];
}

interface ProfileBody {
  user_key: string;
  event_count: number;
  recent: { item_id: string; type: string }[];
}

interface StoredEvent {
  _id: string;
  _source: Record<string, unknown>;
}

function userKey(userId: string): string {
  return createHmac("sha256", TEST_PSEUDONYM_KEY).update(userId).digest("hex");
}

/** Every stored document of the sidecar's events alias, after a refresh. */
async function storedEvents(sidecar: Sidecar): Promise<StoredEvent[]> {
  await sidecar.gateway.request("POST", `/${sidecar.config.eventsAlias}/_refresh`);
  const body = await sidecar.gateway.search<{ hits: { hits: StoredEvent[] } }>(sidecar.config.eventsAlias, { size: 10_000, query: { match_all: {} } });
  return body.hits.hits;
}

/** The user's profile through `GET /v1/profiles/:user_id`, or null on 404. */
async function profileOf(sidecar: Sidecar, userId: string): Promise<ProfileBody | null> {
  const res = await request(sidecar.app).get(`/v1/profiles/${encodeURIComponent(userId)}`).set(ADMIN);
  if (res.status === 404) return null;
  assert.equal(res.status, 200, res.text);
  return res.body as ProfileBody;
}

/** A Redis key prefix of the test's own (the shared Redis is never flushed). */
function keyPrefix(): string {
  return `${randomName("test-events")}:`;
}

/** A pino logger whose lines are kept for the test to read. */
function capturingLogger(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: pino({ level: "debug" }, stream), text: () => lines.join("") };
}

/** Events of one person whose identifiers and query are recognizable in any text they leak into. */
function personalEvents(userId: string, sessionId: string, now: number, idSuffix = ""): Record<string, unknown>[] {
  return [
    { user_id: userId, type: "search", query: "Gift for jane.doe@example.org call 555-867-5309", timestamp: now - 3 * MINUTE, session_id: sessionId, event_id: `${userId}-1${idSuffix}` },
    { user_id: userId, type: "click", item_id: "sku-1", query: "gift", timestamp: now - 2 * MINUTE, session_id: sessionId, event_id: `${userId}-2${idSuffix}` },
    { user_id: userId, type: "purchase", item_id: "sku-1", timestamp: new Date(now - MINUTE).toISOString(), session_id: sessionId, event_id: `${userId}-3${idSuffix}` },
  ];
}

describe("POST /v1/events and DELETE /v1/profiles/:user_id on real OpenSearch and Redis", () => {
  const prefix = keyPrefix();
  let sidecar: Sidecar;
  let logs: ReturnType<typeof capturingLogger>;

  before(async () => {
    logs = capturingLogger();
    sidecar = await startTestSidecar({}, { logger: logs.logger, behaviourOptions: { keyPrefix: prefix } });
  });
  after(async () => {
    await deleteKeysUnder(sidecar.redis, prefix);
    await sidecar.close();
  });

  it("validates each event on its own: good ones are stored and applied, bad ones rejected with reasons, in request order", async () => {
    const user = randomName("user");
    const now = Date.now();
    const events = [
      { user_id: user, type: "search", query: "halo", timestamp: now - MINUTE, session_id: "s", event_id: "p1" },
      { user_id: user, type: "click", timestamp: now - MINUTE, event_id: "p2" }, // no item_id
      { user_id: user, type: "click", item_id: "sku-9", query: "halo", timestamp: now, event_id: "p3", synthetic: true },
      { user_id: user, type: "teleport", item_id: "x", timestamp: now },
      "not an object",
      { user_id: user, type: "view", item_id: "sku-8", timestamp: now + 86_400_000 },
      { user_id: user, type: "view", item_id: "sku-7", timestamp: now - 400 * 86_400_000 },
    ];
    const res = await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
    const body = res.body as IngestBody;
    assert.deepEqual(body.counts, { accepted: 2, duplicate: 0, rejected: 5 });
    assert.deepEqual(body.items.map((i) => [i.position, i.status]), [
      [0, "accepted"],
      [1, "rejected"],
      [2, "accepted"],
      [3, "rejected"],
      [4, "rejected"],
      [5, "rejected"],
      [6, "rejected"],
    ]);
    assert.match(body.items[1]?.error?.message ?? "", /item_id/);
    assert.match(body.items[3]?.error?.message ?? "", /type/);
    assert.match(body.items[5]?.error?.message ?? "", /future/);
    assert.equal(body.items[6]?.error?.code, "EVENT_EXPIRED");

    const stored = (await storedEvents(sidecar)).filter((e) => e._source.user_key === userKey(user));
    assert.equal(stored.length, 2);
    const click = stored.find((e) => e._source.type === "click");
    assert.deepEqual(
      { item_id: click?._source.item_id, query: click?._source.query, synthetic: click?._source.synthetic, timestamp: click?._source.timestamp },
      { item_id: "sku-9", query: "halo", synthetic: true, timestamp: now },
    );
    const profile = await profileOf(sidecar, user);
    assert.equal(profile?.event_count, 2, "the search and the click were applied to the profile");
    assert.deepEqual(profile?.recent.map((r) => [r.item_id, r.type]), [["sku-9", "click"]]);
  });

  it("takes a single event without the batch wrapper", async () => {
    const res = await request(sidecar.app)
      .post("/v1/events")
      .set(WRITE)
      .send({ user_id: randomName("user"), type: "view", item_id: "sku-1", timestamp: Date.now() })
      .expect(200);
    assert.deepEqual((res.body as IngestBody).counts, { accepted: 1, duplicate: 0, rejected: 0 });
  });

  it("refuses a batch over 5,000 events, an empty one, and a non-object body as a whole", async () => {
    const event = { user_id: "u", type: "view", item_id: "i", timestamp: Date.now() };
    for (const body of [{ events: Array.from({ length: 5001 }, () => event) }, { events: [] }, [event]]) {
      const res = await request(sidecar.app).post("/v1/events").set(WRITE).send(body).expect(400);
      assert.equal((res.body as { error: { code: string } }).error.code, "INVALID_REQUEST");
    }
  });

  it("needs the write scope", async () => {
    await request(sidecar.app)
      .post("/v1/events")
      .set({ "x-api-key": TEST_API_KEYS.search })
      .send({ user_id: "u", type: "view", item_id: "i", timestamp: Date.now() })
      .expect(403);
  });

  it("is idempotent by event_id, also across a sidecar restart on the same indexes", async () => {
    const user = randomName("user");
    const events = personalEvents(user, "session-r", Date.now());
    const first = await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
    assert.deepEqual((first.body as IngestBody).counts, { accepted: 3, duplicate: 0, rejected: 0 });

    const restarted = createSidecar(sidecar.config, { logger: logs.logger, behaviourOptions: { keyPrefix: prefix } });
    try {
      const again = await request(restarted.app).post("/v1/events").set(WRITE).send({ events }).expect(200);
      assert.deepEqual((again.body as IngestBody).counts, { accepted: 0, duplicate: 3, rejected: 0 });
      assert.ok((again.body as IngestBody).items.every((i) => i.status === "duplicate"));
    } finally {
      await restarted.close();
    }
    const stored = (await storedEvents(sidecar)).filter((e) => e._source.user_key === userKey(user));
    assert.equal(stored.length, 3, "each event is stored once");
    assert.equal((await profileOf(sidecar, user))?.event_count, 3, "the profile counted each event once");
  });

  it("counts events by type and outcome on /metrics", async () => {
    const click = { user_id: randomName("user"), type: "click", item_id: "sku-1", timestamp: Date.now(), event_id: "m1" };
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: [click, click, { type: 1 }] }).expect(200);
    const res = await request(sidecar.app).get("/metrics").expect(200);
    assert.match(res.text, /sidecar_events_total\{type="click",outcome="accepted"\} \d+/);
    assert.match(res.text, /sidecar_events_total\{type="click",outcome="duplicate"\} \d+/);
    assert.match(res.text, /sidecar_events_total\{type="invalid",outcome="rejected"\} \d+/);
  });

  it("erasure deletes every stored event of the user and the profile, and says what it deleted", async () => {
    const user = `Erase Me ${randomName("user")}`;
    const other = randomName("user");
    const now = Date.now();
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: personalEvents(user, "s-e", now) }).expect(200);
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: personalEvents(other, "s-o", now) }).expect(200);

    await request(sidecar.app).delete(`/v1/profiles/${encodeURIComponent(user)}`).set(WRITE).expect(403);
    const res = await request(sidecar.app).delete(`/v1/profiles/${encodeURIComponent(user)}`).set(ADMIN).expect(200);
    const body = res.body as { user_key: string; deleted: { profile: boolean; redis_keys: number; events: number } };
    assert.equal(body.user_key, userKey(user));
    assert.equal(body.deleted.events, 3);
    assert.equal(body.deleted.profile, true);
    assert.ok(body.deleted.redis_keys > 0);
    const left = await storedEvents(sidecar);
    assert.equal(left.filter((e) => e._source.user_key === userKey(user)).length, 0);
    assert.equal(left.filter((e) => e._source.user_key === userKey(other)).length, 3, "other users' events stay");
    assert.equal(await profileOf(sidecar, user), null, "the profile is gone");
    assert.equal((await profileOf(sidecar, other))?.event_count, 3, "other users' profiles stay");

    const again = await request(sidecar.app).delete(`/v1/profiles/${encodeURIComponent(user)}`).set(ADMIN).expect(200);
    assert.deepEqual((again.body as typeof body).deleted, { profile: false, redis_keys: 0, events: 0 });
  });

  it("retention deletes stored events older than EVENT_RETENTION_DAYS, directly and from the periodic sweep", async () => {
    const events = sidecar.events;
    assert.ok(events, "the test sidecar has the events half");
    const user = randomName("user");
    const now = Date.now();
    const day = 86_400_000;
    const batch = [10, 4, 0].map((age, i) => ({ user_id: user, type: "view", item_id: `sku-${i}`, timestamp: now - age * day - MINUTE, event_id: `r${i}` }));
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: batch }).expect(200);
    const ages = async () =>
      (await storedEvents(sidecar)).filter((e) => e._source.user_key === userKey(user)).map((e) => Math.floor((now - Number(e._source.timestamp)) / day)).sort();

    // As if 25 days had passed with a 30-day retention: only the 10-day-old event is past it.
    assert.ok((await purgeExpiredEvents(events.store, 30, now + 25 * day)) >= 1);
    assert.deepEqual(await ages(), [0, 4]);

    const sweep = startRetentionSweep({ store: events.store, retentionDays: 3, logger: logs.logger, firstDelayMs: 0, intervalMs: 60_000 });
    try {
      for (let waited = 0; (await ages()).length > 1 && waited < 10_000; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      sweep.stop();
    }
    assert.deepEqual(await ages(), [0]);
    assert.match(logs.text(), /event retention sweep/);
  });

  it("keeps no raw user id, session id, e-mail address or phone number in OpenSearch, Redis or the logs", async () => {
    const user = `Private Person ${randomName("user")}`;
    const session = `session-${randomName("s")}`;
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: personalEvents(user, session, Date.now()) }).expect(200);
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ user_id: user, type: "oops", session_id: session }).expect(200);
    await request(sidecar.app).delete(`/v1/profiles/${encodeURIComponent(user)}`).set(ADMIN).expect(200);
    await request(sidecar.app).delete(`/V1//profiles/${encodeURIComponent(user)}?why=${encodeURIComponent(user)}`).set(ADMIN);
    // New events after the erasure: a profile again, to scan Redis with.
    await request(sidecar.app).post("/v1/events").set(WRITE).send({ events: personalEvents(user, session, Date.now(), "-after") }).expect(200);
    assert.equal((await profileOf(sidecar, user))?.event_count, 3);

    const documents = JSON.stringify(await storedEvents(sidecar));
    const redisText = (await everythingUnder(sidecar.redis, prefix)).join("\n");
    assert.ok(redisText.includes(userKey(user)), "the profile is kept under the pseudonym");
    const logText = logs.text();
    assert.ok(logText.includes("/v1/profiles/[redacted]"), "the erasure request was logged, redacted");
    const secrets = [user, encodeURIComponent(user), session, "jane.doe@example.org", "555-867-5309", "8675309"];
    for (const secret of secrets) {
      assert.ok(!documents.includes(secret), `OpenSearch documents contain ${secret}`);
      assert.ok(!logText.includes(secret), `logs contain ${secret}`);
      assert.ok(!redisText.includes(secret), `Redis contains ${secret}`);
    }
    assert.ok(documents.includes(userKey(user)), "the events are kept under the pseudonym");
  });
});

describe("POST /v1/events when Redis is down", () => {
  let sidecar: Sidecar;

  before(async () => {
    sidecar = await startTestSidecar({ redisUrl: "redis://127.0.0.1:1" });
  });
  after(async () => sidecar.close());

  it("answers 503 REDIS_UNAVAILABLE and writes nothing to OpenSearch, while /v1/search keeps answering", async () => {
    const events = personalEvents(randomName("user"), "s", Date.now());
    const res = await request(sidecar.app).post("/v1/events").set(WRITE).send({ events }).expect(503);
    assert.equal((res.body as { error: { code: string } }).error.code, "REDIS_UNAVAILABLE");
    assert.equal((await storedEvents(sidecar)).length, 0, "no event reached the events index");
    await request(sidecar.app).post("/v1/search").set({ "x-api-key": TEST_API_KEYS.search }).send({ q: "drill", pipeline: "bm25" }).expect(200);
  });

  it("erasure answers 503 REDIS_UNAVAILABLE too (it is retried whole)", async () => {
    const res = await request(sidecar.app).delete("/v1/profiles/someone").set(ADMIN).expect(503);
    assert.equal((res.body as { error: { code: string } }).error.code, "REDIS_UNAVAILABLE");
  });

  it("the events flow answers 503 OPENSEARCH_UNAVAILABLE when OpenSearch is down and Redis is up", async () => {
    const down = createSidecar(testConfig({ opensearchUrl: "http://127.0.0.1:1" }), { behaviourOptions: { keyPrefix: keyPrefix() } });
    try {
      const res = await request(down.app).post("/v1/events").set(WRITE).send({ events: personalEvents(randomName("user"), "s", Date.now()) }).expect(503);
      assert.equal((res.body as { error: { code: string } }).error.code, "OPENSEARCH_UNAVAILABLE");
    } finally {
      await down.close();
    }
  });
});
