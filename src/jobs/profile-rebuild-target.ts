import { type SidecarConfig } from "../config";
import { behaviourOptionsFromConfig, resolveBehaviourOptions } from "../profiles";
import { type RebuildProfilesJobData } from "./job-types";

/** What a `rebuild-profiles` job works on, besides the version. */
export type ProfileRebuildTarget = Omit<RebuildProfilesJobData, "type" | "modelVersion" | "checkpoint">;

/** The profiles `serve` keeps, as the config says: the same key prefix, half-life and TTL as ingest. */
export function profileRebuildTarget(
  config: Pick<SidecarConfig, "productsAlias" | "eventsAlias" | "profileRecentItems" | "profileHalfLifeDays" | "profileTtlDays" | "profileCacheSize" | "signalsHalfLifeDays" | "signalsTtlDays" | "eventRetentionDays">,
): ProfileRebuildTarget {
  const options = resolveBehaviourOptions(behaviourOptionsFromConfig(config));
  return { alias: config.productsAlias, eventsAlias: config.eventsAlias, keyPrefix: options.keyPrefix, halfLifeDays: options.profileHalfLifeDays, ttlDays: options.profileTtlDays };
}
