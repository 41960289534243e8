/**
 * Leave-last-out split of an events file for training the re-ranker without leakage: each user's last
 * click (or cart/purchase) and the search it followed (latest search of the same user and session at
 * or before it) go to --heldout-out, the training examples of `relevance train reranker --events`;
 * every other event goes to --rest-out; --fraction F holds out only a seeded share F of the users (default
 * 1: all; with one click per user for most users, holding out all would leave the training sidecar's
 * aggregate signals almost empty while evaluation sees them all). The training sidecar loads --rest-out
 * (so popularity and query-click signals never count the clicks being learned). --clicks-out writes `query,item_id` of the rest's
 * positives (the click's own query, else its search's) for `relevance train embeddings --clicks`.
 *
 *   npx tsx scripts/split-last-click.ts --in ../shared/datasets/bestbuy-clicks/events.ndjson.gz \
 *     --heldout-out DIR/last-clicks.ndjson --rest-out DIR/rest.ndjson [--clicks-out DIR/rest-clicks.csv] [--fraction 0.25] [--seed 42]
 *
 * Last stdout line: JSON with the counts.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { readLines } from "../src/events";

const POSITIVE = new Set(["click", "add_to_cart", "purchase"]);

interface Line {
  index: number;
  raw: string;
  user: string;
  session: string;
  type: string;
  time: number;
  query?: string;
  item?: string;
}

const { values } = parseArgs({
  options: {
    in: { type: "string" },
    "heldout-out": { type: "string" },
    "rest-out": { type: "string" },
    "clicks-out": { type: "string" },
    fraction: { type: "string", default: "1" },
    seed: { type: "string", default: "42" },
  },
});

/** A seeded hash in [0, 1) per user: the same users are held out on every run with the same seed. */
function userDraw(user: string, seed: string): number {
  return createHash("sha256").update(`${seed}\u0000${user}`).digest().readUInt32BE(0) / 2 ** 32;
}

function write(stream: WriteStream, text: string): Promise<void> {
  return stream.write(text) ? Promise.resolve() : new Promise((resolve) => stream.once("drain", () => resolve()));
}

function close(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const csvField = (value: string): string => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

async function main(): Promise<void> {
  if (!values.in || !values["heldout-out"] || !values["rest-out"]) throw new Error("usage: split-last-click.ts --in events.ndjson[.gz] --heldout-out FILE --rest-out FILE [--clicks-out FILE]");
  const lines: Line[] = [];
  let unreadable = 0;
  for await (const raw of readLines(values.in)) {
    if (raw.trim() === "") continue;
    try {
      const e = JSON.parse(raw) as Record<string, unknown>;
      const time = typeof e.timestamp === "number" ? e.timestamp : Date.parse(String(e.timestamp));
      if (typeof e.user_id !== "string" || typeof e.type !== "string" || !Number.isFinite(time)) throw new Error("not an event");
      lines.push({
        index: lines.length,
        raw,
        user: e.user_id,
        session: typeof e.session_id === "string" ? e.session_id : "",
        type: e.type,
        time,
        ...(typeof e.query === "string" ? { query: e.query } : {}),
        ...(typeof e.item_id === "string" || typeof e.item_id === "number" ? { item: String(e.item_id) } : {}),
      });
    } catch {
      unreadable += 1;
    }
  }
  // Each user's last positive (the later line wins a tie), then the search it followed.
  const last = new Map<string, Line>();
  for (const line of lines) {
    if (!POSITIVE.has(line.type) || !line.item) continue;
    const seen = last.get(line.user);
    if (!seen || line.time >= seen.time) last.set(line.user, line);
  }
  const byUser = new Map<string, Line[]>();
  for (const line of lines) {
    const list = byUser.get(line.user);
    if (list) list.push(line);
    else byUser.set(line.user, [line]);
  }
  const heldout = new Set<number>();
  const searchOf = (positive: Line): Line | undefined => {
    let found: Line | undefined;
    for (const line of byUser.get(positive.user) ?? []) {
      if (line.session !== positive.session || line.type !== "search" || line.time > positive.time) continue;
      if (!found || line.time >= found.time) found = line;
    }
    return found;
  };
  const fraction = Number(values.fraction);
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--fraction must be in (0, 1], got ${values.fraction}`);
  let heldoutUsers = 0;
  for (const positive of last.values()) {
    if (userDraw(positive.user, values.seed) >= fraction) continue;
    heldoutUsers += 1;
    heldout.add(positive.index);
    const search = searchOf(positive);
    if (search) heldout.add(search.index);
  }

  const heldoutOut = createWriteStream(values["heldout-out"]);
  const restOut = createWriteStream(values["rest-out"]);
  const clicksOut = values["clicks-out"] ? createWriteStream(values["clicks-out"]) : null;
  if (clicksOut) await write(clicksOut, "query,item_id\n");
  const latestSearch = new Map<string, string>();
  let clickRows = 0;
  for (const line of lines) {
    if (heldout.has(line.index)) {
      await write(heldoutOut, line.raw + "\n");
      continue;
    }
    await write(restOut, line.raw + "\n");
    const key = `${line.user}\u0000${line.session}`;
    if (line.type === "search" && line.query) latestSearch.set(key, line.query);
    if (clicksOut && POSITIVE.has(line.type) && line.item) {
      const query = line.query ?? latestSearch.get(key);
      if (query) {
        await write(clicksOut, `${csvField(query)},${csvField(line.item)}\n`);
        clickRows += 1;
      }
    }
  }
  await close(heldoutOut);
  await close(restOut);
  if (clicksOut) await close(clicksOut);
  process.stdout.write(`${JSON.stringify({ events: lines.length, unreadable, users: last.size, heldout_users: heldoutUsers, heldout_events: heldout.size, rest_events: lines.length - heldout.size, click_rows: clickRows })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`split-last-click: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
