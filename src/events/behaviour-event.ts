/** Behaviour event types, in the order of growing intent (CONTRACTS §3). */
export const EVENT_TYPES = ["search", "view", "click", "add_to_cart", "purchase"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * An event as the sidecar keeps it: validated, with every identifier that could point at a person
 * pseudonymized. Nothing in it is the caller's raw user id.
 */
export interface BehaviourEvent {
  /** Stable idempotency key (keyed hash of the caller's `event_id`, or of the event's content when it has none); the events index `_id`. */
  readonly key: string;
  /** HMAC-SHA256 of the raw user id under PSEUDONYM_KEY, hex. */
  readonly userKey: string;
  readonly type: EventType;
  /** Required for every type but `search`. */
  readonly itemId?: string;
  /** Normalized query text with obvious personal data scrubbed (search events; a click may carry the query it followed). */
  readonly query?: string;
  /** Keyed hash of the caller's session id, when given. */
  readonly sessionKey?: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** Made by the synthetic data engine, not by a person. */
  readonly synthetic: boolean;
}

/**
 * Where stored events go next: user profiles and aggregate behaviour signals. Implemented over Redis
 * by src/profiles; the events flow depends only on this port.
 */
export interface BehaviourSink {
  /**
   * Applies events exactly once each, by `key` (applying an already-applied event changes nothing), so
   * a retried batch never counts twice. @throws RedisUnavailableError when Redis cannot be reached
   */
  apply(events: readonly BehaviourEvent[]): Promise<void>;
  /** Forgets everything kept about one user (profile, recent items, session state). */
  erase(userKey: string): Promise<{ profileDeleted: boolean; keysDeleted: number }>;
}
