/**
 * Turns the Amazon user histories (../shared/datasets/amazon-user-histories/users-dev.jsonl) into an
 * events NDJSON file for `relevance events load`: every history item becomes a `purchase` event of its
 * user at its review time. The held-out item of each user is left out (it is what an evaluation asks
 * for). Optionally writes the catalog of every item (history and held-out) as JSONL for `relevance load`.
 *
 *   npx tsx scripts/amazon-histories-to-events.ts --in ../shared/datasets/amazon-user-histories/users-dev.jsonl \
 *     --out .local/amazon-events.ndjson [--catalog-out .local/amazon-catalog.jsonl] \
 *     [--last-out last.ndjson [--last-events-out last-events.ndjson]] [--clicks-out clicks.csv] [--judgments-out judgments.csv]
 *
 * For the evaluation protocol (scripts/protocol-amazon.sh) — the query of a user is the words of the
 * user's category (`Sports_and_Outdoors` → `sports and outdoors`), the history's and the held-out item's:
 * - --last-out: each user's last history item goes here instead of --out, as a `purchase` carrying that
 *   query (a search of its own for `relevance train reranker --events`: the re-ranker's training example);
 * - --last-events-out: the same purchases without the query, to load once the re-ranker is trained (the
 *   histories have no searches: a made-up query would add query→item signals evaluation alone would see);
 * - --clicks-out: `query,item_id` of every event written to --out (for `relevance train embeddings --clicks`);
 * - --judgments-out: `query,doc_id,grade,user_id` with each user's held-out item as grade 1, for users
 *   whose held-out item is in the catalog (it has a title); the held-out items are never events or clicks.
 *
 * Review texts are not copied anywhere. Last stdout line: JSON with the counts.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { readLines } from "../src/events";

const Item = z.object({
  parent_asin: z.string().min(1),
  timestamp_ms: z.number().int().nonnegative(),
  product: z
    .object({
      title: z.string().nullish(),
      brand: z.string().nullish(),
      price: z.number().nullish(),
      main_category: z.string().nullish(),
    })
    .nullish(),
});
type Item = z.infer<typeof Item>;

const UserLine = z.object({
  user_id: z.string().min(1),
  category: z.string().nullish(),
  history: z.array(Item),
  heldout: Item.nullish(),
});

const { values } = parseArgs({
  options: {
    in: { type: "string" },
    out: { type: "string" },
    "catalog-out": { type: "string" },
    "last-out": { type: "string" },
    "last-events-out": { type: "string" },
    "clicks-out": { type: "string" },
    "judgments-out": { type: "string" },
  },
});

function writeLine(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(`${text}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once("drain", resolve);
  });
}

const write = (stream: WriteStream, value: unknown): Promise<void> => writeLine(stream, JSON.stringify(value));

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const csvField = (value: string): string => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The words of a dataset category: `Arts_Crafts_and_Sewing` → `arts crafts and sewing`. */
function categoryQuery(category: string): string {
  return category.replace(/_+/g, " ").trim().toLowerCase();
}

function purchaseEvent(userId: string, item: Item, query?: string): Record<string, unknown> {
  return {
    event_id: `amz-${item.parent_asin}-${item.timestamp_ms}`,
    user_id: userId,
    type: "purchase",
    item_id: item.parent_asin,
    timestamp: item.timestamp_ms,
    ...(query ? { query, session_id: `amz-last-${item.timestamp_ms}` } : {}),
  };
}

function catalogEntry(item: Item, userCategory: string | null | undefined): Record<string, unknown> | null {
  const title = item.product?.title?.trim();
  if (!title) return null;
  const category = item.product?.main_category ?? userCategory ?? undefined;
  return {
    id: item.parent_asin,
    title,
    ...(item.product?.brand ? { brand: item.product.brand } : {}),
    ...(typeof item.product?.price === "number" ? { price: item.product.price } : {}),
    ...(category ? { category } : {}),
  };
}

async function main(): Promise<void> {
  if (!values.in || !values.out) {
    throw new Error("usage: amazon-histories-to-events.ts --in users-dev.jsonl --out events.ndjson [--catalog-out catalog.jsonl] [--last-out FILE [--last-events-out FILE]] [--clicks-out FILE] [--judgments-out FILE]");
  }
  const events = createWriteStream(values.out);
  const catalog = values["catalog-out"] ? createWriteStream(values["catalog-out"]) : null;
  const last = values["last-out"] ? createWriteStream(values["last-out"]) : null;
  const lastEvents = last && values["last-events-out"] ? createWriteStream(values["last-events-out"]) : null;
  const clicks = values["clicks-out"] ? createWriteStream(values["clicks-out"]) : null;
  const judgments = values["judgments-out"] ? createWriteStream(values["judgments-out"]) : null;
  if (clicks) await writeLine(clicks, "query,item_id");
  if (judgments) await writeLine(judgments, "query,doc_id,grade,user_id");
  const seenItems = new Set<string>();
  const counts = { users: 0, events: 0, last_events: 0, products: 0, judgments: 0, heldout_not_in_catalog: 0, skipped_lines: 0 };
  let line = 0;
  for await (const text of readLines(values.in)) {
    line += 1;
    if (text.trim() === "") continue;
    const parsed = UserLine.safeParse(JSON.parse(text));
    if (!parsed.success) {
      counts.skipped_lines += 1;
      process.stderr.write(`line ${line}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}\n`);
      continue;
    }
    const user = parsed.data;
    counts.users += 1;
    const query = categoryQuery(user.category ?? "");
    const history = [...user.history].sort((a, b) => a.timestamp_ms - b.timestamp_ms);
    const lastItem = last && query !== "" ? history.pop() : undefined;
    for (const item of history) {
      await write(events, purchaseEvent(user.user_id, item));
      counts.events += 1;
      if (clicks && query !== "") await writeLine(clicks, `${csvField(query)},${csvField(item.parent_asin)}`);
    }
    if (last && lastItem) {
      await write(last, purchaseEvent(user.user_id, lastItem, query));
      if (lastEvents) await write(lastEvents, purchaseEvent(user.user_id, lastItem));
      counts.last_events += 1;
    }
    if (catalog) {
      for (const item of user.heldout ? [...user.history, user.heldout] : user.history) {
        if (seenItems.has(item.parent_asin)) continue;
        const entry = catalogEntry(item, user.category);
        if (!entry) continue;
        seenItems.add(item.parent_asin);
        await write(catalog, entry);
        counts.products += 1;
      }
    }
    if (judgments && user.heldout && query !== "") {
      if (catalogEntry(user.heldout, user.category)) {
        await writeLine(judgments, [query, user.heldout.parent_asin, "1", user.user_id].map(csvField).join(","));
        counts.judgments += 1;
      } else {
        counts.heldout_not_in_catalog += 1;
      }
    }
  }
  for (const stream of [events, catalog, last, lastEvents, clicks, judgments]) if (stream) await close(stream);
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`amazon-histories-to-events: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
