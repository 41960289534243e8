import { type Redis } from "ioredis";
import { type OpenSearchGateway } from "../opensearch";
import { announceAliasSwap } from "./alias-swap-announcement";
import { type Enqueued, type JobQueue } from "./job-queue";
import { type ProfileRebuildTarget } from "./profile-rebuild-target";
import { countDocuments, liveIndex, notOnVersion, swapAlias, versionedIndexes } from "./versioned-indexes";

export type PromotionFollowUp =
  | { action: "none"; reason: string }
  | { action: "rolled-back"; from: string; to: string; ms: number; profilesJob?: Enqueued }
  | { action: "reindex"; job: Enqueued };

export interface PromotionFollowUpOptions {
  gateway: OpenSearchGateway;
  /** The products alias. */
  alias: string;
  /** The embedding model version just promoted. */
  version: string;
  /** Where a reindex is enqueued; null or absent: only a rollback swap is possible. */
  queue?: JobQueue | null;
  /**
   * Profiles whose interest vectors follow the version: after a rollback swap a `rebuild-profiles` job
   * is enqueued at once; a reindex enqueues it itself once it has swapped and completed. @defaultValue none
   */
  profiles?: ProfileRebuildTarget | null;
  /** Where a rollback swap is announced to running `serve` processes. @defaultValue none: they follow at their next periodic check */
  announce?: Redis | null;
}

/**
 * What follows the promotion of an embedding model version for the products index: nothing when the
 * live index already carries it; a rollback — the alias swapped back to the newest kept index built
 * for that version (its mapping `_meta.model_version`), no re-embedding — when there is one, followed
 * by a `rebuild-profiles` job; else a `reindex` job, which enqueues `rebuild-profiles` once it has swapped.
 */
export async function followEmbeddingsPromotion(options: PromotionFollowUpOptions): Promise<PromotionFollowUp> {
  const { gateway, alias, version } = options;
  const live = await liveIndex(gateway, alias);
  const indexes = await versionedIndexes(gateway, alias);
  const liveEntry = indexes.find((entry) => entry.index === live);
  if (liveEntry?.modelVersion === version) return { action: "none", reason: `${alias} is already on ${live ?? "?"} built with ${version}` };
  let kept = indexes.filter((entry) => entry.modelVersion === version && entry.index !== live).pop();
  // Indexes built before reindexing existed (by `relevance setup` and a load) carry no `_meta`: their documents say.
  for (const entry of [...indexes].reverse()) {
    if (kept || entry.index === live || entry.modelVersion !== null) continue;
    if (await carriesOnly(gateway, entry.index, version)) kept = entry;
  }
  if (live && kept) {
    const started = performance.now();
    await swapAlias(gateway, alias, live, kept.index);
    // A lost announcement only delays the query side's switch until serve's next check.
    if (options.announce) await announceAliasSwap(options.announce, { alias, index: kept.index }).catch(() => undefined);
    const ms = Math.round(performance.now() - started);
    const profilesJob = options.queue && options.profiles ? await options.queue.enqueue({ type: "rebuild-profiles", modelVersion: version, ...options.profiles }) : undefined;
    return { action: "rolled-back", from: live, to: kept.index, ms, ...(profilesJob ? { profilesJob } : {}) };
  }
  if (!options.queue) return { action: "none", reason: "no kept index carries this version and no queue to reindex with" };
  return { action: "reindex", job: await options.queue.enqueueReindex(alias, version, options.profiles ?? undefined) };
}

/** True when the index holds documents and every one is stamped with `version`. */
async function carriesOnly(gateway: OpenSearchGateway, index: string, version: string): Promise<boolean> {
  const [all, other] = await Promise.all([countDocuments(gateway, index, undefined, 30_000), countDocuments(gateway, index, notOnVersion(version), 30_000)]);
  return all > 0 && other === 0;
}
