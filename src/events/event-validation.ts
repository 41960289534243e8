import { z } from "zod";
import { EVENT_TYPES, type BehaviourEvent } from "./behaviour-event";
import { type Pseudonymizer } from "./pseudonymizer";
import { scrubQuery } from "./query-scrubber";
import { MS_PER_DAY } from "../shared/time-units";

/** Longest identifier (user, item, session, event id) accepted, in characters. */
export const MAX_ID_LENGTH = 256;
/** Longest raw query accepted, in characters; the stored, scrubbed query is cut to {@link MAX_STORED_QUERY_LENGTH}. */
export const MAX_QUERY_LENGTH = 1000;
export const MAX_STORED_QUERY_LENGTH = 256;

/** ISO-8601 date-time with an explicit zone (`Z` or ±hh:mm): a zone-less time would be read in the server's zone. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Identifiers may arrive as strings or integers; both mean the same id. */
const Identifier = z.union([z.string().trim().min(1).max(MAX_ID_LENGTH), z.number().int().nonnegative().transform(String)]);

/**
 * One event as a caller sends it (CONTRACTS §3). Unknown fields are dropped, never stored: they could
 * carry anything.
 */
const IncomingEventSchema = z.object({
  user_id: Identifier,
  type: z.enum(EVENT_TYPES),
  item_id: Identifier.optional(),
  query: z.string().max(MAX_QUERY_LENGTH).optional(),
  timestamp: z.union([
    z.number().int().nonnegative(),
    z.string().max(40).regex(ISO_DATE_TIME, "must be ISO-8601 with a zone (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds"),
  ]),
  session_id: Identifier.optional(),
  event_id: Identifier.optional(),
  synthetic: z.boolean().optional(),
});

/** Why an event was refused; stable codes callers can count by. */
export const EVENT_REJECTION_CODES = ["INVALID_EVENT", "EVENT_EXPIRED", "STORE_FAILED"] as const;
export type EventRejectionCode = (typeof EVENT_REJECTION_CODES)[number];

export interface EventRejection {
  code: EventRejectionCode;
  message: string;
}

export interface EventValidationOptions {
  pseudonymizer: Pseudonymizer;
  /** Events older than this many days are refused (they would be deleted by the next retention sweep). */
  retentionDays: number;
  /** How far in the future a timestamp may be (clients' clocks drift). @defaultValue 300000 (5 minutes) */
  clockSkewMs?: number;
  /** The present, epoch ms. @defaultValue Date.now() at the call */
  now?: number;
}

export type EventValidation = { ok: true; event: BehaviourEvent } | { ok: false; rejection: EventRejection; type?: string };


function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * Validates one raw event and turns it into the stored form: identifiers pseudonymized, the query
 * normalized and scrubbed. Never throws for bad input; says what is wrong instead.
 */
export function validateEvent(raw: unknown, options: EventValidationOptions): EventValidation {
  const parsed = IncomingEventSchema.safeParse(raw);
  if (!parsed.success) {
    const type = (raw as { type?: unknown } | null)?.type;
    return { ok: false, rejection: { code: "INVALID_EVENT", message: describeIssues(parsed.error) }, ...(typeof type === "string" ? { type } : {}) };
  }
  const input = parsed.data;
  const invalid = (message: string, code: EventRejectionCode = "INVALID_EVENT"): EventValidation => ({ ok: false, rejection: { code, message }, type: input.type });

  const query = input.query === undefined ? undefined : scrubQuery(input.query, MAX_STORED_QUERY_LENGTH);
  if (input.type === "search" && !query) return invalid("query: required for a search event");
  if (input.type !== "search" && input.item_id === undefined) return invalid(`item_id: required for a ${input.type} event`);

  const timestamp = typeof input.timestamp === "number" ? input.timestamp : Date.parse(input.timestamp);
  if (!Number.isFinite(timestamp)) return invalid("timestamp: not a valid date");
  const now = options.now ?? Date.now();
  const skew = options.clockSkewMs ?? 300_000;
  if (timestamp > now + skew) return invalid(`timestamp: more than ${Math.round(skew / 1000)} s in the future`);
  if (timestamp < now - options.retentionDays * MS_PER_DAY) {
    return invalid(`timestamp: older than the retention of ${options.retentionDays} days (EVENT_RETENTION_DAYS)`, "EVENT_EXPIRED");
  }

  const p = options.pseudonymizer;
  const content = [input.type, input.item_id ?? "", query ?? "", String(timestamp), input.session_id ?? ""];
  const event: BehaviourEvent = {
    key: p.eventKey(input.user_id, input.event_id, content),
    userKey: p.userKey(input.user_id),
    type: input.type,
    ...(input.item_id === undefined ? {} : { itemId: input.item_id }),
    ...(query ? { query } : {}),
    ...(input.session_id === undefined ? {} : { sessionKey: p.sessionKey(input.session_id) }),
    timestamp,
    synthetic: input.synthetic === true,
  };
  return { ok: true, event };
}
