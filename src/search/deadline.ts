/** A point in time a request must finish by; each downstream call gets what is left of it. */
export class Deadline {
  readonly #endsAt: number;

  constructor(readonly budgetMs: number) {
    if (!(budgetMs > 0)) throw new RangeError(`deadline budget must be positive, got ${budgetMs}`);
    this.#endsAt = performance.now() + budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  /** What a single call may spend: what is left, capped by that call's own limit, never below 1 ms. */
  callTimeoutMs(capMs: number): number {
    return Math.max(1, Math.min(capMs, Math.floor(this.remainingMs())));
  }
}
