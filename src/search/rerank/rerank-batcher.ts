import { type Reranker, type RerankList, type RerankResult } from "../../model";

export interface RerankBatcherOptions {
  /** How long lists are collected before one model call. @defaultValue 1 */
  windowMs?: number;
  /** Lists per call at most; a full batch is scored at once. @defaultValue 8 */
  maxLists?: number;
}

interface Pending {
  list: RerankList;
  resolve: (result: RerankResult) => void;
  reject: (err: unknown) => void;
}

interface Batch {
  reranker: Reranker;
  explain: boolean;
  pending: Pending[];
  timer: NodeJS.Timeout | null;
}

/**
 * Micro-batching: lists of concurrent searches that arrive within `windowMs` of the first (or until
 * `maxLists`) go to the model in ONE `scoreLists` call (on TensorFlow.js one padded batch). Batches are
 * per model instance (a reload mid-window never mixes models) and per `explain`. A model on the fast
 * path (`inference: "js"`) scores lists one by one whatever the batch, so batching would only make each
 * list wait for the window and for the others: its lists are scored at once, one per call.
 */
export class RerankBatcher {
  readonly #windowMs: number;
  readonly #maxLists: number;
  readonly #open = new Map<Reranker, Map<boolean, Batch>>();
  /** Model calls made and lists scored: what the batching saved. */
  calls = 0;
  lists = 0;

  constructor(options: RerankBatcherOptions = {}) {
    this.#windowMs = options.windowMs ?? 1;
    this.#maxLists = options.maxLists ?? 8;
    if (!(this.#windowMs >= 0)) throw new RangeError(`windowMs must be ≥ 0, got ${this.#windowMs}`);
    if (!(Number.isInteger(this.#maxLists) && this.#maxLists >= 1)) throw new RangeError(`maxLists must be a positive integer, got ${this.#maxLists}`);
  }

  /** The list's result, scored together with whatever other lists arrive in the same window. */
  score(reranker: Reranker, list: RerankList, explain: boolean): Promise<RerankResult> {
    const maxLists = reranker.inference === "js" ? 1 : this.#maxLists;
    return new Promise((resolve, reject) => {
      let byExplain = this.#open.get(reranker);
      if (!byExplain) this.#open.set(reranker, (byExplain = new Map<boolean, Batch>()));
      let batch = byExplain.get(explain);
      if (!batch) {
        const opened: Batch = { reranker, explain, pending: [], timer: null };
        byExplain.set(explain, opened);
        if (maxLists > 1) opened.timer = setTimeout(() => this.#flush(opened), this.#windowMs);
        batch = opened;
      }
      batch.pending.push({ list, resolve, reject });
      if (batch.pending.length >= maxLists) this.#flush(batch);
    });
  }

  #flush(batch: Batch): void {
    if (batch.timer) clearTimeout(batch.timer);
    const byExplain = this.#open.get(batch.reranker);
    if (byExplain?.get(batch.explain) !== batch) return;
    byExplain.delete(batch.explain);
    if (byExplain.size === 0) this.#open.delete(batch.reranker);
    const pending = batch.pending;
    this.calls++;
    this.lists += pending.length;
    // Through a promise, so a model that throws synchronously still rejects every list.
    Promise.resolve()
      .then(() => batch.reranker.scoreLists(
        pending.map((p) => p.list),
        { explain: batch.explain },
      ))
      .then(
      (results) => pending.forEach((p, i) => (results[i] ? p.resolve(results[i]) : p.reject(new Error("the model answered fewer lists than it was given")))),
      (err: unknown) => pending.forEach((p) => p.reject(err)),
    );
  }
}
