/**
 * How one raw feature becomes a model input. Statistics are learned from the training candidates and
 * saved in the manifest, so serving normalizes exactly as training did.
 * - `zscore`: (x − mean) / std
 * - `minmax`: (x − min) / (max − min), so the training range maps to [0, 1]
 * - `none`: x as is
 * The result is clipped to ±`clip` (a serving value far outside the training range cannot dominate),
 * and a non-finite raw value becomes 0, i.e. "typical" (the training mean for zscore).
 */
export type FeatureNormalization = { kind: "zscore"; mean: number; std: number } | { kind: "minmax"; min: number; max: number } | { kind: "none" };

export type NormalizationKind = FeatureNormalization["kind"];

export interface FeatureSpec {
  name: string;
  normalization: FeatureNormalization;
}

export interface FeatureSchema {
  features: FeatureSpec[];
  /** Normalized values are clipped to [−clip, clip]. */
  clip: number;
}

const FEATURE_NAME = /^[A-Za-z0-9_.:-]+$/;

/** @throws Error when names repeat or are not identifiers, or statistics are unusable. */
export function checkFeatureSchema(schema: FeatureSchema): void {
  if (!(schema.clip > 0)) throw new Error(`feature schema clip must be > 0, got ${schema.clip}`);
  const seen = new Set<string>();
  for (const { name, normalization } of schema.features) {
    if (!FEATURE_NAME.test(name)) throw new Error(`feature name "${name}" must be letters, digits, "_", ".", ":" or "-"`);
    if (seen.has(name)) throw new Error(`feature "${name}" appears twice in the schema`);
    seen.add(name);
    if (normalization.kind === "zscore" && !(Number.isFinite(normalization.mean) && normalization.std > 0)) {
      throw new Error(`feature "${name}": zscore needs a finite mean and std > 0, got mean ${normalization.mean}, std ${normalization.std}`);
    }
    if (normalization.kind === "minmax" && !(Number.isFinite(normalization.min) && normalization.max > normalization.min)) {
      throw new Error(`feature "${name}": minmax needs finite min < max, got [${normalization.min}, ${normalization.max}]`);
    }
  }
}

export interface FitFeatureSchemaOptions {
  /** Per feature name, or one kind for all. @defaultValue "zscore" */
  normalization?: NormalizationKind | Readonly<Record<string, NormalizationKind>>;
  /** @defaultValue 5 */
  clip?: number;
}

/**
 * Learns the normalization statistics from raw feature rows (each `names.length` long). A constant
 * feature gets std 1 (zscore) or a unit range (minmax), so it normalizes to 0 instead of dividing by 0.
 */
export function fitFeatureSchema(names: readonly string[], rows: Iterable<ArrayLike<number>>, options: FitFeatureSchemaOptions = {}): FeatureSchema {
  const f = names.length;
  const count = new Float64Array(f);
  const sum = new Float64Array(f);
  const squares = new Float64Array(f);
  const min = new Float64Array(f).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(f).fill(Number.NEGATIVE_INFINITY);
  for (const row of rows) {
    if (row.length !== f) throw new Error(`a feature row has ${row.length} values, the schema names ${f}`);
    for (let i = 0; i < f; i++) {
      const x = row[i] as number;
      if (!Number.isFinite(x)) continue;
      count[i] = (count[i] as number) + 1;
      sum[i] = (sum[i] as number) + x;
      squares[i] = (squares[i] as number) + x * x;
      if (x < (min[i] as number)) min[i] = x;
      if (x > (max[i] as number)) max[i] = x;
    }
  }
  const kindOf = (name: string): NormalizationKind => {
    const option = options.normalization ?? "zscore";
    return typeof option === "string" ? option : (option[name] ?? "zscore");
  };
  const features: FeatureSpec[] = names.map((name, i) => {
    const kind = kindOf(name);
    const n = count[i] as number;
    if (kind === "none") return { name, normalization: { kind } };
    if (kind === "minmax") {
      const lo = n > 0 ? (min[i] as number) : 0;
      const hi = n > 0 ? (max[i] as number) : 1;
      return { name, normalization: { kind, min: lo, max: hi > lo ? hi : lo + 1 } };
    }
    const mean = n > 0 ? (sum[i] as number) / n : 0;
    const variance = n > 0 ? Math.max(0, (squares[i] as number) / n - mean * mean) : 0;
    const std = Math.sqrt(variance);
    return { name, normalization: { kind, mean, std: std > 1e-12 ? std : 1 } };
  });
  const schema: FeatureSchema = { features, clip: options.clip ?? 5 };
  checkFeatureSchema(schema);
  return schema;
}

/** Compiled form of a schema: per feature `(x − offset) · scale`, then clip. */
export class FeatureNormalizer {
  readonly size: number;
  private readonly offset: Float64Array;
  private readonly scale: Float64Array;
  private readonly clip: number;

  constructor(readonly schema: FeatureSchema) {
    checkFeatureSchema(schema);
    this.size = schema.features.length;
    this.offset = new Float64Array(this.size);
    this.scale = new Float64Array(this.size);
    this.clip = schema.clip;
    schema.features.forEach(({ normalization: n }, i) => {
      if (n.kind === "zscore") {
        this.offset[i] = n.mean;
        this.scale[i] = 1 / n.std;
      } else if (n.kind === "minmax") {
        this.offset[i] = n.min;
        this.scale[i] = 1 / (n.max - n.min);
      } else {
        this.scale[i] = 1;
      }
    });
  }

  /** Writes the normalized `raw` into `out` at `at`. @throws Error when `raw` has the wrong length. */
  normalizeInto(raw: ArrayLike<number>, out: Float32Array, at: number): void {
    if (raw.length !== this.size) throw new Error(`a candidate has ${raw.length} features, the model's schema has ${this.size}`);
    for (let i = 0; i < this.size; i++) {
      const x = raw[i] as number;
      if (!Number.isFinite(x)) {
        out[at + i] = 0;
        continue;
      }
      const z = (x - (this.offset[i] as number)) * (this.scale[i] as number);
      out[at + i] = z > this.clip ? this.clip : z < -this.clip ? -this.clip : z;
    }
  }
}
