import { TRANSIENT_STATUSES } from "./client-errors";

export interface RetryPolicyOptions {
  /** Tries per request, the first included; 1 sends once and hands back whatever came. @defaultValue 3 */
  tries?: number;
  /** Wait before the second try; doubles for each further try. @defaultValue 250 */
  backoffMs?: number;
  /** Longest wait between two tries computed from the backoff. @defaultValue 5000 */
  maxBackoffMs?: number;
  /** Longest `Retry-After` honoured after a 429 or 503 (a longer one is cut to this). @defaultValue 30000 */
  maxRetryAfterMs?: number;
}

/** When to try a request again and how long to wait: transient failures only (network, 429, 502–504). */
export class RetryPolicy {
  readonly tries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxRetryAfterMs: number;

  constructor(options: RetryPolicyOptions = {}) {
    this.tries = options.tries ?? 3;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    if (!Number.isInteger(this.tries) || this.tries < 1) throw new RangeError(`tries must be an integer ≥ 1, got ${this.tries}`);
    if (!(this.#backoffMs >= 0)) throw new RangeError(`backoffMs must be ≥ 0, got ${this.#backoffMs}`);
  }

  /** Whether an answer with `status` is worth another try. */
  retriesStatus(status: number): boolean {
    return TRANSIENT_STATUSES.has(status);
  }

  /** The wait after failed try number `attempt` (1-based); a server's `Retry-After` is honoured when longer. */
  delayMs(attempt: number, retryAfter?: string | null): number {
    const backoff = Math.min(this.#backoffMs * 2 ** (attempt - 1), this.#maxBackoffMs);
    return Math.max(backoff, Math.min(parseRetryAfterMs(retryAfter), this.#maxRetryAfterMs));
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; 0 when absent or unreadable. */
function parseRetryAfterMs(value: string | null | undefined): number {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.max(0, at - Date.now());
}
