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

/** Parses a positive integer option, with the option's name in the error. */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** Parses a finite number > 0, with the option's name in the error. */
export function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number > 0, got "${value}"`);
    return n;
  };
}

/** Parses a number ≥ 0, with the option's name in the error. */
export function nonNegativeNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0, got "${value}"`);
    return n;
  };
}

/** Parses a share in [0, 1), with the option's name in the error. */
export function fractionBelowOne(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= 1) throw new Error(`${name} must be in [0, 1), got "${value}"`);
    return n;
  };
}

/** Parses an integer ≥ 0, with the option's name in the error. */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got "${value}"`);
    return n;
  };
}
