/** Root of every error the sidecar client raises; `transient` marks faults worth another try. */
export abstract class SidecarClientError extends Error {
  abstract readonly transient: boolean;

  constructor(
    message: string,
    /** `METHOD path` of the request. */
    readonly request: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** No connection, or it broke before an answer (refused, reset, DNS). */
export class SidecarUnreachableError extends SidecarClientError {
  readonly transient = true;

  constructor(
    readonly url: string,
    /** The system error code when there is one (ECONNREFUSED, …), else the error's message. */
    readonly reason: string,
    request: string,
    cause: unknown,
  ) {
    super(`cannot reach ${url} (${reason})`, request, { cause });
  }
}

/** No answer within the per-request deadline. */
export class SidecarTimeoutError extends SidecarClientError {
  readonly transient = true;

  constructor(
    readonly timeoutMs: number,
    request: string,
    cause: unknown,
  ) {
    super(`${request}: no answer within ${timeoutMs} ms`, request, { cause });
  }
}

/** Statuses that mean "try again later" rather than "this request is wrong". */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** The sidecar answered with a status other than 2xx. */
export class SidecarStatusError extends SidecarClientError {
  readonly transient: boolean;

  constructor(
    readonly status: number,
    request: string,
    /** The sidecar's stable error code and message, when the body was `{error:{code,message}}`. */
    readonly error: { code: string; message: string } | undefined,
    /** The body as text (cut to 300 characters). */
    readonly text: string,
  ) {
    super(`${request} answered ${status}: ${error ? `${error.code}: ${error.message}` : text}`, request);
    this.transient = TRANSIENT_STATUSES.has(status);
  }
}

/** A 2xx answer whose body is not what the endpoint returns. */
export class SidecarResponseError extends SidecarClientError {
  readonly transient = false;

  constructor(
    readonly status: number,
    request: string,
    problem: string,
  ) {
    super(`${request}: ${problem}`, request);
  }
}
