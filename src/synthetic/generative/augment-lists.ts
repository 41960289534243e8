import { validationGroups } from "../../model";
import { Rng } from "../../model/rng";
import { type StoredRerankCandidate, type StoredRerankList } from "../../training";
import { generateRows, POSITIVE, type FeatureGenerator, type LabeledRow } from "./feature-generator";

export interface AugmentListsOptions {
  /** Synthetic positives to add; overrides `ratio`. @defaultValue none */
  positives?: number;
  /** Synthetic positives per real positive of the training side. @defaultValue 1 */
  ratio?: number;
  /** @defaultValue 42 */
  seed?: number;
  /** The re-ranker training's validation share and seed: lists of its validation groups are never used, so validation stays unseen. @defaultValue 0.2, 42 */
  validationFraction?: number;
  splitSeed?: number;
}

/** The real rows the generator may learn from: the candidates of lists on the training side of the split. */
export function trainingSideLists(lists: readonly StoredRerankList[], validationFraction: number, splitSeed: number): StoredRerankList[] {
  const held = validationGroups(lists, validationFraction, splitSeed);
  return lists.filter((list, i) => list.synthetic !== true && !held.has(list.group ?? `#${i}`) && list.labels.some((g) => g > 0));
}

/** Every real candidate of `lists` as a labeled row. */
export function labeledRows(lists: readonly StoredRerankList[]): LabeledRow[] {
  return lists.flatMap((list) => list.candidates.flatMap((c, i) => (c.synthetic === true ? [] : [{ features: c.features, positive: (list.labels[i] ?? 0) > 0 }])));
}

export interface AugmentedLists {
  lists: StoredRerankList[];
  /** Lists added, each with one generated positive. */
  added: number;
  /** Real positives on the training side (the base of `ratio`). */
  realPositives: number;
}

/**
 * Adds lists that each carry one generated positive: a seeded pick of a real training-side list whose
 * positives are replaced by one row drawn from the generator (class "positive"), marked `synthetic`,
 * at the first replaced positive's position and with its grade and its item embedding (so the query
 * and history terms stay those of a real interaction; a zero embedding would give the model a tell).
 * The negatives stay the list's real candidates. The new list keeps the source's `group`, so it falls
 * on the training side of the same split; the re-ranker never validates on it either way.
 */
export function augmentLists(lists: readonly StoredRerankList[], generator: FeatureGenerator, options: AugmentListsOptions = {}): AugmentedLists {
  const sources = trainingSideLists(lists, options.validationFraction ?? 0.2, options.splitSeed ?? 42);
  const realPositives = sources.reduce((n, list) => n + list.labels.filter((g) => g > 0).length, 0);
  const target = options.positives ?? Math.round((options.ratio ?? 1) * realPositives);
  if (!Number.isInteger(target) || target < 0) throw new Error(`synthetic positives must be an integer ≥ 0, got ${target}`);
  if (target > 0 && sources.length === 0) throw new Error("no training-side list with a positive to augment");
  const rng = new Rng(options.seed ?? 42);
  const rows = generateRows(generator, POSITIVE, target, rng);
  const added: StoredRerankList[] = rows.map((row) => {
    const source = sources[rng.int(sources.length)] as StoredRerankList;
    const first = source.labels.findIndex((g) => g > 0);
    const grade = Math.max(...source.labels);
    const candidates: StoredRerankCandidate[] = [];
    const labels: number[] = [];
    source.candidates.forEach((candidate, i) => {
      if (i === first) {
        candidates.push({ features: Array.from(row), embedding: candidate.embedding ?? null, synthetic: true });
        labels.push(grade);
      } else if ((source.labels[i] ?? 0) <= 0) {
        candidates.push(candidate);
        labels.push(0);
      }
    });
    return { ...(source.group !== undefined ? { group: source.group } : {}), queryEmbedding: source.queryEmbedding ?? null, history: source.history ?? [], candidates, labels, synthetic: true };
  });
  return { lists: [...lists, ...added], added: added.length, realPositives };
}
