import { type BehaviourReader, type BehaviourSignals, type UserProfile } from "../../profiles";
import { type Candidate } from "../candidate";
import { type SearchContext } from "../search-context";
import { UserAffinities } from "./behaviour-features";
import { candidateFeatures } from "./candidate-features";
import { FEATURE_NAMES } from "./feature-list";
import { type HistoryEmbeddings } from "./history-embeddings";
import { type ProfileHandoff } from "./profile-handoff";
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
  /** Profiles personal retrieval already read in the same search. */
  handoff: ProfileHandoff;
  /** History items kept at most (newest first). @defaultValue 50 */
  historyLimit?: number;
  /** Half-life of a history item's recency weight. @defaultValue 30 */
  historyHalfLifeDays?: number;
  /** Cap of the Redis read (within what is left of the deadline). @defaultValue 250 */
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
 * Builds the model's inputs for one search's candidates: profile and signals (one Redis round trip),
 * the history items' vectors (one `_mget`, cached), the feature rows. Redis or OpenSearch trouble
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

  async build(context: SearchContext, candidates: readonly Candidate[], options: BuildOptions): Promise<RerankInputs> {
    const { diagnostics } = context;
    const degradations: InputsDegradation[] = [];
    const trim: HistoryOptions = { limit: this.#historyLimit, halfLifeDays: this.#halfLife, ...(options.asOf !== undefined ? { asOf: options.asOf } : {}), ...(options.excludeItems ? { excludeItems: options.excludeItems } : {}) };
    // A profile personal retrieval already read: its history's vectors are read while the signals are.
    const known = options.personal && context.userKey !== null ? this.#options.handoff.get(context) : undefined;
    const knownEntries = known ? historyOf(known, trim) : [];
    const early = known ? diagnostics.time(`${SPAN}/history`, () => this.#historyVectors(context, knownEntries)) : null;
    const { profile, signals } = await diagnostics.time(`${SPAN}/behaviour`, () => this.#readBehaviour(context, candidates, options, trim, degradations));
    // Unless the behaviour read failed (no profile, so no history), the early read is of the same profile: its entries and vectors stand.
    const sameProfile = early !== null && profile === known;
    const entries = sameProfile ? knownEntries : historyOf(profile, trim);
    const { vectors, error } = sameProfile ? await early : await diagnostics.time(`${SPAN}/history`, () => this.#historyVectors(context, entries));
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
  async #historyVectors(context: SearchContext, entries: readonly HistoryEntry[]): Promise<{ vectors: Map<string, Float32Array | null>; error: string | null }> {
    const version = this.#options.embedderVersion();
    if (entries.length === 0 || version === null) return { vectors: new Map(), error: null };
    try {
      const ids = entries.map((e) => e.itemId);
      return { vectors: await this.#options.historyEmbeddings.vectorsFor(ids, version, context.deadline.callTimeoutMs(this.#historyTimeoutMs)), error: null };
    } catch (err) {
      return { vectors: new Map(), error: describe(err) };
    }
  }

  async #readBehaviour(
    context: SearchContext,
    candidates: readonly Candidate[],
    options: BuildOptions,
    trim: HistoryOptions,
    degradations: InputsDegradation[],
  ): Promise<{ profile: UserProfile | null; signals: BehaviourSignals | null }> {
    const behaviour = this.#options.behaviour;
    const q = context.request.q;
    const ids = candidates.map((c) => c.id);
    const userKey = options.personal ? context.userKey : null;
    const timeoutMs = context.deadline.callTimeoutMs(this.#behaviourTimeoutMs);
    const trimmed = options.asOf !== undefined || (options.excludeItems?.size ?? 0) > 0;
    const handedOff = this.#options.handoff.get(context);
    let profile: UserProfile | null = null;
    try {
      if (userKey === null) return { profile: null, signals: await withTimeout(behaviour.signalsFor(q, ids), timeoutMs, "the behaviour read") };
      if (handedOff === undefined && !trimmed) return await withTimeout(behaviour.profileAndSignals(userKey, q, ids), timeoutMs, "the profile and signals read");
      profile = handedOff !== undefined ? handedOff : await withTimeout(behaviour.profile(userKey), timeoutMs, "the profile read");
      const recent = historyOf(profile, { ...trim, limit: Number.MAX_SAFE_INTEGER });
      const signals = await withTimeout(behaviour.signalsFor(q, ids, recent.map((e) => e.itemId)), context.deadline.callTimeoutMs(this.#behaviourTimeoutMs), "the signals read");
      return { profile, signals };
    } catch (err) {
      degradations.push({
        reason: "behaviour_unavailable",
        message: `profile and behaviour signals could not be read (${describe(err)}); re-ranked without them${userKey !== null ? " (non-personal)" : ""}`,
      });
      return { profile: null, signals: null };
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
