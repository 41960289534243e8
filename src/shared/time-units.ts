/** Milliseconds in a day: retention, decay half-lives and event windows are configured in days. */
export const MS_PER_DAY = 86_400_000;
