import { createHash } from "node:crypto";
import { type Product } from "./product";

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableStringify(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the cleaned product, independent of key order: equal hashes mean nothing to re-embed. */
export function contentHash(product: Product): string {
  return createHash("sha256").update(stableStringify(product)).digest("hex");
}
