import { strict as assert } from "node:assert";
import { benchEvents } from "../../src/bench";
import { OpenSearchGateway } from "../../src/opensearch";
import { connectRedis } from "../../src/redis";
import { testConfig } from "../utils/services";

/** `relevance bench events` measures real work end to end and leaves nothing behind. */
describe("benchEvents", function () {
  this.timeout(120_000);

  it("sends every event through /v1/events, sees each trial event in the profile, and deletes its aliases and Redis keys", async () => {
    const config = testConfig();
    const phases: string[] = [];
    const result = await benchEvents({ config, events: 600, batchSize: 100, concurrency: 2, users: 20, products: 30, trials: 10, onPhase: (p) => phases.push(p) });
    assert.equal(phases.length, 4);
    assert.equal(result.ingest.accepted, 600);
    assert.ok(result.ingest.events_per_second > 0);
    assert.equal(result.visibility.samples, 10);
    assert.equal(result.visibility.not_visible, 0);
    // Each trial is seen no earlier than its POST answered.
    assert.ok(result.visibility.p50_ms >= result.single_event_post.p50_ms && result.visibility.p99_ms >= result.single_event_post.p99_ms, JSON.stringify(result));
    assert.equal(result.redis_ping.samples, 10);

    const gateway = new OpenSearchGateway({ url: config.opensearchUrl });
    const redis = connectRedis({ url: config.redisUrl });
    try {
      const indexes = await gateway.request<unknown[]>("GET", `/_cat/indices/${result.run}-*`, undefined, { querystring: { format: "json" } });
      assert.deepEqual(indexes.body, []);
      await redis.connect();
      const [, keys] = await redis.scan("0", "MATCH", `${result.run}:*`, "COUNT", 100_000);
      assert.deepEqual(keys, []);
    } finally {
      redis.disconnect();
      await gateway.close();
    }
  });
});
