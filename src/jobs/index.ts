// Public surface of the rebuild queue: the BullMQ queue and worker, the job types and their processors
// (resumable `reindex`, `embed-documents`, `rebuild-profiles`), and what follows an embedding model promotion.
export { JobQueue, QUEUE_DEPTH_STATES } from "./job-queue";
export type { JobQueueOptions, Enqueued, QueueDepthState } from "./job-queue";
export { openJobQueue } from "./job-queue-factory";
export type { OpenedJobQueue } from "./job-queue-factory";
export { JobWorker } from "./job-worker";
export type { JobWorkerOptions } from "./job-worker";
export { JobInterrupted } from "./job-processor";
export { connectQueueRedis } from "./queue-connection";
export { registerQueueMetrics } from "./queue-metrics";
export type { QueueMetrics, QueueMetricsOptions } from "./queue-metrics";
export { startMetricsServer } from "./metrics-server";
export type { MetricsServer } from "./metrics-server";
export { runReindex } from "./reindex-job";
export type { ReindexOptions, ReindexHooks } from "./reindex-job";
export { ReindexLock, reindexLockKey } from "./reindex-lock";
export { ReindexError, ReindexRunningError } from "./job-errors";
export { followEmbeddingsPromotion } from "./embeddings-promotion";
export { profileRebuildTarget } from "./profile-rebuild-target";
export type { ProfileRebuildTarget } from "./profile-rebuild-target";
export type { PromotionFollowUp, PromotionFollowUpOptions } from "./embeddings-promotion";
export { versionedIndexes, nextVersionedIndex, liveIndex, createVersionedIndex, swapAlias, indexModelVersion } from "./versioned-indexes";
export { JOB_TYPES, REINDEX_PHASES, MAX_SELECTED_IDS, MAX_CARRIED_DOCUMENTS } from "./job-types";
export type {
  JobType,
  JobData,
  JobResult,
  ReindexJobData,
  ReindexCheckpoint,
  ReindexPhase,
  JobProgress,
  ReindexResult,
  DocumentSelection,
  EmbedDocumentsJobData,
  EmbedDocumentsResult,
  RebuildProfilesJobData,
  RebuildProfilesResult,
} from "./job-types";
export type { JobView } from "./job-view";
export { ALIAS_SWAP_CHANNEL, announceAliasSwap, announcedAlias } from "./alias-swap-announcement";
export type { AliasSwapAnnouncement } from "./alias-swap-announcement";
