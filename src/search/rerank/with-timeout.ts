/** Thrown by {@link withTimeout} when the work did not settle in time (detected by type, not message). */
export class StageTimeoutError extends Error {
  override readonly name = "StageTimeoutError";
}

/** The work's result, or a {@link StageTimeoutError} after `ms` (the work itself is not cancelled; its late result is dropped). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StageTimeoutError(`${what} took longer than ${Math.round(ms)} ms`)), Math.max(0, ms));
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
