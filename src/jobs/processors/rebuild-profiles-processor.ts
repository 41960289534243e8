import { InterestRebuilder } from "../../profiles";
import { ReindexError } from "../job-errors";
import { JobInterrupted, type JobContext, type JobProcessor } from "../job-processor";
import { type JobServices } from "../job-services";
import { type RebuildProfilesCheckpoint, type RebuildProfilesJobData, type RebuildProfilesResult } from "../job-types";
import { interactionsOf, userKeysAfter } from "../user-interactions";
import { indexModelVersion, liveIndex } from "../versioned-indexes";

/** Users per batch (one checkpoint each); their events are read in pages. */
const USERS_PER_BATCH = 200;

/**
 * `rebuild-profiles`: recomputes every profile's interest vector from the events index with the item
 * vectors of `modelVersion`, users in key order, one checkpoint (the last user key and counts) per batch
 * of users. It runs once the products alias's live index carries that version — after a reindex's swap
 * (the reindex enqueues it) or a rollback swap — because items are read from there and because the
 * events flow, which updates vectors with the live version, would otherwise start each rebuilt vector over.
 */
export class RebuildProfilesProcessor implements JobProcessor<"rebuild-profiles"> {
  readonly type = "rebuild-profiles" as const;
  readonly #services: JobServices;

  constructor(services: JobServices) {
    this.#services = services;
  }

  async run(data: RebuildProfilesJobData, context: JobContext<"rebuild-profiles">): Promise<RebuildProfilesResult> {
    const { gateway, timeoutMs } = this.#services;
    const began = Date.now();
    const live = await liveIndex(gateway, data.alias);
    const liveVersion = live ? await indexModelVersion(gateway, live) : null;
    if (liveVersion !== data.modelVersion) {
      throw new ReindexError(`${data.alias} serves ${liveVersion ?? "no known model version"}, not ${data.modelVersion}: rebuild-profiles runs after the reindex's swap`);
    }
    const embedder = await this.#services.embedder(data.modelVersion);
    const model = { version: data.modelVersion, dimension: embedder.dimension };
    const rebuilder = new InterestRebuilder({ redis: this.#services.redis, gateway, productsAlias: data.alias, keyPrefix: data.keyPrefix, profileHalfLifeDays: data.halfLifeDays, profileTtlDays: data.ttlDays, timeoutMs });
    let checkpoint: RebuildProfilesCheckpoint = context.checkpoint ?? { after: null, users: 0, rebuilt: 0, cleared: 0, skipped: 0 };
    for (;;) {
      const users = await userKeysAfter(gateway, data.eventsAlias, checkpoint.after, USERS_PER_BATCH, timeoutMs);
      if (users.length === 0) break;
      const interactions = await interactionsOf(gateway, data.eventsAlias, users, timeoutMs);
      const report = await rebuilder.rebuild(interactions, model);
      checkpoint = {
        after: users[users.length - 1] ?? checkpoint.after,
        users: checkpoint.users + users.length,
        rebuilt: checkpoint.rebuilt + report.rebuilt,
        cleared: checkpoint.cleared + report.cleared,
        skipped: checkpoint.skipped + report.skipped,
      };
      await context.save(checkpoint);
      await context.progress({ phase: "profiles", done: checkpoint.users, total: checkpoint.users });
      if (context.shouldStop()) throw new JobInterrupted(`rebuild-profiles ${context.id} stopped after user ${checkpoint.after ?? "?"}`);
    }
    return { modelVersion: data.modelVersion, users: checkpoint.users, rebuilt: checkpoint.rebuilt, cleared: checkpoint.cleared, skipped: checkpoint.skipped, seconds: (Date.now() - began) / 1000 };
  }
}
