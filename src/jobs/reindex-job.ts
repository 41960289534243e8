import { type ProductEmbedder } from "../indexing";
import { type OpenSearchGateway } from "../opensearch";
import { BatchWriter } from "./batch-writer";
import { pruneDeleted } from "./deleted-documents";
import { DocumentScan } from "./document-scan";
import { ReindexError } from "./job-errors";
import { JobInterrupted } from "./job-processor";
import { type JobProgress, type ReindexCheckpoint, type ReindexResult } from "./job-types";
import { sleep } from "./opensearch-backoff";
import {
  countDocuments,
  createVersionedIndex,
  maxSeqNo,
  liveIndex,
  nextVersionedIndex,
  notOnVersion,
  refreshIndex,
  swapAlias,
} from "./versioned-indexes";

/** Largest page of a catch-up's stamp scan. */
const MAX_STAMP_PAGE = 5000;

export interface ReindexOptions {
  /** The alias rebuilt (the products alias). */
  alias: string;
  /** The model every document of the new index is embedded with; its version is the job's target. */
  embedder: ProductEmbedder;
  /** Documents per batch (one checkpoint each). @defaultValue 500 */
  batchSize?: number;
  /** Deadline of one OpenSearch call. @defaultValue 60000 */
  timeoutMs?: number;
  /** Catch-up lower bounds are moved back by this much, for clocks that differ between sidecar and worker. @defaultValue 60000 */
  clockSlackMs?: number;
  /** Bulk writes in flight while the next batch is read and embedded (as `relevance load` keeps 2 requests in flight). @defaultValue 2 */
  writeConcurrency?: number;
  /** Catch-up passes before the swap at most (they stop early once one finds nothing new). @defaultValue 5 */
  maxCatchUpPasses?: number;
  /** Wait after the swap for writes that resolved the alias before it, before the final catch-up. @defaultValue 1000 */
  swapGraceMs?: number;
}

export interface ReindexHooks {
  /** Persists the checkpoint; the job continues only once it is stored. */
  save(checkpoint: ReindexCheckpoint): Promise<void>;
  progress?(progress: JobProgress): Promise<void>;
  /** Asked after each checkpoint; true makes the run throw {@link JobInterrupted}. */
  shouldStop?(): boolean;
  /** Called after each checkpoint (the lock renews itself here). */
  afterBatch?(): Promise<void>;
  /** Called once the alias points at the target (also when a resumed run finds it already swapped): serving is told to switch. */
  afterSwap?(target: string): Promise<void>;
}

/**
 * Rebuilds `alias` into the next versioned index with one embedding model, resumably:
 *
 * 1. copy — the live index read with a PIT + `search_after` on `id`, each batch re-embedded and written
 *    under the same ids, then checkpointed (cursor and counts);
 * 2. catch-up — documents of the live index stamped `indexed_at` ≥ the copy's start (less a clock slack)
 *    are re-embedded and written again, pass after pass until one finds nothing;
 * 3. verify — documents deleted from the live index since they were copied are deleted from the target;
 *    then the same document count as the live index, and no document without the target model version;
 * 4. swap — the alias moves in one `_aliases` request; the old index stays for rollback;
 * 5. final catch-up — writes that reached the old index between the last pass and the swap.
 *
 * Every step is idempotent, so a run restarted from any checkpoint repeats at most one batch.
 */
export async function runReindex(gateway: OpenSearchGateway, options: ReindexOptions, start: ReindexCheckpoint | undefined, hooks: ReindexHooks): Promise<ReindexResult> {
  const batchSize = options.batchSize ?? 500;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const slackMs = options.clockSlackMs ?? 60_000;
  const maxPasses = options.maxCatchUpPasses ?? 5;
  const writeConcurrency = options.writeConcurrency ?? 2;
  if (!Number.isInteger(writeConcurrency) || writeConcurrency < 1) throw new RangeError(`writeConcurrency must be a positive integer, got ${writeConcurrency}`);
  const version = options.embedder.version;
  const began = Date.now();

  let checkpoint = start ?? (await plan(gateway, options.alias));
  if (!start) await hooks.save(checkpoint);
  await createVersionedIndex(gateway, options.alias, checkpoint.target, { version, dimension: options.embedder.dimension });
  const writer = new BatchWriter(gateway, { target: checkpoint.target, embedder: options.embedder, timeoutMs });

  const commit = async (next: ReindexCheckpoint): Promise<void> => {
    checkpoint = next;
    await hooks.save(next);
    await hooks.progress?.({ phase: next.phase, done: next.copied + next.caughtUp, total: Math.max(next.total, next.copied + next.caughtUp) });
    await hooks.afterBatch?.();
    if (hooks.shouldStop?.()) throw new JobInterrupted(`reindex of ${options.alias} stopped at ${next.phase} after ${next.after ?? "the start"}`);
  };

  /**
   * One scan of the source from the checkpoint's cursor; resolves with the documents written. The next
   * batch is read and embedded while earlier ones are bulk-written (`writeConcurrency` writes in flight),
   * and each batch is checkpointed once its own write and every earlier batch's checkpoint are done, so
   * the checkpoint never runs ahead of the index. A catch-up scan reads only the stamps and fetches whole
   * documents for those that changed.
   */
  const scan = async (query: Record<string, unknown> | undefined, counter: "copied" | "caughtUp"): Promise<number> => {
    const catchUp = counter === "caughtUp";
    // Stamps are small: a catch-up reads them in larger pages (most are skipped as already copied).
    const size = catchUp ? Math.min(MAX_STAMP_PAGE, batchSize * 10) : batchSize;
    const reader = new DocumentScan(gateway, { index: checkpoint.source, size, timeoutMs, ...(query ? { query } : {}), ...(catchUp ? { source: ["indexed_at", "content_hash"] } : {}) });
    let written = 0;
    let committed: Promise<void> = Promise.resolve();
    const inFlight: Promise<void>[] = [];
    try {
      for await (const page of reader.pages(checkpoint.after)) {
        const prepared = catchUp ? await writer.prepareChanged(page.documents, checkpoint.source) : await writer.prepare(page.documents);
        while (inFlight.length >= writeConcurrency) await inFlight.shift();
        const n = prepared.documents.length;
        const previous = committed;
        committed = Promise.all([previous, writer.bulk(prepared.documents)]).then(async () => {
          written += n;
          await commit({ ...checkpoint, after: page.last, [counter]: checkpoint[counter] + n });
        });
        // Awaited later; marked handled so a failing write is not an unhandled rejection meanwhile.
        committed.catch(() => undefined);
        inFlight.push(committed);
      }
      await committed;
    } catch (err) {
      await committed.catch(() => undefined);
      throw err;
    }
    return written;
  };

  // What a catch-up reads: documents of the source changed after the window's floor — by `_seq_no` (exact,
  // no clocks involved); checkpoints written before the floor existed fall back to `indexed_at` less the clock slack.
  const changedQuery = (): Record<string, unknown> =>
    checkpoint.seqNoFloor === undefined
      ? { range: { indexed_at: { gte: checkpoint.since ?? back(checkpoint.startedAt) } } }
      : { range: { _seq_no: { gt: checkpoint.seqNoFloor } } };
  /** The next window: it starts where the current pass started. */
  const nextFloor = (): Pick<ReindexCheckpoint, "since" | "seqNoFloor"> => ({
    since: back(checkpoint.passStartedAt ?? checkpoint.startedAt),
    ...(checkpoint.passSeqNo === undefined ? {} : { seqNoFloor: checkpoint.passSeqNo }),
  });
  /** {@link nextFloor}, and the new pass's own start (its time and the source's `_seq_no` now), for a window that is followed by another. */
  const nextWindow = async (): Promise<Pick<ReindexCheckpoint, "since" | "passStartedAt" | "seqNoFloor" | "passSeqNo">> => ({
    ...nextFloor(),
    passStartedAt: new Date().toISOString(),
    ...(checkpoint.seqNoFloor === undefined ? {} : { passSeqNo: await maxSeqNo(gateway, checkpoint.source) }),
  });
  const back = (iso: string) => new Date(Date.parse(iso) - slackMs).toISOString();

  while (checkpoint.phase !== "done") {
    switch (checkpoint.phase) {
      case "copy": {
        await refreshIndex(gateway, checkpoint.source);
        await scan(undefined, "copied");
        const passSeqNo = checkpoint.seqNoFloor === undefined ? {} : { passSeqNo: await maxSeqNo(gateway, checkpoint.source) };
        await commit({ ...checkpoint, phase: "catch-up", after: null, since: back(checkpoint.startedAt), passStartedAt: new Date().toISOString(), ...passSeqNo });
        break;
      }
      case "catch-up": {
        await refreshIndex(gateway, checkpoint.source);
        const found = await scan(changedQuery(), "caughtUp");
        const passes = checkpoint.passes + 1;
        if (found === 0 || passes >= maxPasses) {
          await commit({ ...checkpoint, phase: "verify", passes, after: null });
        } else {
          await commit({ ...checkpoint, passes, after: null, ...(await nextWindow()) });
        }
        break;
      }
      case "verify": {
        // Deletes that reached the source during the copy (the PIT still showed those documents) or the catch-up.
        const pruned = await pruneDeleted(gateway, { source: checkpoint.source, target: checkpoint.target, batchSize, timeoutMs });
        if (pruned > 0) checkpoint = { ...checkpoint, deleted: (checkpoint.deleted ?? 0) + pruned };
        const problem = await verify(gateway, checkpoint.source, checkpoint.target, version);
        if (problem === null) {
          await commit({ ...checkpoint, phase: "swap" });
        } else if (problem.retry && checkpoint.passes < maxPasses + 3) {
          // Writes still arriving: one more catch-up pass, then verify again.
          await commit({ ...checkpoint, phase: "catch-up", passes: Math.max(checkpoint.passes, maxPasses - 1), after: null, ...(await nextWindow()) });
        } else {
          throw new ReindexError(problem.message);
        }
        break;
      }
      case "swap": {
        const behind = await liveIndex(gateway, options.alias);
        if (behind !== checkpoint.target) {
          if (behind !== checkpoint.source) throw new ReindexError(`alias ${options.alias} moved to ${behind ?? "no single index"} during the reindex; not swapping`);
          await swapAlias(gateway, options.alias, checkpoint.source, checkpoint.target);
        }
        await hooks.afterSwap?.(checkpoint.target);
        // The last window: nothing follows it, so no new pass start is read.
        await commit({ ...checkpoint, phase: "final-catch-up", after: null, ...nextFloor() });
        break;
      }
      case "final-catch-up": {
        await sleep(options.swapGraceMs ?? 1000);
        await refreshIndex(gateway, checkpoint.source);
        await scan(changedQuery(), "caughtUp");
        const strays = await reembedStrays(gateway, checkpoint.target, writer, { batchSize, timeoutMs, version });
        await refreshIndex(gateway, checkpoint.target);
        await commit({ ...checkpoint, phase: "done", after: null, caughtUp: checkpoint.caughtUp + strays });
        break;
      }
    }
  }

  const documents = await countDocuments(gateway, checkpoint.target);
  const seconds = (Date.now() - began) / 1000;
  return {
    alias: options.alias,
    modelVersion: version,
    source: checkpoint.source,
    target: checkpoint.target,
    documents,
    copied: checkpoint.copied,
    caughtUp: checkpoint.caughtUp,
    deleted: checkpoint.deleted ?? 0,
    seconds,
    // This run's own rate: a resumed run started from the checkpoint's counts.
    docsPerSecond: seconds > 0 ? Math.round(((checkpoint.copied + checkpoint.caughtUp - (start ? start.copied + start.caughtUp : 0)) / seconds) * 10) / 10 : 0,
  };
}

/** The first checkpoint: the live index, the next generation's name and the start time. */
async function plan(gateway: OpenSearchGateway, alias: string): Promise<ReindexCheckpoint> {
  const source = await liveIndex(gateway, alias);
  if (!source) throw new ReindexError(`alias ${alias} must point at exactly one index to be reindexed (run relevance setup first)`);
  const target = await nextVersionedIndex(gateway, alias);
  // Recorded before the copy's point-in-time opens: every write the copy cannot see has a higher `_seq_no`.
  const seqNoFloor = await maxSeqNo(gateway, source);
  const startedAt = new Date().toISOString();
  await refreshIndex(gateway, source);
  const total = await countDocuments(gateway, source);
  return { phase: "copy", source, target, startedAt, after: null, since: null, passStartedAt: null, seqNoFloor, copied: 0, caughtUp: 0, total, passes: 0 };
}

/**
 * Documents of the target not on the target version: writes enriched by a `serve` that had not yet
 * switched its embedder when the alias moved (it follows the swap's announcement within the grace).
 * Re-embedded in place; not checkpointed, because a repeated pass only finds what is still stale.
 */
async function reembedStrays(gateway: OpenSearchGateway, target: string, writer: BatchWriter, o: { batchSize: number; timeoutMs: number; version: string }): Promise<number> {
  await refreshIndex(gateway, target);
  const query = notOnVersion(o.version);
  if ((await countDocuments(gateway, target, query)) === 0) return 0;
  const reader = new DocumentScan(gateway, { index: target, size: o.batchSize, timeoutMs: o.timeoutMs, query });
  let written = 0;
  for await (const page of reader.pages(null)) written += (await writer.write(page.documents)).written;
  return written;
}

/**
 * Same count as the source, and every document stamped with the target version; otherwise the alias
 * stays. A target short of documents may only be behind on writes (`retry`); a stale version never is.
 */
async function verify(gateway: OpenSearchGateway, source: string, target: string, version: string): Promise<{ message: string; retry: boolean } | null> {
  await refreshIndex(gateway, source);
  await refreshIndex(gateway, target);
  const [sourceCount, targetCount, stale] = await Promise.all([
    countDocuments(gateway, source),
    countDocuments(gateway, target),
    countDocuments(gateway, target, notOnVersion(version)),
  ]);
  if (stale > 0) return { message: `verification failed: ${stale} documents of ${target} are not on model version ${version}`, retry: false };
  if (sourceCount !== targetCount) {
    return {
      message: `verification failed: ${target} holds ${targetCount} documents, ${source} holds ${sourceCount}`,
      retry: sourceCount > targetCount,
    };
  }
  return null;
}
