import { type Logger } from "pino";
import { type JobProgress, type JobType, type JobTypeMap } from "./job-types";

/** What a job of type `T` checkpoints in its data between batches. */
export type CheckpointOf<T extends JobType> = NonNullable<JobTypeMap[T]["data"]["checkpoint"]>;

/**
 * Thrown by a processor between two checkpointed batches when the worker is asked to stop: the worker
 * gives the job back to the queue (no attempt spent) and the next run resumes from the checkpoint.
 */
export class JobInterrupted extends Error {
  override readonly name = "JobInterrupted";
}

/** What the worker hands a processor for one run of one job. */
export interface JobContext<T extends JobType> {
  /** The BullMQ job id. */
  readonly id: string;
  /** Where an earlier run stopped; undefined on the first run. */
  readonly checkpoint: CheckpointOf<T> | undefined;
  /** Stores the checkpoint in the job's data; the run goes on only once it is stored. */
  save(checkpoint: CheckpointOf<T>): Promise<void>;
  progress(progress: JobProgress): Promise<void>;
  /** True once the worker is closing: the processor stops after its next checkpoint ({@link JobInterrupted}). */
  shouldStop(): boolean;
  readonly log: Logger;
}

/** Runs the jobs of one type; each type is its own module under `src/jobs/processors/`. */
export interface JobProcessor<T extends JobType> {
  readonly type: T;
  run(data: JobTypeMap[T]["data"], context: JobContext<T>): Promise<JobTypeMap[T]["result"]>;
}

/** One processor per job type: what the worker dispatches on. */
export type ProcessorRegistry = { readonly [T in JobType]: JobProcessor<T> };
