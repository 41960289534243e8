/**
 * Turns the Amazon user histories (../shared/datasets/amazon-user-histories/users-dev.jsonl) into an
 * events NDJSON file for `relevance events load`: every history item becomes a `purchase` event of its
 * user at its review time. The held-out item of each user is left out (it is what an evaluation asks
 * for). Optionally writes the catalog of every item (history and held-out) as JSONL for `relevance load`.
 *
 *   npx tsx scripts/amazon-histories-to-events.ts --in ../shared/datasets/amazon-user-histories/users-dev.jsonl \
 *     --out .local/amazon-events.ndjson [--catalog-out .local/amazon-catalog.jsonl]
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
  },
});

function write(stream: WriteStream, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(`${JSON.stringify(value)}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once("drain", resolve);
  });
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
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
  if (!values.in || !values.out) throw new Error("usage: amazon-histories-to-events.ts --in users-dev.jsonl --out events.ndjson [--catalog-out catalog.jsonl]");
  const events = createWriteStream(values.out);
  const catalog = values["catalog-out"] ? createWriteStream(values["catalog-out"]) : null;
  const seenItems = new Set<string>();
  const counts = { users: 0, events: 0, products: 0, skipped_lines: 0 };
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
    for (const item of user.history) {
      await write(events, {
        event_id: `amz-${item.parent_asin}-${item.timestamp_ms}`,
        user_id: user.user_id,
        type: "purchase",
        item_id: item.parent_asin,
        timestamp: item.timestamp_ms,
      });
      counts.events += 1;
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
  }
  await close(events);
  if (catalog) await close(catalog);
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`amazon-histories-to-events: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
