import { createHash } from "node:crypto";
import { type JudgmentGroup } from "./judgment-set";

export interface SplitOptions {
  /** Share of queries that go to the test side. @defaultValue 0.3 */
  readonly testFraction?: number;
  /** Mixed into the hash so different seeds give different splits. @defaultValue 42 */
  readonly seed?: number;
}

export interface JudgmentSplit {
  readonly train: JudgmentGroup[];
  readonly test: JudgmentGroup[];
}

/** A stable number in [0, 1) for a query: the same on every machine and run, for a given seed. */
function queryPosition(query: string, seed: number): number {
  return createHash("sha256").update(`${seed}\u0000${query}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Splits by query text so no query is on both sides (all users' groups of one query travel together),
 * which keeps a model trained on `train` from seeing the test queries.
 */
export function splitJudgments(groups: readonly JudgmentGroup[], options: SplitOptions = {}): JudgmentSplit {
  const testFraction = options.testFraction ?? 0.3;
  const seed = options.seed ?? 42;
  if (!(testFraction >= 0 && testFraction <= 1)) throw new RangeError(`test fraction must be between 0 and 1, got ${testFraction}`);
  const split: JudgmentSplit = { train: [], test: [] };
  for (const group of groups) {
    (queryPosition(group.query, seed) < testFraction ? split.test : split.train).push(group);
  }
  return split;
}
