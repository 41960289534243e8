export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Below this depth objects are replaced rather than merged, so a hostile document cannot exhaust the stack. */
const MAX_MERGE_DEPTH = 32;

/**
 * OpenSearch's partial-update merge: objects merge key by key, recursively; anything else
 * (arrays included) is replaced by the update's value.
 */
export function mergeDocuments(stored: Record<string, unknown>, update: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(update)) {
    const before = merged[key];
    merged[key] = isRecord(before) && isRecord(value) && depth < MAX_MERGE_DEPTH ? mergeDocuments(before, value, depth + 1) : value;
  }
  return merged;
}
