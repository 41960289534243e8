import { OpenSearchRejectedError } from "../opensearch";

export interface BackoffOptions {
  /** Tries in all before the 429 is passed on. @defaultValue 8 */
  attempts?: number;
  /** First wait; each later one doubles, with jitter. @defaultValue 250 */
  baseMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True for OpenSearch's "too many requests" (a full write or search queue): worth waiting for. */
function isTooManyRequests(err: unknown): boolean {
  return err instanceof OpenSearchRejectedError && err.statusCode === 429;
}

/** Runs `call`, waiting and repeating while OpenSearch answers 429; any other failure passes at once. */
export async function withBackoff<T>(call: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const baseMs = options.baseMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isTooManyRequests(err) || attempt >= attempts) throw err;
      await sleep(baseMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}

export { sleep };
