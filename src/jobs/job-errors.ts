import { SidecarError } from "../errors";

/** A rebuild job cannot go on (the reason is the message; it is what the failed set shows). */
export class ReindexError extends SidecarError {
  readonly code = "REINDEX_FAILED" as const;
}

/** Another reindex of the same alias holds the lock. */
export class ReindexRunningError extends SidecarError {
  readonly code = "REINDEX_RUNNING" as const;
}
