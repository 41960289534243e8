import { type RawRecord } from "../indexing";

/** The job types the worker runs, one processor module each (`src/jobs/processors/`). */
export const JOB_TYPES = ["reindex", "embed-documents", "rebuild-profiles"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** Where a reindex stands; each phase is idempotent, so a resumed job repeats at most its last step. */
export const REINDEX_PHASES = ["copy", "catch-up", "verify", "swap", "final-catch-up", "done"] as const;
export type ReindexPhase = (typeof REINDEX_PHASES)[number];

/**
 * Everything a resumed reindex needs, written after each batch (in the BullMQ job's data): a worker
 * killed at any moment restarts from the last written batch, never earlier than the cursor.
 */
export interface ReindexCheckpoint {
  phase: ReindexPhase;
  /** The index the alias pointed at when the job started (the one read and kept for rollback). */
  source: string;
  /** The new versioned index written to. */
  target: string;
  /** ISO time the copy started; writes stamped `indexed_at` at or after it are caught up. */
  startedAt: string;
  /** Sort value (`id`) of the last document written in the current scan; null at the start of a scan. */
  after: string | null;
  /** ISO lower bound of `indexed_at` of the current catch-up scan (unused during copy). */
  since: string | null;
  /** ISO time the current catch-up scan started: the next scan's lower bound (less the clock slack). */
  passStartedAt: string | null;
  /**
   * The source's highest `_seq_no` when the current window started: a catch-up reads the documents above
   * it (exact, unlike `indexed_at` and clocks). Absent in checkpoints written before it existed.
   */
  seqNoFloor?: number;
  /** The source's highest `_seq_no` when the current catch-up scan started: the next window's floor. */
  passSeqNo?: number;
  /** Documents written by the copy. */
  copied: number;
  /** Documents written by catch-up passes. */
  caughtUp: number;
  /** Documents deleted from the target because they were deleted from the source during the reindex. */
  deleted?: number;
  /** Documents in the source when the copy started (the progress bar's total). */
  total: number;
  /** Catch-up passes run. */
  passes: number;
}

export interface ReindexJobData {
  type: "reindex";
  /** The alias to rebuild (the products alias). */
  alias: string;
  /** The embedding model version every document of the new index carries. */
  modelVersion: string;
  /**
   * Enqueued once the job has swapped the alias and completed, so the interest vectors are rebuilt
   * from vectors of the version now live. @defaultValue none
   */
  followUp?: Omit<RebuildProfilesJobData, "type" | "modelVersion" | "checkpoint">;
  /** Set and updated by the job itself. */
  checkpoint?: ReindexCheckpoint;
}

/** Which documents an `embed-documents` job re-embeds. */
export type DocumentSelection =
  /** Stored documents by id (at most {@link MAX_SELECTED_IDS}). */
  | { ids: string[] }
  /** Stored documents matching an OpenSearch query (used as a filter). */
  | { query: Record<string, unknown> }
  /** Stored documents not on the live version (written without a model, or embedded by another one). */
  | { stale: true }
  /** Documents cleaned by `POST /v1/enrich` `"async": true`, carried in the job itself (not stored yet). */
  | { documents: RawRecord[] };

/** Bounds of what an `embed-documents` job carries in Redis. */
export const MAX_SELECTED_IDS = 10_000;
export const MAX_CARRIED_DOCUMENTS = 5000;

export interface EmbedDocumentsCheckpoint {
  /** `id` cursor of the stored-documents scan, or the position reached in the carried documents. */
  after: string | null;
  position: number;
  /** The concrete index written (the alias's live index when the job started). */
  index: string;
  /** The model version written (the live index's). */
  modelVersion: string | null;
  embedded: number;
  unchanged: number;
  total: number;
}

export interface EmbedDocumentsJobData {
  type: "embed-documents";
  /** The products alias (or one of its versioned indexes) written in place. */
  alias: string;
  selection: DocumentSelection;
  /** Re-embed documents even when their content hash and model version are unchanged. @defaultValue false */
  force?: boolean;
  checkpoint?: EmbedDocumentsCheckpoint;
}

export interface RebuildProfilesCheckpoint {
  /** Last user key done (users are taken in key order). */
  after: string | null;
  users: number;
  rebuilt: number;
  cleared: number;
  skipped: number;
}

export interface RebuildProfilesJobData {
  type: "rebuild-profiles";
  /** The products alias whose live index must carry `modelVersion` (item vectors are read from it). */
  alias: string;
  /** The events alias read. */
  eventsAlias: string;
  /** Redis key prefix of the profiles (the sink's). */
  keyPrefix: string;
  /** The profiles' half-life and TTL (PROFILE_HALF_LIFE_DAYS, PROFILE_TTL_DAYS): the weights ingest uses. */
  halfLifeDays: number;
  ttlDays: number;
  /** The embedding version the rebuilt vectors are made of. */
  modelVersion: string;
  checkpoint?: RebuildProfilesCheckpoint;
}

/** Each job type's data (what is enqueued) and result (what a completed job returns). */
export interface JobTypeMap {
  reindex: { data: ReindexJobData; result: ReindexResult };
  "embed-documents": { data: EmbedDocumentsJobData; result: EmbedDocumentsResult };
  "rebuild-profiles": { data: RebuildProfilesJobData; result: RebuildProfilesResult };
}

export type JobData = JobTypeMap[JobType]["data"];
export type JobResult = JobTypeMap[JobType]["result"];

/** What `GET /v1/jobs/:id` and `relevance jobs` show. */
export interface JobProgress {
  /** A reindex phase, or `embed` / `profiles`. */
  phase: ReindexPhase | "embed" | "profiles";
  done: number;
  total: number;
}

export interface ReindexResult {
  alias: string;
  modelVersion: string;
  source: string;
  target: string;
  documents: number;
  copied: number;
  caughtUp: number;
  /** Documents deleted from the source during the reindex, removed from the target before the swap. */
  deleted: number;
  /** Duration of the run that completed the job (a resumed job's last run). */
  seconds: number;
  /** Documents written per second by that run. */
  docsPerSecond: number;
  /** The `rebuild-profiles` job enqueued after the swap, when asked for. */
  followUpJob?: string;
}

export interface EmbedDocumentsResult {
  alias: string;
  index: string;
  modelVersion: string | null;
  /** Documents selected (found by the scan, or carried). */
  total: number;
  /** Documents re-embedded and written. */
  embedded: number;
  /** Documents skipped: same content hash and model version already stored. */
  unchanged: number;
  seconds: number;
  docsPerSecond: number;
}

export interface RebuildProfilesResult {
  modelVersion: string;
  /** Users with events read. */
  users: number;
  /** Profiles whose interest vector was recomputed. */
  rebuilt: number;
  /** Profiles left without a vector (no event's item has a vector of the version). */
  cleared: number;
  /** Users with events but no profile in Redis (expired or erased): nothing is recreated. */
  skipped: number;
  seconds: number;
}
