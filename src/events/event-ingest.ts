import { OpenSearchError } from "../opensearch";
import { EVENT_TYPES, type BehaviourEvent, type BehaviourSink } from "./behaviour-event";
import { type EventStore } from "./event-store";
import { validateEvent, type EventRejection, type EventValidationOptions } from "./event-validation";
import { type Pseudonymizer } from "./pseudonymizer";

export type EventStatus = "accepted" | "duplicate" | "rejected";

export interface EventItemOutcome {
  /** Index of the event in the request. */
  position: number;
  status: EventStatus;
  error?: EventRejection;
}

export interface IngestOutcome {
  counts: Record<EventStatus, number>;
  items: EventItemOutcome[];
}

export interface EventIngestOptions {
  store: EventStore;
  sink: BehaviourSink;
  pseudonymizer: Pseudonymizer;
  /** Resolves when Redis answers; throws a RedisError otherwise. Checked before anything is written. */
  checkRedis: () => Promise<void>;
  /** Events older than this many days are refused. */
  retentionDays: number;
  /** How far in the future a timestamp may be. @defaultValue 300000 (5 minutes) */
  clockSkewMs?: number;
  /** Called once per (type, outcome) with how many events of a batch had it (metrics). */
  onOutcome?: (type: string, outcome: EventStatus, count: number) => void;
  /** The present, epoch ms. @defaultValue Date.now */
  now?: () => number;
}

/** Label for events whose type could not be read: keeps metric cardinality bounded. */
const INVALID_TYPE = "invalid";

/**
 * Takes a batch of raw events through validation, the durable events index and the behaviour sink,
 * in an order that never loses an event silently:
 * 1. Redis must answer (else nothing is written and the caller gets REDIS_UNAVAILABLE);
 * 2. the valid events are created in OpenSearch under their idempotency key (409 ⇒ duplicate);
 * 3. accepted AND duplicate events go to the sink, which applies each key once — so a retry after a
 *    failure between 2 and 3 catches the profile up;
 * 4. only then is the batch answered.
 */
export class EventIngest {
  readonly #options: EventIngestOptions;

  constructor(options: EventIngestOptions) {
    if (!(options.retentionDays > 0)) throw new TypeError(`retentionDays must be positive, got ${options.retentionDays}`);
    this.#options = options;
  }

  /**
   * The events are stored by now, so a failed profile update is tried once more before the caller is
   * told to retry: a retried request would report them `duplicate`, not `accepted`. Redis being down
   * fails fast both times; a slow item-facts read (OpenSearch) often succeeds the second time.
   */
  async #applyToSink(events: readonly BehaviourEvent[]): Promise<void> {
    try {
      await this.#options.sink.apply(events);
    } catch (err) {
      if (!(err instanceof OpenSearchError)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await this.#options.sink.apply(events);
    }
  }

  async ingest(rawEvents: readonly unknown[]): Promise<IngestOutcome> {
    const o = this.#options;
    const validation: EventValidationOptions = {
      pseudonymizer: o.pseudonymizer,
      retentionDays: o.retentionDays,
      now: (o.now ?? Date.now)(),
      ...(o.clockSkewMs === undefined ? {} : { clockSkewMs: o.clockSkewMs }),
    };
    const items: EventItemOutcome[] = [];
    const types: string[] = [];
    const valid: { position: number; event: BehaviourEvent }[] = [];
    rawEvents.forEach((raw, position) => {
      const result = validateEvent(raw, validation);
      if (result.ok) {
        valid.push({ position, event: result.event });
        types.push(result.event.type);
        items.push({ position, status: "accepted" });
      } else {
        types.push(result.type !== undefined && (EVENT_TYPES as readonly string[]).includes(result.type) ? result.type : INVALID_TYPE);
        items.push({ position, status: "rejected", error: result.rejection });
      }
    });

    if (valid.length > 0) {
      await o.checkRedis();
      const stored = await o.store.create(valid.map((v) => v.event));
      const toApply: BehaviourEvent[] = [];
      stored.forEach((outcome, i) => {
        const { position, event } = valid[i] as { position: number; event: BehaviourEvent };
        if (outcome.status === "failed") {
          items[position] = { position, status: "rejected", error: { code: "STORE_FAILED", message: outcome.message } };
          return;
        }
        if (outcome.status === "duplicate") items[position] = { position, status: "duplicate" };
        toApply.push(event);
      });
      if (toApply.length > 0) await this.#applyToSink(toApply);
    }

    const counts: Record<EventStatus, number> = { accepted: 0, duplicate: 0, rejected: 0 };
    const byType = new Map<string, Record<EventStatus, number>>();
    items.forEach((item, i) => {
      counts[item.status] += 1;
      const type = types[i] ?? INVALID_TYPE;
      const ofType = byType.get(type) ?? { accepted: 0, duplicate: 0, rejected: 0 };
      ofType[item.status] += 1;
      byType.set(type, ofType);
    });
    if (o.onOutcome) {
      for (const [type, ofType] of byType) {
        for (const [status, count] of Object.entries(ofType) as [EventStatus, number][]) if (count > 0) o.onOutcome(type, status, count);
      }
    }
    return { counts, items };
  }
}
