import { type Job } from "bullmq";
import { type JobData, type JobProgress, type JobResult } from "./job-types";

/** A job as `GET /v1/jobs/:id` and `relevance jobs` show it. */
export interface JobView {
  id: string;
  type: string;
  state: string;
  /** The alias and model version it works on (an `embed-documents` job's version is the live index's, known once it runs). */
  alias: string;
  model_version: string | null;
  progress: JobProgress | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Why the last attempt failed; in the failed set (the dead letters) once attempts are spent. */
  failure: string | null;
  result: JobResult | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined || ms === 0 ? null : new Date(ms).toISOString());

function isProgress(value: unknown): value is JobProgress {
  return typeof value === "object" && value !== null && "done" in value && "total" in value;
}

function modelVersionOf(data: JobData): string | null {
  return data.type === "embed-documents" ? (data.checkpoint?.modelVersion ?? null) : data.modelVersion;
}

/** `state`, when given, was read before the job: a job read as finished then carries its final reason and result. */
export async function toJobView(job: Job<JobData, JobResult>, knownState?: string): Promise<JobView> {
  const state = knownState ?? (await job.getState());
  const progress: unknown = job.progress;
  const returned: unknown = job.returnvalue;
  return {
    id: job.id ?? "",
    type: job.name,
    state,
    alias: job.data.alias,
    model_version: modelVersionOf(job.data),
    progress: isProgress(progress) ? progress : null,
    attempts: job.attemptsMade,
    created_at: new Date(job.timestamp).toISOString(),
    started_at: iso(job.processedOn),
    finished_at: iso(job.finishedOn),
    failure: job.failedReason ? job.failedReason : null,
    result: typeof returned === "object" && returned !== null ? (returned as JobResult) : null,
  };
}
