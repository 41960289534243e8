import { ForbiddenError, ValidationError } from "../../errors";
import { type BodyFormat, type IndexMatcher } from "./access-policy";

/**
 * Keys through which a read/search body can reach another index than the path's: `_msearch` header
 * lines (`index`, `indices`), `_mget` and more-like-this docs (`_index`), terms lookups, indexed
 * shapes and percolate queries (`index`), `_termvectors` (`_index`).
 */
const INDEX_KEYS = new Set(["index", "indices", "_index"]);

/**
 * Refuses a body that names any index the matcher does not accept, wherever in the document the key
 * sits (a field that happens to be called `index` and is queried with a string is refused too: the
 * price of not tracking every query type's grammar). Malformed bodies are a 400. The work is one
 * JSON parse and one walk per line; the proxy bounds the body size, and the walk uses no recursion.
 */
export function checkIndexReferences(body: Buffer, format: BodyFormat, isAllowed: IndexMatcher, scope: string): void {
  if (format === "json") {
    const text = body.toString("utf8");
    if (text.trim() === "") return;
    checkDocument(parse(text, "the request body"), isAllowed, scope);
    return;
  }
  let start = 0;
  let line = 1;
  while (start < body.length) {
    const newline = body.indexOf(0x0a, start);
    const end = newline < 0 ? body.length : newline;
    const text = body.toString("utf8", start, end);
    if (text.trim() !== "") checkDocument(parse(text, `line ${line} of the request body`), isAllowed, scope);
    start = end + 1;
    line += 1;
  }
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError(`${where} is not valid JSON`);
  }
}

function checkDocument(document: unknown, isAllowed: IndexMatcher, scope: string): void {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ValidationError("each request body document must be a JSON object");
  }
  const pending: unknown[] = [document];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== "object") continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (INDEX_KEYS.has(key)) checkNamed(inner, isAllowed, scope);
      pending.push(inner);
    }
  }
}

function checkNamed(value: unknown, isAllowed: IndexMatcher, scope: string): void {
  for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
    // OpenSearch reads a number or boolean where it expects a name as that name's text.
    const name = typeof item === "string" || typeof item === "number" || typeof item === "boolean" ? String(item) : undefined;
    if (name !== undefined && !isAllowed(name)) {
      throw new ForbiddenError(`the request body names index "${name.slice(0, 100)}", which the "${scope}" scope cannot reach; that needs the "admin" scope`);
    }
  }
}
