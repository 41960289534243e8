import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { type RequestHandler } from "express";

/** The sidecar's Prometheus metrics; one registry per app so tests do not share counters. */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: "sidecar_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly searchDegraded = new Counter({
    name: "sidecar_search_degraded_total",
    help: "Searches answered by a simpler pipeline than requested, by reason",
    labelNames: ["pipeline", "reason"] as const,
    registers: [this.registry],
  });
  readonly searchStageSeconds = new Histogram({
    name: "sidecar_search_stage_seconds",
    help: "Time of each search stage and of its parts (stage/part; parts running concurrently overlap), by pipeline",
    labelNames: ["pipeline", "stage"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly enrichedDocuments = new Counter({
    name: "sidecar_enriched_documents_total",
    help: "Documents through the enrichment path, by outcome",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly eventsTotal = new Counter({
    name: "sidecar_events_total",
    help: "Behaviour events through POST /v1/events, by type (\"invalid\" when unreadable) and outcome",
    labelNames: ["type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly profileUpdateSeconds = new Histogram({
    name: "sidecar_profile_update_seconds",
    help: "Time to apply one batch of events to profiles and behaviour signals (item facts read + Redis script)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly profileEventsApplied = new Counter({
    name: "sidecar_profile_events_total",
    help: "Events handed to the profiles, by result (applied, or already_applied: its marker existed)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly behaviourReadSeconds = new Histogram({
    name: "sidecar_behaviour_read_seconds",
    help: "Time to read a profile and/or candidate signals from Redis (one round trip)",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Times every request; the route label is the matched route (or "proxy") to keep cardinality low. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer({ method: req.method });
      res.on("finish", () => {
        const matched = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof matched === "string" ? `${req.baseUrl}${matched}` : "proxy";
        end({ route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
