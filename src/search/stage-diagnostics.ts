/** Why an answer came from a simpler path than the one asked for (a metrics label). */
export type DegradedReason =
  | "no_model"
  | "embedding_failed"
  | "knn_failed"
  | "reranker_unavailable"
  | "reranker_late"
  | "reranker_failed"
  | "behaviour_unavailable"
  | "history_unavailable"
  | "personal_knn_failed";

export interface Degradation {
  readonly reason: DegradedReason;
  /** What the caller reads in `rerank.degraded`. */
  readonly message: string;
  /** The stage that degraded. */
  readonly stage: string;
}

/**
 * What the stages of one search noted on the way: degradations (the first one is the answer's
 * `rerank.degraded`) and each stage's time. Stages report here instead of throwing when they can still
 * answer with something simpler.
 */
export class StageDiagnostics {
  readonly #degradations: Degradation[] = [];
  readonly #stageMs = new Map<string, number>();

  degrade(stage: string, reason: DegradedReason, message: string): void {
    this.#degradations.push({ stage, reason, message });
  }

  get degradations(): readonly Degradation[] {
    return this.#degradations;
  }

  /** The degradation the answer reports: the first, i.e. the earliest stage's. */
  get degraded(): Degradation | null {
    return this.#degradations[0] ?? null;
  }

  recordStageTime(stage: string, ms: number): void {
    this.#stageMs.set(stage, (this.#stageMs.get(stage) ?? 0) + ms);
  }

  /**
   * `run`'s result, its time added to `stage`. A stage times its parts as `<stage>/<part>`; parts that
   * run concurrently overlap, so they need not add up to the stage.
   */
  async time<T>(stage: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.recordStageTime(stage, performance.now() - t0);
    }
  }

  /** {@link time} for synchronous work. */
  timeSync<T>(stage: string, run: () => T): T {
    const t0 = performance.now();
    try {
      return run();
    } finally {
      this.recordStageTime(stage, performance.now() - t0);
    }
  }

  /** Milliseconds spent per stage name (and stage part), in the order they were first recorded. */
  get stageMs(): ReadonlyMap<string, number> {
    return this.#stageMs;
  }
}
