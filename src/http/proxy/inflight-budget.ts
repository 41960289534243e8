import { OverloadedError } from "../../errors";

/**
 * The request bytes the sidecar holds at once, across all requests. Each request opens a
 * {@link Reservation}, grows it as it buffers (up front by `content-length`, then as bytes are
 * read or decoded) and releases it when its response is done.
 */
export class InflightBudget {
  #used = 0;

  constructor(
    /** Most bytes held at once. */
    readonly maxBytes: number,
    /** What an overloaded caller is told to wait, in seconds. @defaultValue 1 */
    readonly retryAfterSeconds = 1,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }

  /** Bytes currently held by all requests. */
  get used(): number {
    return this.#used;
  }

  open(): Reservation {
    return new Reservation(this);
  }

  /**
   * @internal used by Reservation. A request that holds everything in flight may always grow, so
   * that a body within the size limit is never refused forever: the bound is then the larger of
   * `maxBytes` and what one request holds.
   */
  take(bytes: number, heldByCaller: number): void {
    if (this.#used + bytes > this.maxBytes && this.#used > heldByCaller) {
      throw new OverloadedError(`the sidecar is holding ${this.#used} of its ${this.maxBytes} in-flight request bytes; retry later`, this.retryAfterSeconds);
    }
    this.#used += bytes;
  }

  /** @internal used by Reservation */
  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** One request's share of the {@link InflightBudget}. */
export class Reservation {
  #held = 0;
  #released = false;

  constructor(private readonly budget: InflightBudget) {}

  get held(): number {
    return this.#held;
  }

  /** Holds `bytes` more; throws OverloadedError when the budget has no room. */
  grow(bytes: number): void {
    if (bytes <= 0 || this.#released) return;
    this.budget.take(bytes, this.#held);
    this.#held += bytes;
  }

  /** Holds at least `total` bytes in all. */
  ensure(total: number): void {
    if (total > this.#held) this.grow(total - this.#held);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.budget.give(this.#held);
    this.#held = 0;
  }
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `"256mb"` → 268435456 (the config's size strings: a number and b, kb, mb or gb). */
export function parseByteSize(size: string): number {
  const lower = size.trim().toLowerCase();
  const unit = lower.endsWith("kb") || lower.endsWith("mb") || lower.endsWith("gb") ? lower.slice(-2) : lower.endsWith("b") ? "b" : "";
  const digits = unit === "" ? lower : lower.slice(0, -unit.length);
  const factor = UNITS[unit === "" ? "b" : unit];
  if (factor === undefined || digits === "" || ![...digits].every((c) => c >= "0" && c <= "9")) throw new RangeError(`not a byte size: ${size}`);
  return Number(digits) * factor;
}
