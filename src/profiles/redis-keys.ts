import { createHash } from "node:crypto";
// The module itself, not src/model's index: the same normalization as documents and queries without loading TensorFlow.
import { normalizeText } from "../model/text-normalize";

/**
 * Names of every Redis key the profiles and signals use. The Lua scripts build the same names from
 * the prefix (they are listed next to each other here and in README), so change both together.
 *
 * Per user (`<p>u:<userKey>:…`, all erased together): `m` meta hash, `r` recent items, `ai`/`ac`/`ab`/`ap`
 * item/category/brand/price-band affinities, `v` interest vector, `s` per-session last query.
 * Shared signals (`<p>s:…`): `t0` epoch, `pop` popularity, `qs` searches per query, `qc:<query>` clicks
 * per item for one query, `co:<item>` co-interactions of one item. Applied-event markers: `<p>ap:<eventKey>`.
 */
export const USER_KEY_SUFFIXES = ["m", "r", "ai", "ac", "ab", "ap", "v", "s"] as const;

export function userKeyBase(prefix: string, userKey: string): string {
  return `${prefix}u:${userKey}:`;
}

/** Every key one user can have. */
export function userKeys(prefix: string, userKey: string): string[] {
  const base = userKeyBase(prefix, userKey);
  return USER_KEY_SUFFIXES.map((suffix) => base + suffix);
}

/**
 * The identity of a query in Redis: a short hash of its normalized text, so keys stay bounded and the
 * text itself is never stored. Null for text that normalizes to nothing.
 */
export function queryKey(query: string | undefined | null): string | null {
  if (query === undefined || query === null) return null;
  const normalized = normalizeText(query);
  if (normalized === "") return null;
  return createHash("sha256").update(normalized).digest("base64url").slice(0, 16);
}
