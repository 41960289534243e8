import { createHash } from "node:crypto";
import { seededRandom } from "../shared/seeded-random";
import { type BehaviourModel } from "./behaviour-model";
import { CascadeModel, PositionBasedModel, type ClickModel, type ClickModelKind } from "./click-model";
import { type ResultSource } from "./result-source";
import { type TasteSpace } from "./taste-vectors";
import { WeightedSampler, countSampler } from "./weighted-sampler";

export interface SimulationOptions {
  /** Synthetic users. @defaultValue 1000 */
  users?: number;
  /** @defaultValue 42 */
  seed?: number;
  /** @defaultValue "pbm" */
  clickModel?: ClickModelKind;
  /** α of the item the user is looking for. @defaultValue 0.9 */
  targetAttractiveness?: number;
  /** α of every other result (clicks that are noise; on Best Buy 0.02 cost TSTR 0.05 MRR, README "Synthetic data"). @defaultValue 0 */
  noise?: number;
  /** How strongly a user sticks to their favourite category, brand and price band (×, ≥ 1). @defaultValue 4 */
  preferenceStrength?: number;
  /**
   * PBM examination: `fitted` uses the model's θ as fitted; `calibrated` rescales it so the simulated clicks
   * fall on the ranks where the log's replayed clicks fell (see {@link calibratedExamination}).
   * @defaultValue "calibrated" when the model has replayed click ranks, else "fitted"
   */
  examination?: ExaminationMode;
  /**
   * Taste vectors: each user's targets are drawn ∝ popularity × exp(κ · cos(taste, item)) around a taste
   * near their anchor item's embedding, instead of by category, brand and price band. Absent (e.g.
   * `--offline`, or products without vectors): the facet preferences.
   */
  taste?: TasteSpace;
  /**
   * Share of searches with at least one click to reach (e.g. the log's clicks per search, ≤ 1). A search
   * whose target is in the list but drew no click from the click model gets one on its target with
   * probability max(0, (rate − p) / (1 − p)), p = the model's P(≥ 1 click) on that list, so P(a click) =
   * rate where the target is shown. Absent: the click model alone.
   */
  clickRate?: number;
}

export type ExaminationMode = "fitted" | "calibrated";
export const EXAMINATION_MODES: readonly ExaminationMode[] = ["fitted", "calibrated"];

/**
 * θ for `calibrated` examination. The simulator's targets already carry the relevance (they are drawn from
 * the log's own (query, item) clicks), so on the same ranking they sit where the real clicks sat; the
 * replay-fitted θ, which cannot tell position bias from today's ranking's relevance, would push them to the
 * top a second time. Calibrated: the ratio (share of real clicks at rank r) / (share of targets at rank r),
 * made non-increasing by weighted isotonic regression (pool adjacent violators, weights = targets at the
 * rank; position bias does not grow down the list, and noisy ranks — ε — are pooled with their
 * neighbours instead of dominating), scaled so rank 1 is 1.
 */
export function calibratedExamination(realClicks: readonly number[], targets: readonly number[], fallback: readonly number[]): number[] {
  const realTotal = realClicks.reduce((a, b) => a + b, 0);
  const targetTotal = targets.reduce((a, b) => a + b, 0);
  if (realTotal <= 0 || targetTotal <= 0) return [...fallback];
  // Blocks of pooled ranks: [value, weight, count]; ranks without targets keep their fitted θ.
  const blocks: [number, number, number][] = [];
  const seen: number[] = [];
  fallback.forEach((_, r) => {
    const weight = targets[r] ?? 0;
    if (weight <= 0) return;
    seen.push(r);
    blocks.push([(realClicks[r] ?? 0) / realTotal / (weight / targetTotal), weight, 1]);
    while (blocks.length > 1 && (blocks[blocks.length - 2] as [number, number, number])[0] < (blocks[blocks.length - 1] as [number, number, number])[0]) {
      const [v2, w2, c2] = blocks.pop() as [number, number, number];
      const [v1, w1, c1] = blocks.pop() as [number, number, number];
      blocks.push([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2]);
    }
  });
  const fitted = blocks.flatMap(([value, , count]) => new Array<number>(count).fill(value));
  const top = fitted[0] ?? 0;
  if (!(top > 0)) return [...fallback];
  const theta = [...fallback];
  seen.forEach((r, i) => {
    theta[r] = Math.min(1, (fitted[i] as number) / top);
  });
  return theta;
}

/** One event as CONTRACTS §3 spells it, marked synthetic. */
export interface SyntheticEvent {
  event_id: string;
  user_id: string;
  session_id: string;
  type: "search" | "click" | "add_to_cart" | "purchase";
  query?: string;
  item_id?: string;
  timestamp: string;
  synthetic: true;
}

/** A user's latent preferences. */
interface Preferences {
  category: string;
  brand: string;
  priceBand: string;
}

interface PlannedSearch {
  session: number;
  query: string;
  target: string;
  time: number;
}

interface PlannedUser {
  index: number;
  searches: PlannedSearch[];
}

/** A per-user, per-purpose generator: users are independent of each other and of the order they are simulated in. */
function streamFor(seed: number, user: number, purpose: string): () => number {
  return seededRandom(createHash("sha256").update(`${seed}\u0000${user}\u0000${purpose}`).digest().readUInt32BE(0));
}

function titleQuery(title: string, random: () => number): string {
  const words = title.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
  if (words.length <= 2) return words.join(" ") || title;
  const length = 2 + Math.floor(random() * 2);
  const from = Math.floor(random() * Math.max(1, words.length - length + 1));
  return words.slice(from, from + length).join(" ");
}

/**
 * The session simulator: synthetic users with latent preferences (a taste vector near an anchor item's
 * embedding when `taste` is given, else a favourite category, brand and price band; the anchor drawn
 * from the fitted popularity), sessions and searches per the fitted histograms, a
 * target item per search (popularity × preferences, or an item the user clicked before), a query that
 * led real users to that item (else words of its title), the result list from `results`, and clicks
 * from the click model (α = `targetAttractiveness` for the target, `noise` for the rest) followed by
 * carts and purchases at the fitted rates.
 *
 * Planning (everything but the clicks) runs first, so all distinct queries are asked of the result
 * source at once and concurrently; every draw comes from per-user seeded streams, so the same seed,
 * model and result lists give byte-identical events.
 */
export class SessionSimulator {
  readonly #model: BehaviourModel;
  #clickModel: ClickModel;
  readonly #examination: ExaminationMode;
  readonly #users: number;
  readonly #seed: number;
  readonly #target: number;
  readonly #noise: number;
  readonly #strength: number;
  readonly #taste: TasteSpace | undefined;
  readonly #clickRate: number | undefined;
  readonly #popularity: WeightedSampler<string>;
  readonly #byCategory = new Map<string, WeightedSampler<string>>();
  readonly #items: Map<string, BehaviourModel["items"][number]>;
  readonly #queries = new Map<string, WeightedSampler<string>>();
  readonly #sessionsPerUser: (random: () => number) => number;
  readonly #searchesPerSession: (random: () => number) => number;

  constructor(model: BehaviourModel, options: SimulationOptions = {}) {
    this.#model = model;
    this.#users = options.users ?? 1000;
    this.#seed = options.seed ?? 42;
    this.#target = options.targetAttractiveness ?? 0.9;
    this.#noise = options.noise ?? 0;
    this.#strength = options.preferenceStrength ?? 4;
    this.#taste = options.taste && options.taste.size > 0 ? options.taste : undefined;
    this.#clickRate = options.clickRate;
    if (this.#clickRate !== undefined && !(this.#clickRate >= 0 && this.#clickRate <= 1)) throw new RangeError(`click rate must be in [0, 1], got ${this.#clickRate}`);
    if (!Number.isInteger(this.#users) || this.#users < 1) throw new RangeError(`users must be a positive integer, got ${this.#users}`);
    if (!(this.#target > 0 && this.#target <= 1)) throw new RangeError(`target attractiveness must be in (0, 1], got ${this.#target}`);
    if (!(this.#noise >= 0 && this.#noise <= 1)) throw new RangeError(`noise must be in [0, 1], got ${this.#noise}`);
    if (!(this.#strength >= 1)) throw new RangeError(`preference strength must be >= 1, got ${this.#strength}`);
    const depth = model.theta.length;
    this.#clickModel = (options.clickModel ?? "pbm") === "cascade" ? new CascadeModel(depth) : new PositionBasedModel(model.theta);
    this.#examination = options.examination ?? (model.clickRanks ? "calibrated" : "fitted");
    this.#items = new Map(model.items.map((item) => [item.id, item]));
    const weighted = [...model.itemWeights].filter(([id, w]) => w > 0 && this.#items.has(id)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (weighted.length === 0) throw new Error("no item has a popularity weight: nothing for synthetic users to look for");
    this.#popularity = new WeightedSampler(weighted);
    const perCategory = new Map<string, [string, number][]>();
    for (const [id, weight] of weighted) {
      const category = this.#items.get(id)?.category ?? "";
      const list = perCategory.get(category);
      if (list) list.push([id, weight]);
      else perCategory.set(category, [[id, weight]]);
    }
    for (const [category, list] of perCategory) this.#byCategory.set(category, new WeightedSampler(list));
    for (const [item, queries] of model.queriesByItem) {
      this.#queries.set(item, new WeightedSampler([...queries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    }
    this.#sessionsPerUser = countSampler(model.sessionsPerUser);
    this.#searchesPerSession = countSampler(model.searchesPerSession);
  }

  get clickModel(): ClickModel {
    return this.#clickModel;
  }

  /** Plans every user's searches (no result lists needed yet). */
  plan(): PlannedUser[] {
    return Array.from({ length: this.#users }, (_, index) => this.#planUser(index));
  }

  #planUser(index: number): PlannedUser {
    const random = streamFor(this.#seed, index, "plan");
    const anchorId = this.#popularity.sample(random) as string;
    const anchor = this.#items.get(anchorId);
    const preferences: Preferences = { category: anchor?.category ?? "", brand: anchor?.brand ?? "", priceBand: anchor?.priceBand ?? "" };
    const taste = this.#taste?.tasteFor(anchorId, random);
    const nearTaste = taste ? this.#taste?.samplerFor(taste) : undefined;
    const { start, end } = this.#model.window;
    const searches: PlannedSearch[] = [];
    const clicked: string[] = [];
    const sessions = this.#sessionsPerUser(random);
    const starts = Array.from({ length: sessions }, () => start + Math.floor(random() * Math.max(1, end - start))).sort((a, b) => a - b);
    starts.forEach((sessionStart, session) => {
      let time = sessionStart;
      const count = this.#searchesPerSession(random);
      for (let s = 0; s < count; s++) {
        const target = random() < this.#model.funnel.repeatShare && clicked.length > 0 ? (clicked[Math.floor(random() * clicked.length)] as string) : (nearTaste?.sample(random) ?? this.#targetFor(preferences, random));
        clicked.push(target);
        const query = this.#queries.get(target)?.sample(random) ?? titleQuery(this.#items.get(target)?.title ?? target, random);
        searches.push({ session, query, target, time });
        time += 30_000 + Math.floor(random() * 90_000);
      }
    });
    return { index, searches };
  }

  /** Popularity within the favourite category (most of the time), accepted by brand and price band with odds `strength` : 1. */
  #targetFor(preferences: Preferences, random: () => number): string {
    const inCategory = random() < 1 - 1 / this.#strength ? this.#byCategory.get(preferences.category) : undefined;
    const sampler = inCategory ?? this.#popularity;
    let candidate = sampler.sample(random) as string;
    for (let tries = 0; tries < 4; tries++) {
      const item = this.#items.get(candidate);
      const matches = (item?.brand === preferences.brand ? 1 : 0) + (item?.priceBand === preferences.priceBand ? 1 : 0);
      if (random() < (matches === 2 ? 1 : matches === 1 ? 1 / 2 : 1 / this.#strength)) break;
      candidate = sampler.sample(random) as string;
    }
    return candidate;
  }

  /** Every distinct query of a plan (to fetch their result lists in one go). */
  static queries(plan: readonly PlannedUser[]): string[] {
    const queries = new Set<string>();
    for (const user of plan) for (const search of user.searches) queries.add(search.query);
    return [...queries];
  }

  /** One planned user's events, given the result lists of their queries. */
  *events(user: PlannedUser, lists: ReadonlyMap<string, readonly string[]>): Generator<SyntheticEvent> {
    const random = streamFor(this.#seed, user.index, "clicks");
    const userId = `syn-${this.#seed}-${user.index}`;
    let n = 0;
    const event = (fields: Omit<SyntheticEvent, "event_id" | "user_id" | "synthetic" | "timestamp">, time: number): SyntheticEvent => ({
      event_id: `${userId}-e${n++}`,
      user_id: userId,
      session_id: fields.session_id,
      type: fields.type,
      ...(fields.query !== undefined ? { query: fields.query } : {}),
      ...(fields.item_id !== undefined ? { item_id: fields.item_id } : {}),
      timestamp: new Date(time).toISOString(),
      synthetic: true,
    });
    for (const search of user.searches) {
      const sessionId = `${userId}-s${search.session}`;
      yield event({ session_id: sessionId, type: "search", query: search.query }, search.time);
      const shown = lists.get(search.query) ?? [];
      const attractiveness = shown.map((id) => (id === search.target ? this.#target : this.#noise));
      const clicks = this.#clickModel.sampleClicks(random, attractiveness);
      const targetRank = shown.indexOf(search.target);
      if (this.#clickRate !== undefined && clicks.length === 0 && targetRank >= 0) {
        const p = 1 - attractiveness.reduce((none, a, r) => none * (1 - this.#clickModel.examination(r) * a), 1);
        if (p < 1 && random() < Math.max(0, (this.#clickRate - p) / (1 - p))) clicks.push(targetRank);
      }
      let time = search.time;
      for (const rank of clicks) {
        const itemId = shown[rank] as string;
        time += 5_000 + Math.floor(random() * 25_000);
        yield event({ session_id: sessionId, type: "click", item_id: itemId, query: search.query }, time);
        if (random() >= this.#model.funnel.cartPerClick) continue;
        time += 10_000 + Math.floor(random() * 50_000);
        yield event({ session_id: sessionId, type: "add_to_cart", item_id: itemId }, time);
        if (random() >= this.#model.funnel.purchasePerCart) continue;
        time += 30_000 + Math.floor(random() * 120_000);
        yield event({ session_id: sessionId, type: "purchase", item_id: itemId }, time);
      }
    }
  }

  /** Plans, asks `results` for every distinct query, calibrates the examination when asked, and yields all events, user by user. */
  async *run(results: ResultSource): AsyncGenerator<SyntheticEvent> {
    const plan = this.plan();
    const lists = await results.resultsFor(SessionSimulator.queries(plan));
    if (this.#examination === "calibrated" && this.#clickModel.kind === "pbm" && this.#model.clickRanks) {
      const depth = this.#model.theta.length;
      const targets = new Array<number>(depth).fill(0);
      for (const user of plan) {
        for (const search of user.searches) {
          const rank = (lists.get(search.query) ?? []).indexOf(search.target);
          if (rank >= 0 && rank < depth) targets[rank] = (targets[rank] as number) + 1;
        }
      }
      this.#clickModel = new PositionBasedModel(calibratedExamination(this.#model.clickRanks, targets, this.#model.theta));
    }
    for (const user of plan) yield* this.events(user, lists);
  }
}
