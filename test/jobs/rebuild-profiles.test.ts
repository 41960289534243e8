import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import pino from "pino";
import request from "supertest";
import { type BehaviourEvent, type EventType } from "../../src/events";
import { type Sidecar } from "../../src/http";
import { connectQueueRedis, JobQueue, JobWorker, profileRebuildTarget, reindexLockKey, type RebuildProfilesResult } from "../../src/jobs";
import { RedisBehaviourSink } from "../../src/profiles";
import { indexesBehindAlias, versionedIndexName } from "../../src/opensearch";
import { ActiveModels } from "../../src/runtime";
import { deleteKeysUnder } from "../profiles/behaviour-fixtures";
import { startTestSidecar } from "../utils/sidecar-harness";
import { testRedisUrl, TEST_API_KEYS } from "../utils/services";
import { products, reindexResult, twoModelVersions, waitForJob, type TwoVersions } from "./reindex-fixtures";

const admin = { "x-api-key": TEST_API_KEYS.admin };
const writer = { "x-api-key": TEST_API_KEYS.write };

interface ProfileBody {
  user_key: string;
  interest: { model_version: string; dimension: number; events: number; vector?: number[] } | null;
}

describe("rebuild-profiles after a reindex (real OpenSearch and Redis)", function () {
  this.timeout(240_000);
  let models: TwoVersions;
  let connection: Redis;
  let sidecar: Sidecar;
  let queue: JobQueue;
  const prefix = `t-${randomUUID().slice(0, 8)}:`;
  const referencePrefix = `t-${randomUUID().slice(0, 8)}:`;
  const logger = pino({ level: "silent" });

  before(async () => {
    models = await twoModelVersions();
    connection = connectQueueRedis(testRedisUrl());
    queue = new JobQueue({ connection, name: `test-${randomUUID()}`, attempts: 1 });
    const v1 = await models.load(models.v1);
    sidecar = await startTestSidecar(
      { modelsDir: models.modelsDir, embeddingDimension: v1.dimension, jobsQueue: queue.name },
      { models: new ActiveModels({ embedder: v1 }), behaviourOptions: { keyPrefix: prefix } },
    );
    await request(sidecar.app).post("/v1/enrich").set(writer).send({ documents: products(0, 60), refresh: true }).expect(200);
    await sidecar.live.start();
  });
  after(async () => {
    await queue.obliterate();
    await queue.close();
    await connection.del(reindexLockKey(sidecar.config.productsAlias));
    await deleteKeysUnder(connection, prefix);
    await deleteKeysUnder(connection, referencePrefix);
    await sidecar.gateway.request("DELETE", `/${versionedIndexName(sidecar.config.productsAlias, 2)}`, undefined, { ignore: [404], timeoutMs: 60_000 });
    await sidecar.close();
    connection.disconnect();
    await models.remove();
  });

  it("recomputes every profile's interest vector with the new version once the reindex has swapped: equal to what ingest computes with that version", async () => {
    const now = Date.now();
    const types: EventType[] = ["view", "click", "add_to_cart", "purchase"];
    const events: Record<string, unknown>[] = [1, 2, 3, 4, 5].flatMap((u) =>
      Array.from({ length: 6 + u }, (_, k) => ({
        user_id: `user-${u}`,
        type: types[(u + k) % 4],
        item_id: `d${String((u * 11 + k * 7) % 60).padStart(6, "0")}`,
        timestamp: now - (20 - k) * 3_600_000 * u,
        event_id: `e-${u}-${k}`,
      })),
    );
    // user-6 only searched (no interest vector, not rebuilt); user-7 viewed an item the catalog does not have.
    events.push({ user_id: "user-6", type: "search", query: "sofa", timestamp: now - 1000, event_id: "e-6" });
    events.push({ user_id: "user-7", type: "view", item_id: "not-in-catalog", timestamp: now - 1000, event_id: "e-7" });
    const ingested = (await request(sidecar.app).post("/v1/events").set(writer).send({ events }).expect(200)).body as { counts: { accepted: number } };
    assert.equal(ingested.counts.accepted, events.length);
    const profile = async (user: string, vector = false) => (await request(sidecar.app).get(`/v1/profiles/${user}${vector ? "?vector=true" : ""}`).set(admin).expect(200)).body as ProfileBody;
    const before = await profile("user-1");
    assert.equal(before.interest?.model_version, models.v1);

    // user-1's stored vector is damaged: only a recomputation from the events can bring it back.
    const damaged = `${prefix}u:${before.user_key}:v`;
    await connection.set(damaged, Buffer.alloc(4 * (before.interest?.dimension ?? 0)), "KEEPTTL");

    // user-5's profile expired from Redis meanwhile: its events are still stored, but nothing is recreated.
    const expired = await profile("user-5");
    await deleteKeysUnder(connection, `${prefix}u:${expired.user_key}:`);

    // The promotion's path: a reindex that enqueues rebuild-profiles after its swap.
    const target = profileRebuildTarget(sidecar.config, { keyPrefix: prefix });
    const reindex = await queue.enqueueReindex(sidecar.config.productsAlias, models.v2, target);
    const worker = new JobWorker({ connection, queueName: queue.name, gateway: sidecar.gateway, modelsDir: models.modelsDir, logger, batchSize: 25, swapGraceMs: 50 });
    let rebuilt: RebuildProfilesResult;
    try {
      const reindexed = await waitForJob(queue, reindex.id, 120_000, 100);
      assert.equal(reindexed.state, "completed", reindexed.failure ?? "");
      const followUp = reindexResult(reindexed)?.followUpJob;
      assert.ok(followUp, "the reindex enqueued rebuild-profiles");
      const view = await waitForJob(queue, followUp, 120_000, 100);
      assert.equal(view.state, "completed", view.failure ?? "");
      assert.deepEqual([view.type, view.model_version], ["rebuild-profiles", models.v2]);
      rebuilt = view.result as RebuildProfilesResult;
      // A rebuild to a version the alias does not serve is refused: the events flow would start those vectors over.
      const stale = await queue.enqueue({ type: "rebuild-profiles", modelVersion: models.v1, ...target });
      const refused = await waitForJob(queue, stale.id, 60_000, 100);
      assert.equal(refused.state, "failed");
      assert.match(refused.failure ?? "", /serves .*not .*runs after the reindex's swap/);
    } finally {
      await worker.close();
    }
    assert.deepEqual(await indexesBehindAlias(sidecar.gateway, sidecar.config.productsAlias), [versionedIndexName(sidecar.config.productsAlias, 2)]);
    assert.deepEqual([rebuilt.users, rebuilt.rebuilt, rebuilt.cleared, rebuilt.skipped], [6, 4, 1, 1], "users 1–4 rebuilt, user-7 cleared, user-5 skipped");
    assert.equal((await request(sidecar.app).get("/v1/profiles/user-5").set(admin)).status, 404, "an expired profile is not recreated");
    assert.equal((await profile("user-7")).interest, null);

    // What ingest computes with v2: the same stored events applied to fresh profiles by the events flow's sink.
    const reference = new RedisBehaviourSink({
      redis: connection,
      gateway: sidecar.gateway,
      productsAlias: sidecar.config.productsAlias,
      embedder: () => ({ version: models.v2, dimension: 16 }),
      ...sidecar.behaviour.options,
      ...{ keyPrefix: referencePrefix },
    });
    await sidecar.gateway.request("POST", `/${sidecar.config.eventsAlias}/_refresh`, undefined, { timeoutMs: 60_000 });
    const stored = await sidecar.gateway.request<{ hits: { hits: { _id: string; _source: { user_key: string; type: EventType; item_id?: string; timestamp: number; synthetic: boolean } }[] } }>(
      "POST",
      `/${sidecar.config.eventsAlias}/_search`,
      { size: 1000, query: { match_all: {} } },
      { timeoutMs: 60_000 },
    );
    const replay: BehaviourEvent[] = stored.body.hits.hits.map((hit) => ({
      key: hit._id,
      userKey: hit._source.user_key,
      type: hit._source.type,
      ...(hit._source.item_id ? { itemId: hit._source.item_id } : {}),
      timestamp: hit._source.timestamp,
      synthetic: hit._source.synthetic,
    }));
    await reference.apply(replay);
    for (const user of ["user-1", "user-2", "user-3", "user-4"]) {
      const after = await profile(user, true);
      const expected = (await reference.profile(after.user_key))?.interest;
      assert.ok(after.interest?.vector && expected, user);
      assert.deepEqual([after.interest.model_version, after.interest.dimension, after.interest.events], [models.v2, expected.dimension, expected.events], user);
      assert.equal(after.interest.vector.length, expected.vector.length);
      after.interest.vector.forEach((x, i) => assert.ok(Math.abs(x - (expected.vector[i] ?? NaN)) < 1e-5, `${user}[${i}]: ${x} vs ${expected.vector[i] ?? "?"}`));
    }
  });
});
