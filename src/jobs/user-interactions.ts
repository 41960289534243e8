import { type EventType } from "../events";
import { type OpenSearchGateway } from "../opensearch";
import { type ItemInteraction } from "../profiles";
import { withBackoff } from "./opensearch-backoff";

/** Event types that are interactions with an item (a search is not). */
const ITEM_EVENT_TYPES: readonly EventType[] = ["view", "click", "add_to_cart", "purchase"];
const ITEM_EVENTS = { bool: { filter: [{ terms: { type: ITEM_EVENT_TYPES } }, { exists: { field: "item_id" } }] } };
/** Events per page read for a batch of users. */
const PAGE = 5000;

/** The next `size` user keys with item interactions after `after`, in key order (a composite aggregation). */
export async function userKeysAfter(gateway: OpenSearchGateway, eventsAlias: string, after: string | null, size: number, timeoutMs: number): Promise<string[]> {
  const response = await withBackoff(() =>
    gateway.request<{ aggregations?: { users?: { buckets?: { key: { user: string } }[] } } }>(
      "POST",
      `/${encodeURIComponent(eventsAlias)}/_search`,
      {
        size: 0,
        track_total_hits: false,
        query: ITEM_EVENTS,
        aggs: { users: { composite: { size, sources: [{ user: { terms: { field: "user_key", order: "asc" } } }], ...(after === null ? {} : { after: { user: after } }) } } },
      },
      { timeoutMs, retries: 1 },
    ),
  );
  return (response.body.aggregations?.users?.buckets ?? []).map((bucket) => bucket.key.user);
}

/** Every stored item interaction of these users, read in pages sorted by user, time and event key. */
export async function interactionsOf(gateway: OpenSearchGateway, eventsAlias: string, userKeys: readonly string[], timeoutMs: number): Promise<Map<string, ItemInteraction[]>> {
  const byUser = new Map<string, ItemInteraction[]>(userKeys.map((key) => [key, []]));
  let after: unknown[] | null = null;
  for (;;) {
    const body: Record<string, unknown> = {
      size: PAGE,
      track_total_hits: false,
      query: { bool: { filter: [...ITEM_EVENTS.bool.filter, { terms: { user_key: userKeys } }] } },
      _source: ["user_key", "type", "item_id", "timestamp"],
      sort: [{ user_key: "asc" }, { timestamp: "asc" }, { _id: "asc" }],
      ...(after === null ? {} : { search_after: after }),
    };
    const response = await withBackoff(() =>
      gateway.request<{ hits: { hits: { _source?: { user_key?: string; type?: EventType; item_id?: string; timestamp?: number | string }; sort?: unknown[] }[] } }>(
        "POST",
        `/${encodeURIComponent(eventsAlias)}/_search`,
        body,
        { timeoutMs, retries: 1 },
      ),
    );
    const hits = response.body.hits.hits;
    for (const hit of hits) {
      const source = hit._source;
      const timestamp = typeof source?.timestamp === "string" ? Date.parse(source.timestamp) : source?.timestamp;
      if (!source?.user_key || !source.type || !source.item_id || timestamp === undefined || !Number.isFinite(timestamp)) continue;
      byUser.get(source.user_key)?.push({ type: source.type, itemId: source.item_id, timestamp });
    }
    if (hits.length < PAGE) return byUser;
    after = hits[hits.length - 1]?.sort ?? null;
    if (after === null) return byUser;
  }
}
