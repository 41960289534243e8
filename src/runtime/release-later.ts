/** How long a replaced model stays usable by requests that started with it. */
const RELEASE_AFTER_MS = 30_000;

/** Disposes a model that was just replaced, once in-flight work has had time to finish with it (the timer does not hold the process). */
export function releaseLater(replaced: { dispose?(): void }): void {
  if (replaced.dispose) setTimeout(() => replaced.dispose?.(), RELEASE_AFTER_MS).unref();
}
