import { type Product, type RawRecord } from "./product";

/** Fields the sidecar computes; a source document may not set them. */
export const RESERVED_FIELDS = ["embedding", "model_version", "content_hash", "indexed_at", "category_path"] as const;
const CANONICAL_FIELDS = new Set(["id", "title", "description", "brand", "category", "price", "attributes", "synthetic", "_id"]);

export type CleanResult = { ok: true; product: Product } | { ok: false; id?: string; problems: string[] };

const MAX_TITLE = 1000;
const MAX_DESCRIPTION = 20_000;

function cleanText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value)
    .replace(/<[^>]{0,200}>/g, " ")
    .replace(/&(amp|nbsp|quot|#39|lt|gt);/g, (_, entity: string) => ({ amp: "&", nbsp: " ", quot: '"', "#39": "'", lt: "<", gt: ">" })[entity] ?? " ")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? undefined : text;
}

function cleanCategory(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parts = Array.isArray(value) ? value : typeof value === "string" ? value.split(/\s*(?:\/|>|\|)\s*/) : null;
  if (parts === null) {
    problems.push("category must be a string path or an array of strings");
    return undefined;
  }
  const segments = parts.map(cleanText).filter((part): part is string => part !== undefined);
  return segments.length > 0 ? segments : undefined;
}

function cleanPrice(value: unknown, problems: string[]): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
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
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [rawKey, rawValue] of Object.entries(value as Record<string, unknown>)) {
    const key = cleanText(rawKey);
    const text = Array.isArray(rawValue) ? cleanText(rawValue.map(String).join(", ")) : cleanText(rawValue);
    if (!key || !text || seen.has(key.toLowerCase())) continue;
    seen.add(key.toLowerCase());
    out[key] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
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
  else if (id.length > 512) problems.push("id must be at most 512 characters");
  const title = cleanText(record.title);
  if (!title) problems.push("title is required (a non-empty string)");

  const description = cleanText(record.description);
  const brand = cleanText(record.brand);
  const category = cleanCategory(record.category, problems);
  const price = cleanPrice(record.price, problems);
  const attributes = cleanAttributes(record.attributes, problems);
  if (record.synthetic !== undefined && typeof record.synthetic !== "boolean") problems.push("synthetic must be a boolean");

  if (problems.length > 0 || !title) return { ok: false, ...(id ? { id } : {}), problems };

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!CANONICAL_FIELDS.has(key) && !(RESERVED_FIELDS as readonly string[]).includes(key)) extra[key] = value;
  }
  const product: Product = { id, title: title.slice(0, MAX_TITLE) };
  if (description) product.description = description.slice(0, MAX_DESCRIPTION);
  if (brand) product.brand = brand;
  if (category) product.category = category;
  if (price !== undefined) product.price = price;
  if (attributes) product.attributes = attributes;
  if (record.synthetic === true) product.synthetic = true;
  if (Object.keys(extra).length > 0) product.extra = extra;
  return { ok: true, product };
}
