import { type SidecarConfig } from "../config";
import { behaviourOptionsFromConfig, resolveBehaviourOptions, type BehaviourOptions } from "../profiles";
import { type RebuildProfilesJobData } from "./job-types";

/** What a `rebuild-profiles` job works on, besides the version. */
export type ProfileRebuildTarget = Omit<RebuildProfilesJobData, "type" | "modelVersion" | "checkpoint">;

/** The profiles `serve` keeps, as the config (and the sink's overrides, if any) say: the same key prefix, half-life and TTL as ingest. */
export function profileRebuildTarget(
  config: Pick<SidecarConfig, "productsAlias" | "eventsAlias" | "profileRecentItems" | "profileHalfLifeDays" | "profileTtlDays" | "profileCacheSize" | "signalsHalfLifeDays" | "signalsTtlDays" | "eventRetentionDays">,
  overrides: BehaviourOptions = {},
): ProfileRebuildTarget {
  const options = resolveBehaviourOptions({ ...behaviourOptionsFromConfig(config), ...overrides });
  return { alias: config.productsAlias, eventsAlias: config.eventsAlias, keyPrefix: options.keyPrefix, halfLifeDays: options.profileHalfLifeDays, ttlDays: options.profileTtlDays };
}
