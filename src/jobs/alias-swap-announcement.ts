import { type Redis } from "ioredis";

/**
 * Redis pub/sub channel on which an alias swap (a reindex's swap, a rollback) is announced, so a
 * running `serve` switches its query embedder at once instead of at its next periodic check.
 */
export const ALIAS_SWAP_CHANNEL = "relevance:alias-swapped";

/** What is published on {@link ALIAS_SWAP_CHANNEL}. */
export interface AliasSwapAnnouncement {
  alias: string;
  /** The index the alias points at now. */
  index: string;
}

/** Announces a swap; a lost announcement only delays the switch until the listeners' next periodic check. */
export async function announceAliasSwap(redis: Redis, announcement: AliasSwapAnnouncement): Promise<void> {
  await redis.publish(ALIAS_SWAP_CHANNEL, JSON.stringify(announcement));
}

/** The alias of a message on the channel, or null when it is not an announcement. */
export function announcedAlias(message: string): string | null {
  try {
    const parsed: unknown = JSON.parse(message);
    return typeof parsed === "object" && parsed !== null && "alias" in parsed && typeof parsed.alias === "string" ? parsed.alias : null;
  } catch {
    return null;
  }
}
