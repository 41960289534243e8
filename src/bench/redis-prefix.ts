import { type Redis } from "ioredis";

/** Deletes every key of a bench's throw-away prefix (SCAN, never KEYS or FLUSH). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  if (redis.status === "wait") await redis.connect();
  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
