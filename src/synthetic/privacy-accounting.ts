/**
 * How `--epsilon` is split across the count tables the simulator fits (sequential composition: the
 * shares add up to 1, so the whole fit is ε-DP, (ε, δ) with the query-text release). Sensitivities,
 * with each user's events clipped to their first C (`maxEventsPerUser`):
 * - queryItems: (query, item) click pairs, one per user and pair: L1 ≤ C; keys private → thresholded (δ);
 * - itemClicks: clicks per catalog item: L1 ≤ C; public domain (the catalog);
 * - clickRanks: replayed click ranks 1…depth + "miss": L1 ≤ C;
 * - outcomes: searches, clicks, carts, purchases, repeat clicks (a repeat click counts twice): L1 ≤ 2C;
 * - sessionsPerUser: one bin per user: L1 ≤ 1;
 * - searchesPerSession: one bin per session, ≤ C sessions per user: L1 ≤ C.
 */
export const PRIVACY_SHARES = Object.freeze({
  queryItems: 0.5,
  itemClicks: 0.2,
  clickRanks: 0.1,
  outcomes: 0.1,
  sessionsPerUser: 0.05,
  searchesPerSession: 0.05,
});
