import { createHmac, randomUUID } from "node:crypto";
import { type Redis } from "ioredis";
import { type BehaviourEvent, type EventType } from "../../src/events";
import { type OpenSearchGateway } from "../../src/opensearch";

/** The pseudonymization the events flow applies (HMAC-SHA256 hex), with a key of the test's own. */
export function userKeyOf(rawUserId: string, key = "behaviour-test-key"): string {
  return createHmac("sha256", key).update(rawUserId).digest("hex");
}

let sequence = 0;

/** A stored event as the events flow hands it to the sink. */
export function behaviourEvent(
  userKey: string,
  type: EventType,
  itemId: string | undefined,
  timestamp: number,
  extra: Partial<Pick<BehaviourEvent, "query" | "sessionKey" | "key">> = {},
): BehaviourEvent {
  sequence += 1;
  return {
    key: extra.key ?? `ev-${randomUUID()}-${sequence}`,
    userKey,
    type,
    ...(itemId === undefined ? {} : { itemId }),
    ...(extra.query === undefined ? {} : { query: extra.query }),
    ...(extra.sessionKey === undefined ? {} : { sessionKey: extra.sessionKey }),
    timestamp,
    synthetic: true,
  };
}

export interface TestProduct {
  id: string;
  category?: string[];
  brand?: string;
  price?: number;
  embedding?: number[];
  model_version?: string;
}

/** A plain index holding the given products (the sink only `_mget`s it), refreshed. */
export async function indexProducts(gateway: OpenSearchGateway, index: string, products: readonly TestProduct[]): Promise<void> {
  await gateway.request("PUT", `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: false } });
  const lines = products.flatMap((p) => [{ index: { _index: index, _id: p.id } }, p]);
  await gateway.request("POST", "/_bulk", lines, { querystring: { refresh: "true" } });
}

/** Every key under the prefix (SCAN, never KEYS). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

/** Deletes the test's keys; other tests and engineers share this Redis, so never FLUSHDB. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

/** Each key's serialized value (DUMP), to compare Redis contents before and after. */
export async function snapshot(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await keysUnder(redis, prefix)) out.set(key, (await redis.dumpBuffer(key)).toString("hex"));
  return out;
}

/** Every key and every value (all members, fields and scores) under the prefix as text. */
export async function everythingUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await keysUnder(redis, prefix)) {
    out.push(key);
    const type = await redis.type(key);
    if (type === "string") out.push((await redis.getBuffer(key))?.toString("latin1") ?? "");
    else if (type === "hash") for (const [field, value] of Object.entries(await redis.hgetallBuffer(key))) out.push(field, value.toString("latin1"));
    else if (type === "zset") out.push(...(await redis.zrange(key, 0, -1, "WITHSCORES")));
    else if (type === "list") out.push(...(await redis.lrange(key, 0, -1)));
    else if (type === "set") out.push(...(await redis.smembers(key)));
    else out.push(`unexpected type ${type}`);
  }
  return out;
}
