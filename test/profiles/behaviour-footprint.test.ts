import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import { OpenSearchGateway } from "../../src/opensearch";
import { RedisBehaviourSink } from "../../src/profiles";
import { userKeys } from "../../src/profiles";
import { connectRedis } from "../../src/redis";
import { randomName, testOpenSearchUrl, testRedisUrl } from "../utils/services";
import { behaviourEvent as ev, deleteKeysUnder, indexProducts, keysUnder, userKeyOf, type TestProduct } from "./behaviour-fixtures";

const DIMENSION = 64;
const ITEMS = 200;

/** Measured figures for README ("Profiles and behaviour signals"); run with this file alone to read them. */
describe("profile footprint and apply throughput (real Redis and OpenSearch)", function () {
  this.timeout(120_000);
  let gateway: OpenSearchGateway;
  let redis: Redis;
  let index: string;
  let prefix: string;
  let sink: RedisBehaviourSink;

  before(async () => {
    gateway = new OpenSearchGateway({ url: testOpenSearchUrl() });
    index = randomName("t-footprint-products");
    const products: TestProduct[] = Array.from({ length: ITEMS }, (_, i) => ({
      id: `sku-${100000 + i}`,
      category: [`Department ${i % 7}`, `Aisle ${i % 23}`],
      brand: `Brand ${i % 31}`,
      price: 1 + ((i * 37) % 2000),
      embedding: Array.from({ length: DIMENSION }, (_, j) => Math.sin(i * 7 + j)),
      model_version: "m64",
    }));
    await indexProducts(gateway, index, products);
    redis = connectRedis({ url: testRedisUrl() });
    prefix = `test:${randomUUID().slice(0, 12)}:`;
    sink = new RedisBehaviourSink({ redis, gateway, productsAlias: index, embedder: () => ({ version: "m64", dimension: DIMENSION }), keyPrefix: prefix });
  });

  after(async () => {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
    await gateway.request("DELETE", `/${index}`, undefined, { ignore: [404] });
    await gateway.close();
  });

  it("keeps a 50-item profile with a 64-dimensional vector in a few KB", async () => {
    const u = userKeyOf("footprint@example.com");
    const now = Date.now();
    // 50 distinct items viewed, 20 of them also clicked: the recent list is full (50) and every affinity set is populated.
    const events = Array.from({ length: 50 }, (_, i) => ev(u, "view", `sku-${100000 + i}`, now - (100 - i) * 60_000));
    events.push(...Array.from({ length: 20 }, (_, i) => ev(u, "click", `sku-${100000 + i}`, now - (40 - i) * 60_000)));
    await sink.apply(events);
    const profile = await sink.profile(u);
    assert.equal(profile?.recent.length, 50);
    assert.equal(profile?.interest?.dimension, DIMENSION);
    let total = 0;
    const perKey: Record<string, number> = {};
    for (const key of userKeys(prefix, u)) {
      const bytes = (await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0")) as number | null;
      if (bytes === null) continue;
      perKey[key.slice(key.lastIndexOf(":") + 1)] = bytes;
      total += bytes;
    }
    const marker = (await keysUnder(redis, `${prefix}ap:`))[0]!;
    const markerBytes = (await redis.call("MEMORY", "USAGE", marker, "SAMPLES", "0")) as number;
    console.log(`      bytes per profile (50 recent items, 64-dim vector): ${total} ${JSON.stringify(perKey)}; applied-event marker: ${markerBytes} bytes each`);
    assert.ok(total < 16_384, `a profile takes ${total} bytes`);
  });

  // The figure is printed for README; the bound is loose because the test machine is shared (2 cores).
  it("applies thousands of events per second from the sink's side", async () => {
    const users = Array.from({ length: 500 }, (_, i) => userKeyOf(`load-${i}@example.com`));
    const now = Date.now();
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => {
        const n = b * 1000 + i;
        const type = n % 10 === 0 ? "search" : n % 10 < 7 ? "view" : n % 10 < 9 ? "click" : "purchase";
        return ev(users[n % users.length]!, type, type === "search" ? undefined : `sku-${100000 + ((n * 13) % ITEMS)}`, now - (20_000 - n) * 100, {
          query: type === "search" ? `query ${n % 50}` : undefined,
          sessionKey: `session-${n % 900}`,
        });
      }),
    );
    await sink.apply(batches[0]!); // warm: scripts loaded, item facts cached
    const started = performance.now();
    for (const batch of batches.slice(1)) await sink.apply(batch);
    const seconds = (performance.now() - started) / 1000;
    const rate = (19 * 1000) / seconds;
    console.log(`      sink apply: ${Math.round(rate)} events/s (19 batches of 1,000, 500 users, ${ITEMS} items)`);
    assert.ok(rate > 2000, `${Math.round(rate)} events/s`);
  });
});
