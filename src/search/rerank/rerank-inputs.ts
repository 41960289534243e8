import { type BehaviourReader, type BehaviourSignals, type UserProfile } from "../../profiles";
import { type Candidate } from "../candidate";
import { type SearchContext } from "../search-context";
import { UserAffinities } from "./behaviour-features";
import { candidateFeatures } from "./candidate-features";
import { FEATURE_NAMES } from "./feature-list";
import { type HistoryEmbeddings } from "./history-embeddings";
import { recentItemIds, type BehaviourPrefetch, type PrefetchedBehaviour } from "./behaviour-prefetch";
import { historyOf, type HistoryEntry, type HistoryOptions } from "./rerank-history";
import { PreparedQuery } from "./text-match";
import { withTimeout } from "./with-timeout";

/** The stage whose parts the builder times (`attention-rerank/behaviour`, `/history`, `/features`). */
const SPAN = "attention-rerank";

export interface RerankInputsBuilderOptions {
  behaviour: BehaviourReader;
  historyEmbeddings: HistoryEmbeddings;
  /** The serving embedder's version (history vectors must be of it), or null without one. */
  embedderVersion: () => string | null;
  /** The search's Redis reads started before retrieval (the profile, the query's signals); shared with personal retrieval. */
  prefetch: BehaviourPrefetch;
  /** History items kept at most (newest first). @defaultValue 50 */
  historyLimit?: number;
  /** Half-life of a history item's recency weight. @defaultValue 30 */
  historyHalfLifeDays?: number;
  /** Cap of the candidates' Redis read (within what is left of the deadline). @defaultValue 250 */
  behaviourTimeoutMs?: number;
  /** Cap of the history vectors' `_mget` (within what is left of the deadline). @defaultValue 250 */
  historyTimeoutMs?: number;
}

export interface BuildOptions {
  /** Read the user's profile (the `personal` pipeline with a user). */
  personal: boolean;
  /** Only interactions strictly before this epoch ms make the history. @defaultValue none */
  asOf?: number;
  /** Left out of the history and of the recent items co-interactions are counted against. @defaultValue none */
  excludeItems?: ReadonlySet<string>;
}

export interface HistoryInput {
  readonly itemId: string;
  readonly weight: number;
  readonly embedding: Float32Array | null;
}

/** The history items' vectors by id, and why they could not be read (null when they could). */
interface HistoryVectors {
  readonly vectors: Map<string, Float32Array | null>;
  readonly error: string | null;
}

/** Why the inputs are less than asked for (the search still answers). */
export interface InputsDegradation {
  readonly reason: "behaviour_unavailable" | "history_unavailable";
  readonly message: string;
}

/** One list's model inputs, raw: what the stage scores and what `POST /v1/candidates` returns. */
export interface RerankInputs {
  readonly featureNames: readonly string[];
  /** Raw features per candidate, in {@link FEATURE_NAMES} order, candidates in retrieval order. */
  readonly rows: Float64Array[];
  readonly queryEmbedding: Float32Array | null;
  readonly history: readonly HistoryInput[];
  readonly profile: UserProfile | null;
  readonly degradations: readonly InputsDegradation[];
}

/**
 * Builds the model's inputs for one search's candidates: the profile and the query's signals (read
 * while retrieval ran, {@link BehaviourPrefetch}), then the candidates' popularity (one Redis read) while
 * the history items' vectors are read (one `_mget`, cached), and the feature rows. Redis or OpenSearch trouble
 * never fails it: the inputs get zero signals / an empty history and say why.
 */
export class RerankInputsBuilder {
  readonly #options: RerankInputsBuilderOptions;
  readonly #historyLimit: number;
  readonly #halfLife: number;
  readonly #behaviourTimeoutMs: number;
  readonly #historyTimeoutMs: number;

  constructor(options: RerankInputsBuilderOptions) {
    this.#options = options;
    this.#historyLimit = options.historyLimit ?? 50;
    this.#halfLife = options.historyHalfLifeDays ?? 30;
    this.#behaviourTimeoutMs = options.behaviourTimeoutMs ?? 250;
    this.#historyTimeoutMs = options.historyTimeoutMs ?? 250;
    if (!(Number.isInteger(this.#historyLimit) && this.#historyLimit >= 0)) throw new RangeError(`historyLimit must be a non-negative integer, got ${this.#historyLimit}`);
    if (!(this.#halfLife > 0)) throw new RangeError(`historyHalfLifeDays must be positive, got ${this.#halfLife}`);
  }

  /** Starts the search's Redis reads that do not need the candidates (see {@link BehaviourPrefetch}); build() starts them itself when nobody did. */
  prepare(context: SearchContext, personal: boolean): void {
    this.#options.prefetch.start(context, personal);
  }

  async build(context: SearchContext, candidates: readonly Candidate[], options: BuildOptions): Promise<RerankInputs> {
    const { diagnostics } = context;
    const degradations: InputsDegradation[] = [];
    const trim: HistoryOptions = { limit: this.#historyLimit, halfLifeDays: this.#halfLife, ...(options.asOf !== undefined ? { asOf: options.asOf } : {}), ...(options.excludeItems ? { excludeItems: options.excludeItems } : {}) };
    const prefetched = this.#options.prefetch.start(context, options.personal);
    const personal = options.personal && context.userKey !== null;
    let profile: UserProfile | null = null;
    let signals: BehaviourSignals | null = null;
    let entries: HistoryEntry[] = [];
    let vectorsRead: Promise<HistoryVectors> | null = null;
    try {
      profile = personal && prefetched.profile ? await prefetched.profile : null;
      entries = historyOf(profile, trim);
      // The history's vectors (OpenSearch) are read while the candidates' signals are (Redis).
      vectorsRead = diagnostics.time(`${SPAN}/history`, () => this.#historyVectors(context, entries));
      signals = await diagnostics.time(`${SPAN}/behaviour`, () => this.#signals(context, candidates, options, prefetched, profile));
    } catch (err) {
      degradations.push({
        reason: "behaviour_unavailable",
        message: `profile and behaviour signals could not be read (${describe(err)}); re-ranked without them${personal ? " (non-personal)" : ""}`,
      });
      [profile, signals, entries] = [null, null, []];
    }
    const { vectors, error } = entries.length > 0 && vectorsRead ? await vectorsRead : { vectors: new Map<string, Float32Array | null>(), error: null };
    if (error !== null) degradations.push({ reason: "history_unavailable", message: `the history items' vectors could not be read (${error}); re-ranked without the history` });
    const history = entries.map((e) => ({ itemId: e.itemId, weight: e.weight, embedding: vectors.get(e.itemId) ?? null }));
    const rows = diagnostics.timeSync(`${SPAN}/features`, () =>
      candidateFeatures({
        query: new PreparedQuery(context.request.q),
        candidates,
        signals,
        affinities: new UserAffinities(profile, options.excludeItems),
        historyItems: history.filter((h) => h.embedding !== null).length,
      }),
    );
    return { featureNames: FEATURE_NAMES, rows, queryEmbedding: context.queryVector?.vector ?? null, history, profile, degradations };
  }

  /** The history items' vectors of the serving embedder's version (none without one), and why they could not be read. Never rejects. */
  async #historyVectors(context: SearchContext, entries: readonly HistoryEntry[]): Promise<HistoryVectors> {
    const version = this.#options.embedderVersion();
    if (entries.length === 0 || version === null) return { vectors: new Map(), error: null };
    try {
      const ids = entries.map((e) => e.itemId);
      return { vectors: await this.#options.historyEmbeddings.vectorsFor(ids, version, context.deadline.callTimeoutMs(this.#historyTimeoutMs)), error: null };
    } catch (err) {
      return { vectors: new Map(), error: describe(err) };
    }
  }

  /**
   * The candidates' signals: the prefetched query signals and one read of their popularity. A trimmed
   * history (`asOf`, `excludeItems`: training lists) counts co-interactions against the trimmed recent
   * items instead, in one read of its own.
   */
  async #signals(context: SearchContext, candidates: readonly Candidate[], options: BuildOptions, prefetched: PrefetchedBehaviour, profile: UserProfile | null): Promise<BehaviourSignals> {
    const behaviour = this.#options.behaviour;
    const ids = candidates.map((c) => c.id);
    const timeoutMs = context.deadline.callTimeoutMs(this.#behaviourTimeoutMs);
    if (options.asOf === undefined && (options.excludeItems?.size ?? 0) === 0) {
      return withTimeout(behaviour.candidateSignals(await prefetched.query, ids), timeoutMs, "the signals read");
    }
    const recent = recentItemIds(profile, { ...(options.asOf !== undefined ? { asOf: options.asOf } : {}), ...(options.excludeItems ? { excludeItems: options.excludeItems } : {}) });
    return withTimeout(behaviour.signalsFor(context.request.q, ids, recent), timeoutMs, "the signals read");
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
