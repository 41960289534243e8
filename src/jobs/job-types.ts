/** The job types the worker runs; only `reindex` exists so far. */
export const JOB_TYPES = ["reindex"] as const;
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
  /** Documents written by the copy. */
  copied: number;
  /** Documents written by catch-up passes. */
  caughtUp: number;
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
  /** Set and updated by the job itself. */
  checkpoint?: ReindexCheckpoint;
}

export type JobData = ReindexJobData;

/** What `GET /v1/jobs/:id` and `relevance jobs` show. */
export interface JobProgress {
  phase: ReindexPhase;
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
  /** Duration of the run that completed the job (a resumed job's last run). */
  seconds: number;
  /** Documents written per second by that run. */
  docsPerSecond: number;
}
