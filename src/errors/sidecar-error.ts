import { ERROR_CODES, type ErrorCode } from "./error-codes";

/**
 * Root of every error the sidecar raises on purpose. Each boundary (input, OpenSearch, Redis, model)
 * has one subclass family; the HTTP error handler turns any of them into `{error:{code,message}}`.
 */
export abstract class SidecarError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe context (for example per-field validation problems). */
  readonly details: unknown;

  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
