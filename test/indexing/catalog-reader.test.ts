import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFieldMap, readCatalog, type CatalogEntry } from "../../src/indexing";

async function readAll(path: string, map?: Record<string, string>): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for await (const entry of readCatalog(path, map ? { map } : {})) entries.push(entry);
  return entries;
}

describe("catalog reader", () => {
  const folder = mkdtempSync(join(tmpdir(), "relevance-catalog-"));

  it("parses --map pairs and rejects malformed ones", () => {
    assert.deepEqual(parseFieldMap("id=product_uid, title=product_title"), { id: "product_uid", title: "product_title" });
    assert.deepEqual(parseFieldMap(undefined), {});
    assert.throws(() => parseFieldMap("id"), /id/);
    assert.throws(() => parseFieldMap("id=a=b"), /id=a=b/);
  });

  it("reads CSV with doubled quotes, renames mapped columns and keeps the others", async () => {
    const path = join(folder, "doubled.csv");
    writeFileSync(path, 'uid,name,colour\n1,"Fan 3.5"" wide",red\n2,"Plain, with comma",\n');
    const entries = await readAll(path, { id: "uid", title: "name" });
    assert.deepEqual(
      entries.map((e) => e.record),
      [
        { id: "1", title: 'Fan 3.5" wide', colour: "red" },
        { id: "2", title: "Plain, with comma", colour: "" },
      ],
    );
    assert.deepEqual(entries.map((e) => e.line), [2, 3]);
  });

  it("reads CSV whose quotes are escaped with a backslash, with padded empty fields", async () => {
    const path = join(folder, "backslash.csv");
    writeFileSync(path, '"upc","name","maker"\n"1","Antec - 3.125\\" Case Fan","Antec"\n"2","Live - CD", , \n');
    const entries = await readAll(path);
    assert.deepEqual(entries.map((e) => e.record?.name), ['Antec - 3.125" Case Fan', "Live - CD"]);
    assert.equal(entries[1]?.record?.maker, "");
  });

  it("reports a broken CSV record with its line and keeps reading", async () => {
    const path = join(folder, "broken.csv");
    writeFileSync(path, 'id,title\n1,"ok"\n2,"bad"x\n3,"fine"\n4,"ok"\n');
    const entries = await readAll(path);
    // A stray quote also spoils the next record (the parser resynchronizes at the following one);
    // both are reported, and every data line is accounted for.
    assert.deepEqual(entries.filter((e) => e.record).map((e) => e.record?.id), ["1", "4"]);
    assert.deepEqual(entries.filter((e) => e.error).map((e) => e.line), [3, 4]);
    assert.match(entries.find((e) => e.error)?.error?.message ?? "", /^line 3: Invalid Closing Quote/);
  });

  it("reads JSONL, reporting lines that are not JSON objects", async () => {
    const path = join(folder, "catalog.jsonl");
    writeFileSync(path, '{"id":"a","title":"A"}\n\n[1,2]\n{oops\n{"id":"b","title":"B"}\n');
    const entries = await readAll(path);
    assert.deepEqual(entries.map((e) => [e.line, e.record?.id ?? e.error?.message]), [
      [1, "a"],
      [3, "line 3: expected a JSON object"],
      [4, entries[2]?.error?.message],
      [5, "b"],
    ]);
    assert.match(entries[2]?.error?.message ?? "", /^line 4: invalid JSON/);
  });
});
