import { SidecarError } from "./sidecar-error";

/** A request refused at the door: no valid key, or a key whose scope is too low. */
export abstract class AccessError extends SidecarError {}

export class UnauthenticatedError extends AccessError {
  readonly code = "UNAUTHENTICATED" as const;
}

export class ForbiddenError extends AccessError {
  readonly code = "FORBIDDEN" as const;
}

/** The sidecar is holding as many request bytes as it may; the caller should retry later. */
export class OverloadedError extends SidecarError {
  readonly code = "OVERLOADED" as const;
  constructor(
    message: string,
    /** Seconds the caller should wait (the `Retry-After` header). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
