import { readFile, stat } from "node:fs/promises";

/** An eval summary line is a few hundred bytes; a larger file is not one. */
const MAX_EVAL_FILE_BYTES = 1024 * 1024;

/** The figures read from one `relevance eval` summary line. */
export interface EvalFigures {
  pipeline: string;
  queries: number;
  mrr: number;
  /** The line's `ndcg@k` (k as evaluated; 10 by default). */
  ndcg: number;
  ndcgKey: string;
}

export class EvalSummaryError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "EvalSummaryError";
  }
}

/** Reads the last non-empty line of `path` as a `relevance eval` summary (CONTRACTS §4). @throws EvalSummaryError saying what is missing. */
export async function readEvalFigures(path: string): Promise<EvalFigures> {
  const size = (await stat(path)).size;
  if (size > MAX_EVAL_FILE_BYTES) throw new EvalSummaryError(path, `${size} bytes: not an eval summary line (at most ${MAX_EVAL_FILE_BYTES})`);
  const last = (await readFile(path, "utf8"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .at(-1);
  if (!last) throw new EvalSummaryError(path, "empty: expected the last stdout line of `relevance eval`");
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    throw new EvalSummaryError(path, "the last line is not JSON");
  }
  if (typeof json !== "object" || json === null) throw new EvalSummaryError(path, "the last line is not a JSON object");
  const line = json as Record<string, unknown>;
  const ndcgKey = Object.keys(line).find((key) => /^ndcg@\d{1,4}$/.test(key));
  if (typeof line.mrr !== "number" || !ndcgKey || typeof line[ndcgKey] !== "number") throw new EvalSummaryError(path, 'expected numeric "mrr" and "ndcg@k" (the summary line of `relevance eval`)');
  return { pipeline: typeof line.pipeline === "string" ? line.pipeline : "", queries: typeof line.queries === "number" ? line.queries : 0, mrr: line.mrr, ndcg: line[ndcgKey], ndcgKey };
}

export interface TstrInputs {
  /** Trained on synthetic, tested on real. */
  tstr: EvalFigures;
  /** Trained on real, tested on real: the reference. */
  trtr: EvalFigures;
  /** Trained on real + synthetic. */
  mixed?: EvalFigures;
  /** Trained on synthetic data fitted with differential privacy. */
  private?: EvalFigures;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export interface TstrSummary {
  "tstr/trtr": { mrr: number | null; ndcg: number | null };
  "mixed/trtr"?: { mrr: number | null; ndcg: number | null; mrr_diff: number; ndcg_diff: number };
  "private_tstr/trtr"?: { mrr: number | null; ndcg: number | null };
  "private_tstr/tstr"?: { mrr: number | null; ndcg: number | null };
  figures: Record<string, { mrr: number; ndcg: number; queries: number }>;
  ndcgKey: string;
}

/** The ratios the report quotes: TSTR over TRTR (≥ 0.9 is the target), real+synthetic against real alone, private against non-private TSTR. */
export function tstrSummary(inputs: TstrInputs): TstrSummary {
  const { tstr, trtr, mixed } = inputs;
  const figures: TstrSummary["figures"] = {};
  for (const [name, f] of Object.entries(inputs) as [string, EvalFigures | undefined][]) if (f) figures[name] = { mrr: f.mrr, ndcg: f.ndcg, queries: f.queries };
  const summary: TstrSummary = { "tstr/trtr": { mrr: ratio(tstr.mrr, trtr.mrr), ndcg: ratio(tstr.ndcg, trtr.ndcg) }, figures, ndcgKey: trtr.ndcgKey };
  if (mixed) summary["mixed/trtr"] = { mrr: ratio(mixed.mrr, trtr.mrr), ndcg: ratio(mixed.ndcg, trtr.ndcg), mrr_diff: mixed.mrr - trtr.mrr, ndcg_diff: mixed.ndcg - trtr.ndcg };
  if (inputs.private) {
    summary["private_tstr/trtr"] = { mrr: ratio(inputs.private.mrr, trtr.mrr), ndcg: ratio(inputs.private.ndcg, trtr.ndcg) };
    summary["private_tstr/tstr"] = { mrr: ratio(inputs.private.mrr, tstr.mrr), ndcg: ratio(inputs.private.ndcg, tstr.ndcg) };
  }
  return summary;
}
