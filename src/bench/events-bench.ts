import { randomBytes, randomUUID } from "node:crypto";
import { type SidecarConfig } from "../config";
import { SidecarClient, SidecarStatusError } from "../client";
import { EVENT_TYPES, type EventType } from "../events";
import { createSidecar } from "../http";
import { deleteIndexes, setupIndexes } from "../opensearch";
import { connectRedis } from "../redis";
import { percentile } from "./latency-run";
import { deleteKeysWithPrefix } from "./redis-prefix";

export interface EventsBenchOptions {
  /** The sidecar's config; the bench replaces aliases, key prefix, keys and port with throw-away ones. */
  config: SidecarConfig;
  /** Synthetic events sent for the throughput figure. @defaultValue 20000 */
  events?: number;
  /** Events per `POST /v1/events`, as `relevance events load` sends them. @defaultValue 500 */
  batchSize?: number;
  /** Requests in flight. @defaultValue 2 */
  concurrency?: number;
  /** Distinct synthetic users the events are spread over. @defaultValue 1000 */
  users?: number;
  /** Products in the throw-away catalog (the profiles read their facts). @defaultValue 500 */
  products?: number;
  /** Send-one-event-then-read-the-profile trials. @defaultValue 200 */
  trials?: number;
  /** Reports each phase as it starts. */
  onPhase?: (phase: string) => void;
}

export interface Percentiles {
  samples: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
}

export interface EventsBenchResult {
  /** What was measured against: always a throw-away sidecar in this process on throw-away aliases and Redis keys. */
  setup: string;
  /** The throw-away name: aliases `<run>-products|events|profiles` and Redis keys `<run>:…`, all deleted afterwards. */
  run: string;
  /** End to end through `POST /v1/events`: validation, pseudonymization, the OpenSearch bulk create and the Redis profile/signals update. */
  ingest: { events: number; accepted: number; seconds: number; events_per_second: number; batch_size: number; concurrency: number };
  /** From sending one event to seeing it in `GET /v1/profiles/:user_id`'s `recent` items. */
  visibility: Percentiles & { not_visible: number };
  /** The POST of those single events alone (durable write in OpenSearch, then the profile update in Redis). */
  single_event_post: Percentiles;
  /** The same run's Redis PING round trip on its own connection: the floor of any Redis-backed read. */
  redis_ping: Percentiles;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function summarize(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    mean_ms: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** A deterministic-enough mix of event types, weighted like a shop's traffic (searches and views dominate). */
const TYPE_MIX: readonly EventType[] = ["search", "search", "search", "view", "view", "view", "click", "click", "add_to_cart", "purchase"];

function syntheticEvent(run: string, n: number, users: number, products: number, now: number): Record<string, unknown> {
  const type = TYPE_MIX[n % TYPE_MIX.length] ?? EVENT_TYPES[0];
  const user = (n * 7919) % users;
  const item = (n * 104729) % products;
  return {
    event_id: `${run}-${n}`,
    user_id: `${run}-user-${user}`,
    session_id: `${run}-session-${user}-${Math.floor(n / 50)}`,
    type,
    ...(type === "search" ? { query: `bench query ${item % 40}` } : { item_id: `${run}-item-${item}` }),
    timestamp: now - 3_600_000 + (n % 3_600_000),
    synthetic: true,
  };
}

/**
 * Ingest throughput and event→profile visibility of the events flow, measured in one run against a
 * throw-away sidecar (in this process, on the configured OpenSearch and Redis) with throw-away aliases
 * and a Redis key prefix of its own; both are deleted afterwards.
 */
export async function benchEvents(options: EventsBenchOptions): Promise<EventsBenchResult> {
  const total = options.events ?? 20_000;
  const batchSize = options.batchSize ?? 500;
  const concurrency = options.concurrency ?? 2;
  const users = options.users ?? 1000;
  const products = options.products ?? 500;
  const trials = options.trials ?? 200;
  const run = `bench-${randomUUID().slice(0, 8)}`;
  const aliases = { products: `${run}-products`, events: `${run}-events`, profiles: `${run}-profiles` };
  const keyPrefix = `${run}:`;
  const apiKey = randomBytes(24).toString("hex");
  const sidecar = createSidecar(
    {
      ...options.config,
      port: 0,
      host: "127.0.0.1",
      logLevel: "warn",
      // The bench's own client shares this process's event loop: shedding by loop delay would measure the bench.
      maxEventLoopDelayMs: 0,
      productsAlias: aliases.products,
      eventsAlias: aliases.events,
      profilesAlias: aliases.profiles,
      apiKeys: [{ key: apiKey, scope: "admin" }],
      pseudonymKey: options.config.pseudonymKey ?? randomBytes(32).toString("hex"),
    },
    { behaviourOptions: { keyPrefix } },
  );
  const redis = connectRedis({ url: options.config.redisUrl });
  try {
    await setupIndexes(sidecar.gateway, { aliases, embeddingDimension: sidecar.config.embeddingDimension });
    // One try per request: the bench measures what the sidecar does, failures included.
    const client = new SidecarClient({ baseUrl: `http://127.0.0.1:${await sidecar.listen()}`, apiKey, tries: 1, timeoutMs: 120_000 });

    options.onPhase?.(`catalog of ${products} products`);
    const catalog = Array.from({ length: products }, (_, i) => ({ id: `${run}-item-${i}`, title: `bench product ${i}`, brand: `brand ${i % 20}`, category: `Bench/Category ${i % 15}`, price: 5 + (i % 200) }));
    for (let i = 0; i < catalog.length; i += 500) await client.enrich(catalog.slice(i, i + 500), { refresh: true });

    options.onPhase?.(`ingest: ${total} events in batches of ${batchSize}, ${concurrency} in flight`);
    const now = Date.now();
    // Warm-up (not counted): code paths, connections, scripts loaded.
    await client.events(Array.from({ length: Math.min(batchSize, 200) }, (_, i) => syntheticEvent(`${run}-warm`, i, users, products, now)));
    let next = 0;
    let accepted = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < total) {
        const from = next;
        next = Math.min(total, next + batchSize);
        const events = Array.from({ length: next - from }, (_, i) => syntheticEvent(run, from + i, users, products, now));
        const outcome = await client.events(events);
        accepted += outcome.counts.accepted;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;

    options.onPhase?.(`visibility: ${trials} trials of one event then GET /v1/profiles`);
    const visible: number[] = [];
    const posts: number[] = [];
    let notVisible = 0;
    for (let t = 0; t < trials; t++) {
      const user = `${run}-visibility-${t}`;
      const item = `${run}-item-${t % products}`;
      const t0 = performance.now();
      await client.events([{ user_id: user, type: "view", item_id: item, timestamp: Date.now(), event_id: `v-${t}` }]);
      posts.push(performance.now() - t0);
      let seen = false;
      while (!seen && performance.now() - t0 < 2000) {
        // An error answer counts as not visible yet, as a 404 does; only a transport failure stops the bench.
        const profile = await client.profile(user).catch((err: unknown) => {
          if (err instanceof SidecarStatusError) return null;
          throw err;
        });
        seen = (profile?.recent ?? []).some((r) => r.item_id === item);
      }
      if (seen) visible.push(performance.now() - t0);
      else notVisible += 1;
    }

    options.onPhase?.("Redis PING round trips");
    await redis.connect();
    const pings: number[] = [];
    for (let t = 0; t < trials; t++) {
      const t0 = performance.now();
      await redis.ping();
      pings.push(performance.now() - t0);
    }

    return {
      setup: "throw-away sidecar in this process (loopback HTTP), throw-away aliases and Redis key prefix, synthetic events and products",
      run,
      ingest: { events: total, accepted, seconds: round(seconds, 3), events_per_second: round(total / seconds, 1), batch_size: batchSize, concurrency },
      visibility: { ...summarize(visible), not_visible: notVisible },
      single_event_post: summarize(posts),
      redis_ping: summarize(pings),
    };
  } finally {
    await deleteIndexes(sidecar.gateway, aliases).catch(() => undefined);
    await deleteKeysWithPrefix(redis, keyPrefix).catch(() => undefined);
    redis.disconnect();
    await sidecar.close();
  }
}
