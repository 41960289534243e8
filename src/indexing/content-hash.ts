import { createHash } from "node:crypto";
import { type Product } from "./product";

type Step = { text: string } | { value: unknown; inArray: boolean };

/**
 * JSON with object keys sorted, so key order never changes a hash. Iterative (an explicit stack, not
 * recursion), so no nesting depth can overflow the call stack; the output is byte for byte what the
 * recursive version produced, so stored hashes stay valid.
 */
function stableStringify(root: unknown): string {
  const parts: string[] = [];
  const stack: Step[] = [{ value: root, inArray: false }];
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    if ("text" in step) {
      parts.push(step.text);
      continue;
    }
    const { value } = step;
    // Steps are pushed in reverse, so they are popped in output order.
    if (Array.isArray(value)) {
      stack.push({ text: "]" });
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i] as unknown, inArray: true });
        if (i > 0) stack.push({ text: "," });
      }
      stack.push({ text: "[" });
    } else if (value && typeof value === "object") {
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, inner]) => inner !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      stack.push({ text: "}" });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i] as [string, unknown];
        stack.push({ value: inner, inArray: false });
        stack.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` });
      }
      stack.push({ text: "{" });
    } else {
      // JSON.stringify gives undefined for undefined and functions (whatever its type says); the recursive
      // version's `join` made that "" in an array and its template string "undefined" in an object.
      parts.push(JSON.stringify(value) ?? (step.inArray ? "" : "undefined"));
    }
  }
  return parts.join("");
}

/** SHA-256 of the cleaned product, independent of key order: equal hashes mean nothing to re-embed. */
export function contentHash(product: Product): string {
  return createHash("sha256").update(stableStringify(product)).digest("hex");
}
