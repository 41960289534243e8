import { type SidecarConfig } from "../config";
import { type OpenSearchGateway } from "../opensearch";
import { type BehaviourSink } from "./behaviour-event";
import { EventIngest, type EventIngestOptions } from "./event-ingest";
import { EventStore } from "./event-store";
import { ProfileErasure } from "./profile-erasure";
import { Pseudonymizer } from "./pseudonymizer";

export interface EventsComponents {
  readonly store: EventStore;
  readonly ingest: EventIngest;
  readonly erasure: ProfileErasure;
  readonly pseudonymizer: Pseudonymizer;
  readonly retentionDays: number;
}

export interface EventsWiringOptions {
  config: Pick<SidecarConfig, "pseudonymKey" | "eventsAlias" | "eventRetentionDays">;
  gateway: OpenSearchGateway;
  sink: BehaviourSink;
  checkRedis: () => Promise<void>;
  onOutcome?: EventIngestOptions["onOutcome"];
}

/**
 * The events half of the sidecar from its config. @throws ConfigError when PSEUDONYM_KEY is missing
 * or too short: no event may be stored without pseudonymizing it.
 */
export function createEventsComponents(options: EventsWiringOptions): EventsComponents {
  const pseudonymizer = Pseudonymizer.fromConfig(options.config);
  const store = new EventStore({ gateway: options.gateway, alias: options.config.eventsAlias });
  const retentionDays = options.config.eventRetentionDays;
  const ingest = new EventIngest({
    store,
    sink: options.sink,
    pseudonymizer,
    checkRedis: options.checkRedis,
    retentionDays,
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
  return { store, ingest, erasure: new ProfileErasure({ store, sink: options.sink, pseudonymizer }), pseudonymizer, retentionDays };
}
