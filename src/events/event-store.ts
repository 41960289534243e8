import { OpenSearchUnavailableError, type OpenSearchGateway } from "../opensearch";
import { type BehaviourEvent } from "./behaviour-event";

export interface EventStoreOptions {
  gateway: OpenSearchGateway;
  /** The events alias (writes go to its write index). */
  alias: string;
  /** Deadline of one bulk write. @defaultValue 30000 */
  writeTimeoutMs?: number;
  /** Deadline of one delete-by-query (erasure, retention). @defaultValue 300000 */
  deleteTimeoutMs?: number;
}

/** What happened to one event in a bulk create, in input order. */
export type StoreOutcome = { status: "created" } | { status: "duplicate" } | { status: "failed"; message: string };

/** The stored document: only pseudonymized identifiers and scrubbed text (template: index-templates/events.json). */
interface EventDocument {
  user_key: string;
  type: string;
  item_id?: string;
  query?: string;
  session_key?: string;
  timestamp: number;
  synthetic: boolean;
  received_at: number;
}

interface BulkItem {
  create?: { status: number; error?: { type?: string; reason?: string } };
}

interface DeleteByQueryResponse {
  deleted?: number;
  failures?: unknown[];
}

/** Statuses of a bulk item that mean "try again later", not "this event is wrong". */
const TRANSIENT_ITEM_STATUSES = new Set([429, 500, 502, 503, 504]);

function toDocument(event: BehaviourEvent, receivedAt: number): EventDocument {
  return {
    user_key: event.userKey,
    type: event.type,
    ...(event.itemId === undefined ? {} : { item_id: event.itemId }),
    ...(event.query === undefined ? {} : { query: event.query }),
    ...(event.sessionKey === undefined ? {} : { session_key: event.sessionKey }),
    timestamp: event.timestamp,
    synthetic: event.synthetic,
    received_at: receivedAt,
  };
}

/**
 * The durable log of behaviour events in OpenSearch. Each event is written with `create` under its
 * idempotency key as `_id`, so OpenSearch itself says when an event was already stored (409) — across
 * restarts and across sidecar instances.
 */
export class EventStore {
  readonly #gateway: OpenSearchGateway;
  readonly #alias: string;
  readonly #writeTimeoutMs: number;
  readonly #deleteTimeoutMs: number;

  constructor(options: EventStoreOptions) {
    if (!options.alias) throw new TypeError("EventStore needs the events alias");
    this.#gateway = options.gateway;
    this.#alias = options.alias;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.#deleteTimeoutMs = options.deleteTimeoutMs ?? 300_000;
  }

  /**
   * Creates the events; one outcome per event in order. A transient per-item failure (OpenSearch
   * overloaded) fails the whole call, so the caller retries and nothing is silently dropped.
   * @throws OpenSearchError when OpenSearch cannot take the batch
   */
  async create(events: readonly BehaviourEvent[], receivedAt = Date.now()): Promise<StoreOutcome[]> {
    if (events.length === 0) return [];
    const lines = events.flatMap((event) => [{ create: { _id: event.key } }, toDocument(event, receivedAt)]);
    const response = await this.#gateway.request<{ items: BulkItem[] }>("POST", `/${encodeURIComponent(this.#alias)}/_bulk`, lines, {
      timeoutMs: this.#writeTimeoutMs,
    });
    const items = response.body.items;
    if (items.length !== events.length) throw new OpenSearchUnavailableError(`bulk answered ${items.length} items for ${events.length} events`);
    const transient = items.find((item) => TRANSIENT_ITEM_STATUSES.has(item.create?.status ?? 0));
    if (transient) {
      throw new OpenSearchUnavailableError(`OpenSearch refused part of the events batch for now (${transient.create?.status}: ${transient.create?.error?.type ?? "unknown"}); retry it`);
    }
    return items.map((item): StoreOutcome => {
      const status = item.create?.status ?? 0;
      if (status === 200 || status === 201) return { status: "created" };
      if (status === 409) return { status: "duplicate" };
      const error = item.create?.error;
      return { status: "failed", message: `OpenSearch refused the event (${status}${error?.type ? ` ${error.type}` : ""}${error?.reason ? `: ${error.reason}` : ""})` };
    });
  }

  /** Deletes every stored event of one user; returns how many were deleted. */
  async deleteUser(userKey: string): Promise<number> {
    return this.#deleteByQuery({ term: { user_key: userKey } });
  }

  /** Deletes every event whose timestamp is before `cutoff` (epoch ms); returns how many were deleted. */
  async deleteOlderThan(cutoff: number): Promise<number> {
    return this.#deleteByQuery({ range: { timestamp: { lt: cutoff, format: "epoch_millis" } } });
  }

  /** Makes every write so far visible to searches (tests, and before a delete-by-query). */
  async refresh(): Promise<void> {
    await this.#gateway.request("POST", `/${encodeURIComponent(this.#alias)}/_refresh`, undefined, { timeoutMs: this.#deleteTimeoutMs, retries: 1 });
  }

  async #deleteByQuery(query: Record<string, unknown>): Promise<number> {
    // Delete-by-query sees only refreshed documents: refresh first so events written a moment ago go too.
    await this.refresh();
    const response = await this.#gateway.request<DeleteByQueryResponse>("POST", `/${encodeURIComponent(this.#alias)}/_delete_by_query`, { query }, {
      timeoutMs: this.#deleteTimeoutMs,
      querystring: { refresh: true, conflicts: "proceed", wait_for_completion: true, timeout: `${Math.ceil(this.#deleteTimeoutMs / 1000)}s` },
    });
    if (response.body.failures && response.body.failures.length > 0) {
      throw new OpenSearchUnavailableError(`delete-by-query left ${response.body.failures.length} failures; retry it`);
    }
    return response.body.deleted ?? 0;
  }
}
