import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/config";
import { ERROR_CODES } from "../../src/errors";

/** The README's error table is a contract: it must list exactly the codes the code can send. */
describe("error codes", () => {
  it("README's table and ERROR_CODES agree on every code, status and meaning", () => {
    const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");
    const section = readme.split("### Error codes")[1]?.split("\n## ")[0] ?? "";
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
    const expected = Object.entries(ERROR_CODES).map(([code, { status, meaning }]) => [code, status, meaning]);
    assert.deepEqual(rows, expected);
  });
});
