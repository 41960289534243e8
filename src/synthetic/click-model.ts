/** Which click model a simulation uses. */
export type ClickModelKind = "pbm" | "cascade";
export const CLICK_MODEL_KINDS: readonly ClickModelKind[] = ["pbm", "cascade"];

/**
 * A click model: given the attractiveness α of each shown result (top first), which positions
 * (0-based) a user clicks. `random` is the caller's seeded generator, so a simulation is reproducible.
 */
export interface ClickModel {
  readonly kind: ClickModelKind;
  /** Probability that a result at 0-based `rank` is examined, the position bias (before any click, for cascade). */
  examination(rank: number): number;
  sampleClicks(random: () => number, attractiveness: readonly number[]): number[];
}

/** θ_r = 1 / r^bias for ranks 1…depth: bias 0 examines everything, larger biases fall off faster. */
export function powerLawExamination(depth: number, bias: number): number[] {
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`examination depth must be a positive integer, got ${depth}`);
  if (!(bias >= 0) || !Number.isFinite(bias)) throw new RangeError(`position bias must be a finite number >= 0, got ${bias}`);
  return Array.from({ length: depth }, (_, r) => 1 / (r + 1) ** bias);
}

function checkProbabilities(name: string, values: readonly number[]): void {
  if (values.length === 0) throw new RangeError(`${name} needs at least one rank`);
  values.forEach((value, i) => {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name}[${i}] must be a probability in [0, 1], got ${value}`);
  });
}

/**
 * Position-based model: P(click at r) = θ_r · α, examination and attractiveness independent; a rank
 * beyond θ's depth is never examined.
 */
export class PositionBasedModel implements ClickModel {
  readonly kind = "pbm" as const;
  readonly theta: readonly number[];

  constructor(theta: readonly number[]) {
    checkProbabilities("PBM theta", theta);
    this.theta = Object.freeze([...theta]);
  }

  examination(rank: number): number {
    return this.theta[rank] ?? 0;
  }

  sampleClicks(random: () => number, attractiveness: readonly number[]): number[] {
    const clicks: number[] = [];
    const depth = Math.min(attractiveness.length, this.theta.length);
    for (let r = 0; r < depth; r++) {
      if (random() < (this.theta[r] ?? 0) * (attractiveness[r] ?? 0)) clicks.push(r);
    }
    return clicks;
  }
}

/**
 * Cascade model: the user scans top-down and clicks a result with probability α; after a click they
 * stop with probability 1 − `continueAfterClick` (0: the classic one-click cascade). `examination`
 * is the chance of reaching a rank with no click above it, capped by `depth`.
 */
export class CascadeModel implements ClickModel {
  readonly kind = "cascade" as const;

  constructor(
    readonly depth: number,
    readonly continueAfterClick = 0,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`cascade depth must be a positive integer, got ${depth}`);
    if (!(continueAfterClick >= 0 && continueAfterClick <= 1)) throw new RangeError(`continueAfterClick must be in [0, 1], got ${continueAfterClick}`);
  }

  examination(rank: number): number {
    return rank < this.depth ? 1 : 0;
  }

  sampleClicks(random: () => number, attractiveness: readonly number[]): number[] {
    const clicks: number[] = [];
    const depth = Math.min(attractiveness.length, this.depth);
    for (let r = 0; r < depth; r++) {
      if (random() >= (attractiveness[r] ?? 0)) continue;
      clicks.push(r);
      if (random() >= this.continueAfterClick) break;
    }
    return clicks;
  }
}
