/** Root of every error the relevance lab raises on purpose; the CLI prints its message as the one-line reason. */
export abstract class EvalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** One row (or JSON entry) of a judgment file that could not be read. */
export interface JudgmentProblem {
  /** Where in the file, e.g. `line 12` or `judgmentRatings[3].ratings[0]`. */
  readonly where: string;
  readonly message: string;
}

/** A judgment file that cannot be used as a whole; lists every malformed row, not just the first. */
export class JudgmentFileError extends EvalError {
  constructor(
    readonly source: string,
    readonly problems: readonly JudgmentProblem[],
  ) {
    const shown = problems.slice(0, 3).map((p) => `${p.where}: ${p.message}`);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : "";
    super(`${source}: ${shown.join("; ")}${more}`);
  }
}

/** A `/v1/search` call that did not produce a ranking. `retryable` marks transient faults worth another try. */
export class SearchRequestError extends EvalError {
  readonly retryable: boolean;
  /** HTTP status when the sidecar answered; undefined for network errors and timeouts. */
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.status = options.status;
  }
}
