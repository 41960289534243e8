import { type JudgmentGroup } from "./judgment-set";

/** The session simulator's user ids: `syn-<seed>-<n>` (src/synthetic/session-simulator.ts). */
const SIMULATED_USER = /^syn-\d{1,12}-\d{1,12}$/;
const TRUE_VALUES = new Set(["true", "1", "yes"]);

/** A judgment row's `synthetic` column says so. */
export function isSyntheticFlag(value: string): boolean {
  return TRUE_VALUES.has(value.trim().toLowerCase());
}

/** The user is one the session simulator made (judgments built from its sessions carry such ids). */
export function isSyntheticUser(userId: string): boolean {
  return userId.length <= 32 && SIMULATED_USER.test(userId);
}

/**
 * Groups with their synthetic rows removed, so an evaluation never scores synthetic judgments as real
 * (a synthetic doc then counts as unjudged); groups left without rows are dropped. `rows` counts what was removed.
 */
export function withoutSyntheticJudgments(groups: readonly JudgmentGroup[]): { groups: JudgmentGroup[]; rows: number } {
  let rows = 0;
  const kept: JudgmentGroup[] = [];
  for (const group of groups) {
    const synthetic = group.syntheticDocs;
    if (!synthetic || synthetic.size === 0) {
      kept.push(group);
      continue;
    }
    rows += synthetic.size;
    const grades = new Map([...group.grades].filter(([docId]) => !synthetic.has(docId)));
    if (grades.size > 0) kept.push({ query: group.query, ...(group.userId === undefined ? {} : { userId: group.userId }), grades });
  }
  return { groups: kept, rows };
}
