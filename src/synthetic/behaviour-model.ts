import { powerLawExamination } from "./click-model";
import { type SimulatorItem } from "./simulator-catalog";

/** Rates of the funnel after a search. */
export interface FunnelRates {
  /** P(add_to_cart | click). */
  cartPerClick: number;
  /** P(purchase | add_to_cart). */
  purchasePerCart: number;
  /** Share of clicks on an item the same user had clicked before (how often users come back to an item). */
  repeatShare: number;
}

/** What was fitted, for the summary and the README's accounting; null for priors. */
export interface FitReport {
  events: number;
  users: number;
  /** Events left out by the per-user cap. */
  clippedEvents: number;
  maxEventsPerUser: number;
  searches: number;
  clicks: number;
  /** Logged clicks replayed through the result source to place them in a ranked list. */
  replayed: number;
  /** Replayed clicks whose item was not in the replayed top `depth` (left out of the click-model fit). */
  replayMissed: number;
  clickModelFit: "pbm-em" | "position-ctr" | "none";
  epsilon: number | null;
  delta: number | null;
  /** Distinct queries released (after DP thresholding, when private). */
  queries: number;
}

/** Everything the simulator draws from: fitted to a log, or priors. */
export interface BehaviourModel {
  items: SimulatorItem[];
  /** Item popularity (clicks, or a prior); items without weight are never targets. */
  itemWeights: Map<string, number>;
  /** Item → the queries that led to it, with weights; an item without any gets queries from its title. */
  queriesByItem: Map<string, Map<string, number>>;
  /** Index i: weight of users with i + 1 sessions. */
  sessionsPerUser: number[];
  /** Index i: weight of sessions with i + 1 searches. */
  searchesPerSession: number[];
  funnel: FunnelRates;
  /** Position bias θ_r relative to rank 1 (θ_0 = 1), ranks 1…depth. */
  theta: number[];
  /** Real clicks per 0-based rank of the replayed lists (noised with ε), when the fit replayed the log: what `calibrated` examination matches. */
  clickRanks?: number[];
  /** Each real user's distinct clicked items (users with ≥ 2), clipped like every table: fits the taste concentration κ. Non-private fits only (per-user data). */
  userClicks?: string[][];
  /** Timestamps are drawn in [start, end] (epoch ms). */
  window: { start: number; end: number };
  fit: FitReport | null;
}

export interface PriorOptions {
  /** Mean sessions per user (geometric). @defaultValue 2 */
  sessionsMean?: number;
  /** Mean searches per session (geometric). @defaultValue 1.5 */
  searchesMean?: number;
  /** θ_r = 1/r^bias. @defaultValue 0.8 */
  positionBias?: number;
  /** Ranks a user looks at. @defaultValue 10 */
  depth?: number;
  /** @defaultValue {cartPerClick: 0.1, purchasePerCart: 0.3, repeatShare: 0.1} */
  funnel?: FunnelRates;
  /** Window of the timestamps. @defaultValue 2025-01-01T00:00:00Z + 30 days */
  window?: { start: number; end: number };
}

export const DEFAULT_WINDOW = Object.freeze({ start: Date.UTC(2025, 0, 1), end: Date.UTC(2025, 0, 31) });

/** A geometric histogram with the given mean, over 1…max. */
export function geometricHistogram(mean: number, max: number): number[] {
  if (!(mean >= 1)) throw new RangeError(`a count's mean must be >= 1, got ${mean}`);
  const p = 1 / mean;
  return Array.from({ length: max }, (_, i) => p * (1 - p) ** i);
}

/** Priors for a shop without a log: Zipf-like popularity over the catalog order, queries from titles. */
export function priorBehaviour(items: readonly SimulatorItem[], options: PriorOptions = {}): BehaviourModel {
  if (items.length === 0) throw new Error("the simulator needs a catalog with at least one usable product");
  return {
    items: [...items],
    itemWeights: new Map(items.map((item, i) => [item.id, 1 / (i + 1) ** 0.7])),
    queriesByItem: new Map(),
    sessionsPerUser: geometricHistogram(options.sessionsMean ?? 2, 20),
    searchesPerSession: geometricHistogram(options.searchesMean ?? 1.5, 20),
    funnel: options.funnel ?? { cartPerClick: 0.1, purchasePerCart: 0.3, repeatShare: 0.1 },
    theta: powerLawExamination(options.depth ?? 10, options.positionBias ?? 0.8),
    window: options.window ?? { ...DEFAULT_WINDOW },
    fit: null,
  };
}
