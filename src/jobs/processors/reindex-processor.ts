import { UnrecoverableError } from "bullmq";
import { announceAliasSwap } from "../alias-swap-announcement";
import { ReindexRunningError } from "../job-errors";
import { JobInterrupted, type JobContext, type JobProcessor } from "../job-processor";
import { type JobServices } from "../job-services";
import { type ReindexJobData, type ReindexResult } from "../job-types";
import { runReindex } from "../reindex-job";
import { ReindexLock } from "../reindex-lock";

/** How long the per-alias reindex lock lives without a renewal (a batch renews it). */
const LOCK_TTL_MS = 10 * 60_000;

/**
 * `reindex`: holds the alias's lock, runs the resumable reindex and announces the swap. With a
 * `followUp`, enqueues `rebuild-profiles` once the alias is on the new version and the job is done.
 */
export class ReindexProcessor implements JobProcessor<"reindex"> {
  readonly type = "reindex" as const;
  readonly #services: JobServices;

  constructor(services: JobServices) {
    this.#services = services;
  }

  async run(data: ReindexJobData, context: JobContext<"reindex">): Promise<ReindexResult> {
    const { alias, modelVersion } = data;
    const services = this.#services;
    const lock = new ReindexLock(services.redis, alias, context.id, LOCK_TTL_MS);
    const embedder = await services.embedder(modelVersion);
    await lock.acquire().catch((err: unknown) => {
      throw err instanceof ReindexRunningError ? new UnrecoverableError(err.message) : err;
    });
    context.log.info({ resumeFrom: context.checkpoint ?? null }, context.checkpoint ? "resuming reindex" : "starting reindex");
    let result: ReindexResult;
    try {
      result = await runReindex(
        services.gateway,
        { alias, embedder, batchSize: services.batchSize, timeoutMs: services.timeoutMs, ...(services.swapGraceMs === undefined ? {} : { swapGraceMs: services.swapGraceMs }) },
        context.checkpoint,
        {
          save: (checkpoint) => context.save(checkpoint),
          progress: (progress) => context.progress(progress),
          shouldStop: () => context.shouldStop(),
          afterBatch: () => lock.renew(),
          // `serve` switches its query embedder to the new index's version on this, within the swap grace.
          afterSwap: (target) =>
            announceAliasSwap(services.redis, { alias, index: target }).catch((err: unknown) => context.log.warn({ err }, "could not announce the alias swap; serve follows at its next check")),
        },
      );
    } catch (err) {
      // An interrupted run keeps the lock: the resumed run takes it again with the same job id.
      if (!(err instanceof JobInterrupted)) await lock.release().catch(() => undefined);
      throw err;
    }
    await lock.release();
    if (!data.followUp) return result;
    const followUp = await services.queue.enqueue({ type: "rebuild-profiles", modelVersion, ...data.followUp });
    context.log.info({ followUp: followUp.id }, "rebuild-profiles enqueued after the swap");
    return { ...result, followUpJob: followUp.id };
  }
}
