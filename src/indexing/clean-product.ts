import { type Product, type RawRecord } from "./product";

/** Fields the sidecar computes; a source document may not set them. */
export const RESERVED_FIELDS = ["embedding", "model_version", "content_hash", "indexed_at", "category_path"] as const;
const CANONICAL_FIELDS = new Set(["id", "title", "description", "brand", "category", "price", "attributes", "synthetic", "_id"]);

export type CleanResult = { ok: true; product: Product } | { ok: false; id?: string; problems: string[] };

/** Cleaned titles and descriptions longer than these are cut (after cleaning, as before the raw caps existed). */
const MAX_TITLE = 1000;
const MAX_DESCRIPTION = 20_000;

/**
 * Caps on a record's raw fields, checked before any cleaning so no regex ever sees more than this. They sit
 * far above any real catalog (the largest field of the Home Depot, Best Buy and RetroTech samples is a
 * 2,649-character description); a record over any of them is rejected with a problem naming the field
 * and the cap, never truncated.
 */
export const FIELD_LIMITS = Object.freeze({
  /** Characters of `id` (after trimming). */
  id: 512,
  /** Characters of the raw `title`; the cleaned title is then cut to 1,000. */
  title: 10_000,
  /** Characters of the raw `description`; the cleaned description is then cut to 20,000. */
  description: 100_000,
  brand: 1_000,
  /** Characters of each raw category segment. */
  categorySegment: 1_000,
  /** Segments of a category path (`A/B/C` has 3). */
  categorySegments: 32,
  /** Characters of a price given as a string. */
  price: 64,
  /** Keys of `attributes`. */
  attributes: 1_000,
  attributeKey: 1_000,
  /** Characters of one attribute value (an array value counts as its `, `-joined text). */
  attributeValue: 10_000,
  /** Characters of all unknown fields together, serialized as JSON. */
  extraChars: 200_000,
  /** Nesting depth of the record: the record itself is depth 1, `{"a":{}}` is 2. */
  depth: 32,
});

const CATEGORY_SEPARATOR = /[/>|]/;

function tooLong(field: string, length: number, limit: number): string {
  return `${field} must be at most ${limit} characters, got ${length}`;
}

/** `<` up to the next `>` when at most 200 characters lie between them, as `/<[^>]{0,200}>/g` did, in one pass. */
function stripTags(text: string): string {
  let out = "";
  let copied = 0;
  let nextClose = -1;
  for (let open = text.indexOf("<"); open >= 0; open = text.indexOf("<", open + 1)) {
    if (nextClose <= open) nextClose = text.indexOf(">", open + 1);
    if (nextClose < 0) break;
    if (nextClose - open - 1 > 200) continue;
    out += `${text.slice(copied, open)} `;
    copied = nextClose + 1;
    open = nextClose;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", nbsp: " ", quot: '"', "#39": "'", lt: "<", gt: ">" };

/** Collapses whitespace runs to one space like `\s+` → " ", without rewriting every single space. */
const WHITESPACE_TO_COLLAPSE = /\s{2,}|[^\S ]/g;

/** Callers bound the length first (FIELD_LIMITS); every step is linear anyway. */
function cleanText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = stripTags(String(value))
    .replace(/&(amp|nbsp|quot|#39|lt|gt);/g, (_, entity: string) => ENTITIES[entity] ?? " ")
    .replace(WHITESPACE_TO_COLLAPSE, " ")
    .trim();
  return text === "" ? undefined : text;
}

/** A string or number field over its cap gets a problem; other types are left to the field's own checks. */
function checkLength(field: string, value: unknown, limit: number, problems: string[]): boolean {
  if (typeof value === "string" && value.length > limit) {
    problems.push(tooLong(field, value.length, limit));
    return false;
  }
  return true;
}

function cleanCategory(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  // Split on the separators, then trim: `\s*(?:\/|>|\|)\s*` was quadratic on runs of spaces.
  const parts = Array.isArray(value) ? value : typeof value === "string" ? value.split(CATEGORY_SEPARATOR, FIELD_LIMITS.categorySegments + 1) : null;
  if (parts === null) {
    problems.push("category must be a string path or an array of strings");
    return undefined;
  }
  if (parts.length > FIELD_LIMITS.categorySegments) {
    problems.push(`category must have at most ${FIELD_LIMITS.categorySegments} segments`);
    return undefined;
  }
  const segmentsOk = parts.every((part, i) => checkLength(`category segment ${i + 1}`, part, FIELD_LIMITS.categorySegment, problems));
  if (!segmentsOk) return undefined;
  const segments = parts.map(cleanText).filter((part): part is string => part !== undefined);
  return segments.length > 0 ? segments : undefined;
}

function cleanPrice(value: unknown, problems: string[]): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (!checkLength("price", value, FIELD_LIMITS.price, problems)) return undefined;
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value.replace(/[$€£,\s]/g, "")) : Number.NaN;
  if (!Number.isFinite(number) || number < 0) {
    problems.push(`price must be a non-negative number, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return Math.round(number * 100) / 100;
}

/** Trims keys and values, drops empty ones, and keeps the first of keys that differ only in case. */
function cleanAttributes(value: unknown, problems: string[]): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push("attributes must be an object of string → string");
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > FIELD_LIMITS.attributes) {
    problems.push(`attributes must have at most ${FIELD_LIMITS.attributes} keys, got ${entries.length}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [rawKey, rawValue] of entries) {
    const rawText = Array.isArray(rawValue) ? rawValue.map(String).join(", ") : rawValue;
    if (!checkLength(`attribute key "${rawKey.slice(0, 40)}…"`, rawKey, FIELD_LIMITS.attributeKey, problems)) return undefined;
    if (!checkLength(`attribute "${rawKey.slice(0, 40)}"`, rawText, FIELD_LIMITS.attributeValue, problems)) return undefined;
    const key = cleanText(rawKey);
    const text = cleanText(rawText);
    if (!key || !text || seen.has(key.toLowerCase())) continue;
    seen.add(key.toLowerCase());
    out[key] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** True when `value` nests deeper than `limit` (a scalar is depth 0, `{}` is 1); iterative, stops at the first too-deep value. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== "object") continue;
    const depth = item.depth + 1;
    if (depth > limit) return true;
    for (const inner of Object.values(item.value)) if (inner !== null && typeof inner === "object") stack.push({ value: inner, depth });
  }
  return false;
}

/**
 * Validates and normalizes one catalog record. A record without an id or a title is rejected with
 * the reasons; everything else is repaired where it safely can be and reported where it cannot.
 */
export function cleanProduct(record: RawRecord): CleanResult {
  const problems: string[] = [];
  const rawId = record.id ?? record._id;
  const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId).trim() : "";
  if (id === "") problems.push("id is required (a non-empty string)");
  else if (id.length > FIELD_LIMITS.id) problems.push(`id must be at most ${FIELD_LIMITS.id} characters`);
  // Before anything else walks the record: deeper values would overflow recursive code (String(), JSON, hashing).
  if (nestsDeeperThan(record, FIELD_LIMITS.depth)) {
    problems.push(`document must not nest deeper than ${FIELD_LIMITS.depth} levels`);
    return { ok: false, ...(id && id.length <= FIELD_LIMITS.id ? { id } : {}), problems };
  }
  const titleOk = checkLength("title", record.title, FIELD_LIMITS.title, problems);
  const title = titleOk ? cleanText(record.title) : undefined;
  if (titleOk && !title) problems.push("title is required (a non-empty string)");

  const description = checkLength("description", record.description, FIELD_LIMITS.description, problems) ? cleanText(record.description) : undefined;
  const brand = checkLength("brand", record.brand, FIELD_LIMITS.brand, problems) ? cleanText(record.brand) : undefined;
  const category = cleanCategory(record.category, problems);
  const price = cleanPrice(record.price, problems);
  const attributes = cleanAttributes(record.attributes, problems);
  if (record.synthetic !== undefined && typeof record.synthetic !== "boolean") problems.push("synthetic must be a boolean");

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!CANONICAL_FIELDS.has(key) && !(RESERVED_FIELDS as readonly string[]).includes(key)) extra[key] = value;
  }
  const hasExtra = Object.keys(extra).length > 0;
  if (hasExtra) {
    const extraChars = JSON.stringify(extra).length;
    if (extraChars > FIELD_LIMITS.extraChars) problems.push(`unknown fields must be at most ${FIELD_LIMITS.extraChars} characters of JSON together, got ${extraChars}`);
  }

  if (problems.length > 0 || !title) return { ok: false, ...(id && id.length <= FIELD_LIMITS.id ? { id } : {}), problems };

  const product: Product = { id, title: title.slice(0, MAX_TITLE) };
  if (description) product.description = description.slice(0, MAX_DESCRIPTION);
  if (brand) product.brand = brand;
  if (category) product.category = category;
  if (price !== undefined) product.price = price;
  if (attributes) product.attributes = attributes;
  if (record.synthetic === true) product.synthetic = true;
  if (hasExtra) product.extra = extra;
  return { ok: true, product };
}
