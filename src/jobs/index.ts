// Public surface of the rebuild queue: the BullMQ queue and worker, the resumable `reindex` job, and
// what follows an embedding model promotion (rollback swap or reindex).
export { JobQueue, QUEUE_DEPTH_STATES } from "./job-queue";
export type { JobQueueOptions, Enqueued, QueueDepthState } from "./job-queue";
export { JobWorker } from "./job-worker";
export type { JobWorkerOptions } from "./job-worker";
export { connectQueueRedis } from "./queue-connection";
export { runReindex, ReindexInterrupted } from "./reindex-job";
export type { ReindexOptions, ReindexHooks } from "./reindex-job";
export { ReindexLock, reindexLockKey } from "./reindex-lock";
export { ReindexError, ReindexRunningError } from "./job-errors";
export { followEmbeddingsPromotion } from "./embeddings-promotion";
export type { PromotionFollowUp, PromotionFollowUpOptions } from "./embeddings-promotion";
export { versionedIndexes, nextVersionedIndex, liveIndex, createVersionedIndex, swapAlias } from "./versioned-indexes";
export { JOB_TYPES, REINDEX_PHASES } from "./job-types";
export type { JobType, JobData, ReindexJobData, ReindexCheckpoint, ReindexPhase, JobProgress, ReindexResult } from "./job-types";
export type { JobView } from "./job-view";
export { ALIAS_SWAP_CHANNEL, announceAliasSwap, announcedAlias } from "./alias-swap-announcement";
export type { AliasSwapAnnouncement } from "./alias-swap-announcement";
