import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import { OpenSearchGateway } from "../../src/opensearch";
import { RedisBehaviourSink, type RedisBehaviourSinkOptions } from "../../src/profiles";
import { connectRedis, RedisUnavailableError } from "../../src/redis";
import { randomName, testOpenSearchUrl, testRedisUrl } from "../utils/services";
import {
  behaviourEvent as ev,
  deleteKeysUnder,
  everythingUnder,
  indexProducts,
  keysUnder,
  snapshot,
  userKeyOf,
  type TestProduct,
} from "./behaviour-fixtures";

const DAY = 86_400_000;
const MINUTE = 60_000;
const T = Date.UTC(2025, 0, 15, 12);

const PRODUCTS: TestProduct[] = [
  { id: "i1", category: ["Tools", "Hand Tools"], brand: "Acme", price: 15, embedding: [1, 0, 0, 0], model_version: "m1" },
  { id: "i2", category: ["Tools", "Power Tools"], brand: "Bolt", price: 150, embedding: [0, 1, 0, 0], model_version: "m1" },
  { id: "i3", category: ["Garden"], brand: "Acme", price: 3, embedding: [0, 0, 1, 0], model_version: "m1" },
  { id: "i4", category: ["Garden"], brand: "Green", price: 60, embedding: [0, 0, 0, 1], model_version: "m1" },
  { id: "old", category: ["Tools"], brand: "Acme", price: 7, embedding: [5, 5, 5, 5], model_version: "m0" },
  { id: "new", category: ["Tools"], brand: "Acme", price: 7, embedding: [0, 2, 0, 2], model_version: "m2" },
];

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

describe("RedisBehaviourSink (real Redis and OpenSearch)", function () {
  this.timeout(30_000);
  let gateway: OpenSearchGateway;
  let redis: Redis;
  let index: string;
  let prefix: string;
  const connections: Redis[] = [];
  let active: { version: string; dimension: number } | null;

  const sink = (options: Partial<RedisBehaviourSinkOptions> = {}) =>
    new RedisBehaviourSink({
      redis,
      gateway,
      productsAlias: index,
      embedder: () => active,
      keyPrefix: prefix,
      clock: () => T,
      ...options,
    });

  before(async () => {
    gateway = new OpenSearchGateway({ url: testOpenSearchUrl() });
    index = randomName("t-behaviour-products");
    await indexProducts(gateway, index, PRODUCTS);
    redis = connectRedis({ url: testRedisUrl() });
  });

  beforeEach(() => {
    prefix = `test:${randomUUID().slice(0, 12)}:`;
    active = { version: "m1", dimension: 4 };
  });

  afterEach(async () => {
    await deleteKeysUnder(redis, prefix);
  });

  after(async () => {
    for (const connection of connections) connection.disconnect();
    redis.disconnect();
    await gateway.request("DELETE", `/${index}`, undefined, { ignore: [404] });
    await gateway.close();
  });

  it("keeps the last N interactions, newest first, in time order whatever the arrival order", async () => {
    const store = sink({ recentItems: 3 });
    const u = userKeyOf("alice@example.com");
    const events = [ev(u, "view", "i1", T - 5000), ev(u, "click", "i2", T - 4000), ev(u, "view", "i3", T - 3000), ev(u, "add_to_cart", "i4", T - 2000), ev(u, "purchase", "i1", T - 1000)];
    await store.apply([events[3]!, events[0]!, events[4]!, events[2]!, events[1]!]);
    const profile = await store.profile(u);
    assert.ok(profile);
    assert.deepEqual(
      profile.recent.map((r) => [r.itemId, r.type, r.timestamp]),
      [
        ["i1", "purchase", T - 1000],
        ["i4", "add_to_cart", T - 2000],
        ["i3", "view", T - 3000],
      ],
    );
    assert.equal(profile.eventCount, 5);
    assert.equal(profile.version, 1);
    assert.equal(profile.updatedAt, T);
  });

  it("decays affinities by the half-life and weighs them by event type", async () => {
    const store = sink({ profileHalfLifeDays: 30 });
    const u = userKeyOf("bob@example.org");
    await store.apply([ev(u, "view", "i1", T - 30 * DAY), ev(u, "view", "i3", T), ev(u, "click", "i2", T - 60 * DAY), ev(u, "purchase", "i4", T)]);
    const profile = await store.profile(u);
    assert.ok(profile);
    const items = new Map(profile.affinities.items.map((a) => [a.key, a.weight]));
    close(items.get("i1")!, 0.5, "view one half-life ago");
    close(items.get("i3")!, 1, "view now");
    close(items.get("i2")!, 2 * 0.25, "click two half-lives ago");
    close(items.get("i4")!, 8, "purchase now");
    assert.deepEqual(
      profile.affinities.items.map((a) => a.key),
      ["i4", "i3", "i2", "i1"],
    );
    const categories = new Map(profile.affinities.categories.map((a) => [a.key, a.weight]));
    close(categories.get("Tools")!, 0.5 + 0.5, "Tools = i1 (0.5) + i2 (0.5)");
    close(categories.get("Tools/Hand Tools")!, 0.5, "leaf path");
    close(categories.get("Garden")!, 1 + 8, "Garden = i3 + i4");
    const brands = new Map(profile.affinities.brands.map((a) => [a.key, a.weight]));
    close(brands.get("acme")!, 0.5 + 1, "brands are lowercased and summed");
    const bands = new Map(profile.affinities.priceBands.map((a) => [a.key, a.weight]));
    close(bands.get("10-20")!, 0.5, "15 → 10-20");
    close(bands.get("2-5")!, 1, "3 → 2-5");
    close(bands.get("50-100")!, 8, "60 → 50-100");
    close(bands.get("100-200")!, 0.5, "150 → 100-200");
  });

  it("reads the same profile later as weights decayed further, without rewriting Redis", async () => {
    let now = T;
    const store = sink({ clock: () => now, profileHalfLifeDays: 10 });
    const u = userKeyOf("carol@example.com");
    await store.apply([ev(u, "view", "i1", T)]);
    const before = await snapshot(redis, prefix);
    now = T + 10 * DAY;
    const profile = await store.profile(u);
    close(profile!.affinities.items[0]!.weight, 0.5, "one half-life later");
    assert.deepEqual(await snapshot(redis, prefix), before);
  });

  it("keeps the interest vector as the decayed, type-weighted mean of the active model's embeddings, with its version", async () => {
    const store = sink({ profileHalfLifeDays: 30 });
    const u = userKeyOf("dave@example.com");
    await store.apply([ev(u, "view", "i1", T - 30 * DAY), ev(u, "purchase", "i2", T), ev(u, "view", "old", T)]);
    let profile = await store.profile(u);
    assert.ok(profile?.interest);
    assert.equal(profile.interest.modelVersion, "m1");
    assert.equal(profile.interest.dimension, 4);
    assert.equal(profile.interest.events, 2, "the m0 item is skipped");
    // weights: i1 view half-life ago 0.5, i2 purchase now 8
    const expected = [0.5 / 8.5, 8 / 8.5, 0, 0];
    profile.interest.vector.forEach((x, i) => close(x, expected[i]!, `component ${i}`));

    // Another model is promoted: old-version items no longer feed the vector...
    active = { version: "m2", dimension: 4 };
    await store.apply([ev(u, "click", "i3", T)]);
    profile = await store.profile(u);
    assert.equal(profile?.interest?.modelVersion, "m1");
    assert.equal(profile?.interest?.events, 2);
    // ...and the first item of the new version starts the vector over.
    await store.apply([ev(u, "view", "new", T)]);
    profile = await store.profile(u);
    assert.equal(profile?.interest?.modelVersion, "m2");
    assert.equal(profile?.interest?.events, 1);
    assert.deepEqual(Array.from(profile?.interest?.vector ?? []), [0, 2, 0, 2]);

    // No active model: nothing changes in the vector.
    active = null;
    await store.apply([ev(u, "view", "new", T + 1)]);
    assert.equal((await store.profile(u))?.interest?.events, 1);
  });

  it("applies a batch exactly once: the same batch again changes neither profiles nor signals", async () => {
    const store = sink();
    const a = userKeyOf("erin@example.com");
    const b = userKeyOf("frank@example.com");
    const batch = [
      ev(a, "search", undefined, T - 3 * MINUTE, { query: "hammer", sessionKey: "s-a" }),
      ev(a, "click", "i1", T - 2 * MINUTE, { sessionKey: "s-a" }),
      ev(a, "view", "i2", T - MINUTE),
      ev(b, "purchase", "i1", T),
    ];
    const first = await store.applyCounted(batch);
    assert.deepEqual([first.applied, first.duplicates], [4, 0]);
    const before = await snapshot(redis, prefix);
    const second = await store.applyCounted(batch);
    assert.deepEqual([second.applied, second.duplicates], [0, 4]);
    assert.deepEqual(await snapshot(redis, prefix), before);
    // A retry of part of the batch mixed with a new event applies only the new one.
    const third = await store.applyCounted([batch[1]!, ev(b, "view", "i3", T)]);
    assert.deepEqual([third.applied, third.duplicates], [1, 1]);
    assert.equal((await store.profile(b))?.eventCount, 2);
  });

  it("counts popularity by type weight, query clicks with session attribution, and a smoothed CTR", async () => {
    const store = sink();
    const a = userKeyOf("gina@example.com");
    const b = userKeyOf("hank@example.com");
    await store.apply([
      ev(a, "search", undefined, T, { query: "Drill  Bits", sessionKey: "s1" }),
      ev(a, "click", "i1", T + MINUTE, { sessionKey: "s1" }), // attributed to "drill bits" by the session
      ev(a, "click", "i3", T + 2 * MINUTE, { sessionKey: "s2" }), // a session without a search: no query
      ev(a, "click", "i4", T + 2 * 60 * MINUTE, { sessionKey: "s1" }), // outside the 30-minute window
      ev(b, "search", undefined, T, { query: "drill bits" }),
      ev(b, "click", "i2", T + MINUTE, { query: "DRILL bits" }), // carries its query
      ev(b, "purchase", "i1", T + 3 * MINUTE),
    ]);
    const signals = await store.signalsFor("drill   BITS", ["i1", "i2", "i3", "i4", "nope"]);
    assert.equal(signals.query, "drill bits");
    close(signals.querySearches, 2, "two searches");
    const by = new Map(signals.candidates.map((c) => [c.itemId, c]));
    // Events are minutes apart, so decay (14-day half-life) is below 1e-3 here.
    const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-3 * Math.max(1, y), `${what}: ${x} vs ${y}`);
    near(by.get("i1")!.popularity, 2 + 8, "click + purchase");
    near(by.get("i2")!.popularity, 2, "one click");
    assert.equal(by.get("nope")!.popularity, 0);
    near(by.get("i1")!.queryClicks, 1, "session-attributed click");
    near(by.get("i2")!.queryClicks, 1, "click with its own query");
    assert.equal(by.get("i3")!.queryClicks, 0, "no search in its session");
    assert.equal(by.get("i4")!.queryClicks, 0, "too long after the search");
    near(by.get("i1")!.queryCtr, (1 + 0.5) / (2 + 10), "Beta(0.5, 9.5)-smoothed");
    near(by.get("i4")!.queryCtr, 0.5 / 12, "no clicks: shrunk towards the prior");
    const none = await store.signalsFor(null, ["i1"]);
    assert.equal(none.candidates[0]!.queryCtr, 0.05, "no query: the prior mean");
  });

  it("counts co-interactions of one user's items within the window, and reads them against recent items", async () => {
    const store = sink({ coInteractionWindowHours: 24 });
    const u = userKeyOf("ivy@example.com");
    const w = userKeyOf("jack@example.com");
    await store.apply([
      ev(u, "view", "i1", T),
      ev(u, "view", "i2", T + MINUTE),
      ev(u, "click", "i3", T + 2 * MINUTE),
      ev(u, "view", "i4", T + 26 * 60 * MINUTE), // 26 hours later: pairs with nothing
      ev(w, "view", "i1", T),
      ev(w, "view", "i2", T + MINUTE),
    ]);
    const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-3 * Math.max(1, y), `${what}: ${x} vs ${y}`);
    const signals = await store.signalsFor(null, ["i1", "i2", "i4"], ["i3"]);
    near(signals.candidates[0]!.coInteraction, 1, "i1–i3");
    near(signals.candidates[1]!.coInteraction, 1, "i2–i3");
    assert.equal(signals.candidates[2]!.coInteraction, 0, "i4 was outside the window");
    const withTwo = await store.signalsFor(null, ["i1"], ["i2", "i3"]);
    near(withTwo.candidates[0]!.coInteraction, 2 + 1, "i1–i2 by two users + i1–i3");
    // profileAndSignals takes the user's own recent items: ivy's recent are i4, i3, i2, i1.
    const both = await store.profileAndSignals(u, null, ["i1"]);
    near(both.signals.candidates[0]!.coInteraction, 2 + 1, "i1 against i2 and i3 (itself excluded by having no self-pair)");
    assert.equal(both.profile?.recent.length, 4);
  });

  it("reads a query's signals before the candidates are known, then only their popularity: the same signals as the one-shot read", async () => {
    const store = sink({ coInteractionWindowHours: 24 });
    const u = userKeyOf("mona@example.com");
    const w = userKeyOf("ned@example.com");
    await store.apply([
      ev(u, "search", undefined, T, { query: "cordless drill", sessionKey: "s1" }),
      ev(u, "click", "i1", T + MINUTE, { sessionKey: "s1" }),
      ev(u, "view", "i2", T + 2 * MINUTE),
      ev(u, "purchase", "i3", T + 3 * MINUTE),
      ev(w, "search", undefined, T, { query: "Cordless  drill" }),
      ev(w, "click", "i2", T + MINUTE, { query: "cordless drill" }),
      ev(w, "view", "i1", T + 2 * MINUTE),
    ]);
    const candidates = ["i3", "i1", "nope", "i2"];
    for (const recent of [[], ["i1"], ["i2", "i3", "i2"]]) {
      const prepared = await store.querySignals("CORDLESS drill", recent);
      assert.equal(prepared.query, "cordless drill");
      const split = await store.candidateSignals(prepared, candidates);
      const oneShot = await store.signalsFor("cordless drill", candidates, recent);
      assert.deepEqual(split, oneShot, `recent ${recent.join(",")}`);
    }
    const prepared = await store.querySignals("cordless drill", ["i1"]);
    const signals = await store.candidateSignals(prepared, candidates);
    const by = new Map(signals.candidates.map((c) => [c.itemId, c]));
    const near = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-3 * Math.max(1, y), `${what}: ${x} vs ${y}`);
    near(by.get("i1")!.queryClicks, 1, "one session-attributed click");
    near(by.get("i2")!.coInteraction, 2, "i2–i1 by both users");
    near(by.get("i3")!.coInteraction, 1, "i3–i1 by mona");
    near(by.get("i3")!.popularity, 8, "one purchase");
    assert.equal(by.get("nope")!.popularity + by.get("nope")!.queryClicks + by.get("nope")!.coInteraction, 0);
    const empty = await store.candidateSignals(prepared, []);
    assert.deepEqual(empty.candidates, []);
  });

  it("counts a candidate's co-interactions in the recent items' co-interaction sets (top K of each recent item)", async () => {
    // i1 is co-interacted with i2, i3 and i4; with coItemsPerItem 2 its own set keeps two of them, while each partner's set keeps i1.
    const store = sink({ coInteractionWindowHours: 24, caps: { coItemsPerItem: 2, coPairsPerEvent: 10 } });
    const users = ["o1", "o2", "o3"].map((name) => userKeyOf(`${name}@example.com`));
    await store.apply([
      ev(users[0]!, "view", "i1", T), ev(users[0]!, "view", "i2", T + MINUTE),
      ev(users[1]!, "view", "i1", T), ev(users[1]!, "view", "i3", T + MINUTE),
      ev(users[2]!, "view", "i1", T), ev(users[2]!, "view", "i4", T + MINUTE),
      ev(users[2]!, "view", "i1", T + 2 * MINUTE), ev(users[1]!, "view", "i3", T + 3 * MINUTE),
    ]);
    const kept = await Promise.all(["i2", "i3", "i4"].map((id) => redis.zscore(`${prefix}s:co:i1`, id)));
    const dropped = ["i2", "i3", "i4"].filter((_, i) => kept[i] === null);
    assert.equal(dropped.length, 1, "i1's own set is trimmed to two partners");
    assert.notEqual(await redis.zscore(`${prefix}s:co:${dropped[0]!}`, "i1"), null, "the dropped partner's own set keeps i1");
    const signals = await store.signalsFor(null, ["i1"], [dropped[0]!]);
    assert.ok(signals.candidates[0]!.coInteraction > 0, "so i1 counts as co-interacted with it");
  });

  it("caps every set to its top K", async () => {
    const store = sink({ caps: { coItemsPerItem: 2, popularItems: 3, clickedItemsPerQuery: 2, itemAffinities: 2, coPairsPerEvent: 10 } });
    const u = userKeyOf("kate@example.com");
    const events = ["i1", "i2", "i3", "i4", "old", "new"].map((id, i) => ev(u, "click", id, T + i * 1000, { query: "tools" }));
    events.push(ev(u, "purchase", "i1", T + 10_000, { query: "tools" }));
    await store.apply(events);
    assert.equal(await redis.zcard(`${prefix}s:pop`), 3);
    assert.deepEqual((await redis.zrevrange(`${prefix}s:pop`, 0, 0))[0], "i1", "the strongest item stays");
    assert.equal(await redis.zcard(`${prefix}u:${u}:ai`), 2);
    for (const id of ["i1", "i2", "i3", "i4", "old", "new"]) assert.ok((await redis.zcard(`${prefix}s:co:${id}`)) <= 2, `co:${id}`);
    const clickKeys = (await keysUnder(redis, `${prefix}s:qc:`)).filter((k) => k.startsWith(`${prefix}s:qc:`));
    assert.equal(clickKeys.length, 1);
    assert.equal(await redis.zcard(clickKeys[0]!), 2);
    const ttl = await redis.pttl(clickKeys[0]!);
    assert.ok(ttl > 0, "per-query keys expire");
    assert.ok((await redis.pttl(`${prefix}u:${u}:m`)) > 0, "profile keys expire");
    assert.ok((await redis.ttl(`${prefix}s:co:i1`)) > 0, "co-interaction keys expire");
  });

  it("reads profile and signals in one Redis command, and applies a batch in one command plus at most one _mget", async () => {
    const store = sink();
    const u = userKeyOf("liam@example.com");
    await store.apply([ev(u, "view", "i1", T)]); // loads the scripts and warms the item-facts cache for i1
    await store.profileAndSignals(u, "hammer", ["i1"]);
    const sent: string[] = [];
    const original = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      sent.push(command.name.toLowerCase());
      return original(command, stream);
    };
    const gets: string[] = [];
    const request = gateway.request.bind(gateway);
    gateway.request = (method, path, body, options) => {
      gets.push(`${method} ${path}`);
      return request(method, path, body, options);
    };
    try {
      const both = await store.profileAndSignals(u, "hammer", ["i1", "i2", "i3", "i4"]);
      assert.ok(both.profile);
      assert.deepEqual(sent, ["evalsha"]);
      sent.length = 0;
      await store.signalsFor("hammer", ["i1", "i2"], ["i3"]);
      assert.deepEqual(sent, ["evalsha"]);
      sent.length = 0;
      const prepared = await store.querySignals("hammer", ["i3"]);
      assert.deepEqual(sent, ["evalsha"], "the query's signals: one script call");
      sent.length = 0;
      await store.candidateSignals(prepared, ["i1", "i2"]);
      assert.deepEqual(sent, ["zmscore"], "then one ZMSCORE of the candidates' popularity");
      sent.length = 0;
      const batch = ["i1", "i2", "i3", "i4"].flatMap((id, i) => [ev(u, "view", id, T + i), ev(userKeyOf(`u${i}@example.com`), "click", id, T + i)]);
      await store.apply(batch);
      assert.deepEqual(sent, ["evalsha"]);
      assert.deepEqual(gets, [`POST /${index}/_mget`], "one _mget for the three uncached items");
    } finally {
      redis.sendCommand = original;
      gateway.request = request;
    }
  });

  it("shows a change made through one instance at the other's next read", async () => {
    const other = connectRedis({ url: testRedisUrl() });
    connections.push(other);
    const a = sink();
    const b = sink({ redis: other });
    const u = userKeyOf("mona@example.com");
    await a.apply([ev(u, "view", "i1", T)]);
    assert.deepEqual((await b.profile(u))?.recent.map((r) => r.itemId), ["i1"]); // b caches version 1
    await a.apply([ev(u, "click", "i2", T + 1)]);
    const seen = await b.profile(u);
    assert.equal(seen?.version, 2);
    assert.deepEqual(seen?.recent.map((r) => r.itemId), ["i2", "i1"]);
    assert.deepEqual((await b.profile(u))?.recent.map((r) => r.itemId), ["i2", "i1"], "served from b's cache, still current");
    await a.erase(u);
    assert.equal(await b.profile(u), null);
    // A profile recreated after erasure does not match the erased one's cached version.
    await b.profile(u);
    await a.apply([ev(u, "purchase", "i3", T + 2)]);
    assert.deepEqual((await b.profile(u))?.recent.map((r) => r.itemId), ["i3"]);
  });

  it("erases every key of the user and reports what it deleted", async () => {
    const store = sink();
    const u = userKeyOf("nina@example.com");
    const other = userKeyOf("oscar@example.com");
    await store.apply([
      ev(u, "search", undefined, T, { query: "saw", sessionKey: "s9" }),
      ev(u, "view", "i1", T + 1, { sessionKey: "s9" }),
      ev(u, "purchase", "i2", T + 2),
      ev(other, "view", "i1", T),
    ]);
    const before = await keysUnder(redis, `${prefix}u:${u}:`);
    assert.deepEqual(
      before.map((k) => k.slice(`${prefix}u:${u}:`.length)),
      ["ab", "ac", "ai", "ap", "m", "r", "s", "v"],
    );
    const erased = await store.erase(u);
    assert.deepEqual(erased, { profileDeleted: true, keysDeleted: 8 });
    assert.deepEqual(await keysUnder(redis, `${prefix}u:${u}`), []);
    assert.equal(await store.profile(u), null);
    assert.ok(await store.profile(other), "other users keep their profile");
    assert.deepEqual(await store.erase(u), { profileDeleted: false, keysDeleted: 0 });
  });

  it("stores no raw user id in any Redis key or value", async () => {
    const store = sink();
    const raw = ["alice@example.com", "bob.smith@example.org", "user-123456"];
    await store.apply(
      raw.flatMap((id, i) => [
        ev(userKeyOf(id), "search", undefined, T + i, { query: "cordless drill", sessionKey: userKeyOf(`session-${id}`) }),
        ev(userKeyOf(id), "click", "i2", T + i + 1, { sessionKey: userKeyOf(`session-${id}`) }),
        ev(userKeyOf(id), "purchase", "i1", T + i + 2),
      ]),
    );
    const everything = (await everythingUnder(redis, prefix)).join("\n").toLowerCase();
    assert.ok(everything.length > 0);
    for (const id of raw) {
      assert.ok(!everything.includes(id.toLowerCase()), `found ${id}`);
      assert.ok(!everything.includes(id.split("@")[0]!.toLowerCase()), `found the local part of ${id}`);
    }
    assert.ok(!everything.includes("cordless"), "query text is stored only as a hash");
  });

  it("throws RedisUnavailableError promptly when Redis is down", async () => {
    const down = connectRedis({ url: "redis://127.0.0.1:1" });
    connections.push(down);
    down.on("error", () => undefined);
    const store = sink({ redis: down });
    const u = userKeyOf("pat@example.com");
    for (const attempt of [1, 2]) {
      const started = Date.now();
      await assert.rejects(store.apply([ev(u, "view", "i1", T)]), RedisUnavailableError, `apply, attempt ${attempt}`);
      await assert.rejects(store.profileAndSignals(u, "x", ["i1"]), RedisUnavailableError, `read, attempt ${attempt}`);
      await assert.rejects(store.erase(u), RedisUnavailableError, `erase, attempt ${attempt}`);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    }
  });
});
