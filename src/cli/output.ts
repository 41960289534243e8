import { SingleBar, Presets } from "cli-progress";

/** The contract's last line of stdout: one line of JSON with the command's figures. */
export function printSummary(summary: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** Human-readable notes go to stderr so stdout stays machine-readable. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export interface Progress {
  increment(by?: number): void;
  setTotal(total: number): void;
  stop(): void;
}

/** A progress bar on a TTY, nothing otherwise (CI logs and pipes stay clean). */
export function progressBar(label: string, total: number): Progress {
  if (!process.stdout.isTTY) return { increment: () => undefined, setTotal: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  return {
    increment: (by = 1) => bar.increment(by),
    setTotal: (value) => bar.setTotal(value),
    stop: () => bar.stop(),
  };
}

/** A commander parser for a number option: `accepts` says which values are valid, `requirement` names them in the error (with the option's name). */
function numberOption(accepts: (n: number) => boolean, requirement: string): (name: string) => (value: string) => number {
  return (name) => (value) => {
    const n = Number(value);
    if (!accepts(n)) throw new Error(`${name} must be ${requirement}, got "${value}"`);
    return n;
  };
}

/** Parses a positive integer option, with the option's name in the error. */
export const positiveInt = numberOption((n) => Number.isInteger(n) && n > 0, "a positive integer");
/** Parses a finite number > 0, with the option's name in the error. */
export const positiveNumber = numberOption((n) => Number.isFinite(n) && n > 0, "a number > 0");
/** Parses a finite number ≥ 0, with the option's name in the error. */
export const nonNegativeNumber = numberOption((n) => Number.isFinite(n) && n >= 0, "a number ≥ 0");
/** Parses a share in [0, 1), with the option's name in the error. */
export const fractionBelowOne = numberOption((n) => n >= 0 && n < 1, "in [0, 1)");
/** Parses a probability in [0, 1], with the option's name in the error. */
export const probability = numberOption((n) => n >= 0 && n <= 1, "a number in [0, 1]");
/** Parses an integer ≥ 0, with the option's name in the error. */
export const nonNegativeInt = numberOption((n) => Number.isInteger(n) && n >= 0, "an integer ≥ 0");
