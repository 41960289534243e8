import { Router } from "express";
import { z } from "zod";
import { MAX_ID_LENGTH, type EventIngest, type ProfileErasure } from "../../events";
import { ValidationError } from "../../errors";
import { validate } from "../validate";

/** Most events one `POST /v1/events` may carry; larger loads are split by the client (`relevance events load` does). */
export const MAX_EVENTS_PER_REQUEST = 5000;

const BatchSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST, `at most ${MAX_EVENTS_PER_REQUEST} events per request`),
});

const UserIdParam = z.string().min(1).max(MAX_ID_LENGTH);

/** A batch `{"events":[…]}`, or one event on its own. Each event is validated later, on its own. */
function eventsOf(body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError('invalid request: expected one event object or {"events":[…]}');
  }
  return "events" in body ? validate(BatchSchema, body).events : [body];
}

export interface EventRouteDependencies {
  ingest: EventIngest;
  erasure: ProfileErasure;
}

/** `POST /v1/events` (write scope) and `DELETE /v1/profiles/:user_id` (admin scope, erasure). */
export function eventRoutes(deps: EventRouteDependencies): Router {
  const router = Router();
  router.post("/v1/events", async (req, res) => {
    const outcome = await deps.ingest.ingest(eventsOf(req.body));
    // Partial success stays 200: each event's outcome is in `items`, in request order.
    res.json(outcome);
  });
  router.delete("/v1/profiles/:user_id", async (req, res) => {
    const userId = validate(UserIdParam, req.params.user_id);
    res.json(await deps.erasure.erase(userId));
  });
  return router;
}
