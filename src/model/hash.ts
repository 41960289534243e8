/**
 * FNV-1a, 32-bit, over the UTF-16 code units of a string. Small, fast and stable across platforms and
 * releases — a saved model's buckets stay valid as long as this function does not change.
 */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
