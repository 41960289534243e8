import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { cleanProduct, readCatalog, type CatalogReadOptions, type Product } from "../indexing";
import { queryKey } from "./query-key";
import { type ClickPair, type TrainingPair } from "./train-embeddings";

/**
 * Reads judgments in the CSV format of CONTRACTS §4 (header `query,doc_id,grade[,user_id]`, any
 * column order) as training pairs. Kept small and local: training needs only the rows, not the
 * evaluation module's grouping and checks. @throws on a missing column or a bad grade, with the line.
 */
export async function readJudgmentPairs(path: string): Promise<TrainingPair[]> {
  const rows: string[][] = parse(await readFile(path), { bom: true, relax_column_count: true, skip_empty_lines: true });
  const [header, ...body] = rows;
  if (!header) return [];
  const columns = header.map((name) => name.trim().toLowerCase());
  const [queryAt, docAt, gradeAt] = ["query", "doc_id", "grade"].map((name) => columns.indexOf(name)) as [number, number, number];
  if (queryAt < 0 || docAt < 0 || gradeAt < 0) throw new Error(`${path}: header must have query,doc_id,grade columns, found ${columns.join(",")}`);
  const pairs: TrainingPair[] = [];
  body.forEach((row, i) => {
    const query = row[queryAt]?.trim() ?? "";
    const docId = row[docAt]?.trim() ?? "";
    const grade = Number(row[gradeAt]);
    if (query === "" || docId === "") return;
    if (!Number.isFinite(grade) || grade < 0) throw new Error(`${path}: row ${i + 2}: grade ${JSON.stringify(row[gradeAt])} is not a number ≥ 0`);
    pairs.push({ query, docId, grade });
  });
  return pairs;
}

/**
 * Reads clicks (or carts, purchases) after searches as training positives: CSV with a `query` column and
 * the product in `doc_id` or `item_id`; other columns (user, time, event type) are ignored.
 * @throws on a missing column, with the header found
 */
export async function readClickPairs(path: string): Promise<ClickPair[]> {
  const rows: string[][] = parse(await readFile(path), { bom: true, relax_column_count: true, skip_empty_lines: true });
  const [header, ...body] = rows;
  if (!header) return [];
  const columns = header.map((name) => name.trim().toLowerCase());
  const queryAt = columns.indexOf("query");
  const itemAt = columns.includes("item_id") ? columns.indexOf("item_id") : columns.indexOf("doc_id");
  if (queryAt < 0 || itemAt < 0) throw new Error(`${path}: header must have query and item_id (or doc_id) columns, found ${columns.join(",")}`);
  return body.flatMap((row) => {
    const query = row[queryAt]?.trim() ?? "";
    const itemId = row[itemAt]?.trim() ?? "";
    return query === "" || itemId === "" ? [] : [{ query, itemId }];
  });
}

/** The distinct queries of a judgments file, as training compares them (trimmed, lowercased, spaces collapsed). */
export async function readJudgmentQueries(path: string): Promise<Set<string>> {
  return new Set((await readJudgmentPairs(path)).map((pair) => queryKey(pair.query)));
}

/**
 * Catalog products by id, cleaned like indexing cleans them; unreadable or invalid records are counted, not fatal.
 * `limit` stops reading once that many products are usable.
 */
export async function readCatalogProducts(path: string, options: CatalogReadOptions & { limit?: number } = {}): Promise<{ products: Map<string, Product>; rejected: number }> {
  const products = new Map<string, Product>();
  let rejected = 0;
  for await (const entry of readCatalog(path, options)) {
    if (options.limit !== undefined && products.size >= options.limit) break;
    const result = entry.record ? cleanProduct(entry.record) : undefined;
    if (result?.ok) products.set(result.product.id, result.product);
    else rejected++;
  }
  return { products, rejected };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
