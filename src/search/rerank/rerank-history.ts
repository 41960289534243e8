import { EVENT_WEIGHTS, type UserProfile } from "../../profiles";
import { MS_PER_DAY } from "../../shared/time-units";

/** One item of the history the model attends over, before its embedding is looked up. */
export interface HistoryEntry {
  readonly itemId: string;
  /** w_j: the strongest interaction's type weight (purchase 1, add to cart ½, click ¼, view ⅛) × 2^(−age / half-life). */
  readonly weight: number;
  /** Epoch ms of the latest interaction with the item. */
  readonly timestamp: number;
}

export interface HistoryOptions {
  /** Keep only interactions strictly before this epoch ms (training as of a past moment). @defaultValue none */
  asOf?: number;
  /** Items left out of the history (and of the recent items used for co-interactions). @defaultValue none */
  excludeItems?: ReadonlySet<string>;
  /** Items kept at most (newest first). */
  limit: number;
  /** Half-life of the recency weight, in days. */
  halfLifeDays: number;
  /** "Now" for the recency weight. @defaultValue asOf, or the current time */
  now?: number;
}

const MAX_TYPE_WEIGHT = Math.max(...Object.values(EVENT_WEIGHTS));

/**
 * The user's recent items as the model's history: newest first, one entry per item (its latest
 * interaction's time, its strongest type), trimmed by `asOf` and `excludeItems`. Linear in the recent list.
 */
export function historyOf(profile: UserProfile | null, options: HistoryOptions): HistoryEntry[] {
  if (!profile) return [];
  const now = options.now ?? options.asOf ?? Date.now();
  const byItem = new Map<string, { typeWeight: number; timestamp: number }>();
  const order: string[] = [];
  for (const interaction of profile.recent) {
    if (options.asOf !== undefined && !(interaction.timestamp < options.asOf)) continue;
    if (options.excludeItems?.has(interaction.itemId)) continue;
    const typeWeight = EVENT_WEIGHTS[interaction.type] / MAX_TYPE_WEIGHT;
    const seen = byItem.get(interaction.itemId);
    if (!seen) {
      byItem.set(interaction.itemId, { typeWeight, timestamp: interaction.timestamp });
      order.push(interaction.itemId);
    } else {
      seen.typeWeight = Math.max(seen.typeWeight, typeWeight);
      seen.timestamp = Math.max(seen.timestamp, interaction.timestamp);
    }
  }
  const entries = order.map((itemId) => {
    const { typeWeight, timestamp } = byItem.get(itemId) as { typeWeight: number; timestamp: number };
    const ageDays = Math.max(0, now - timestamp) / MS_PER_DAY;
    return { itemId, timestamp, weight: typeWeight * 2 ** (-ageDays / options.halfLifeDays) };
  });
  // Newest first, whatever order the profile listed (item, type) pairs in.
  entries.sort((a, b) => b.timestamp - a.timestamp);
  return entries.slice(0, options.limit);
}
