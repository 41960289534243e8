import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { type RequestHandler } from "express";
import { OverloadedError } from "../errors";

export interface EventLoopGuardOptions {
  /** New requests are answered 429 OVERLOADED while the event loop's mean delay over the last window exceeds this; 0 turns the guard off. */
  maxDelayMs: number;
  /** How often the delay is read (and its histogram reset). @defaultValue 200 */
  windowMs?: number;
  /** Seconds the caller is asked to wait (`Retry-After`). @defaultValue 1 */
  retryAfterSeconds?: number;
}

/** Probes answer even when the sidecar sheds load: they say whether it is up, not whether it has room. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * Load shedding by event-loop delay. One process serves every request on one thread, so when CPU work
 * (embedding, cleaning, JSON) piles up, every answer — `/healthz` included — waits behind it. While the
 * loop's mean delay over the last window is above the limit, new requests are refused at once with
 * 429 OVERLOADED and `Retry-After` (cheap, before any work), so work already accepted finishes and the
 * loop stays responsive; probes are never refused.
 */
export class EventLoopGuard {
  readonly #maxDelayMs: number;
  readonly #retryAfterSeconds: number;
  readonly #histogram: IntervalHistogram | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  #delayMs = 0;

  constructor(options: EventLoopGuardOptions) {
    if (!Number.isFinite(options.maxDelayMs) || options.maxDelayMs < 0) throw new RangeError(`maxDelayMs must be ≥ 0, got ${options.maxDelayMs}`);
    this.#maxDelayMs = options.maxDelayMs;
    this.#retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (this.#maxDelayMs === 0) return;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    this.#histogram = histogram;
    this.#timer = setInterval(() => {
      // Nanoseconds; a window without samples (a loop blocked the whole window) reads NaN.
      const mean = histogram.count > 0 ? histogram.mean / 1e6 : Number.POSITIVE_INFINITY;
      this.#delayMs = mean;
      histogram.reset();
    }, options.windowMs ?? 200);
    this.#timer.unref();
  }

  /** The mean event-loop delay of the last window, in milliseconds. */
  get delayMs(): number {
    return this.#delayMs;
  }

  middleware(): RequestHandler {
    return (req, _res, next) => {
      if (this.#maxDelayMs === 0 || this.#delayMs <= this.#maxDelayMs || PROBES.has(req.path)) {
        next();
        return;
      }
      next(
        new OverloadedError(
          `the sidecar is overloaded (event-loop delay ${Math.round(this.#delayMs)} ms over its ${this.#maxDelayMs} ms limit); retry later`,
          this.#retryAfterSeconds,
        ),
      );
    };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#histogram?.disable();
  }
}
