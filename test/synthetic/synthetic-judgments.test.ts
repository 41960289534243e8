import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SidecarClient } from "../../src/client";
import { formatCsvJudgments, parseJudgments, withoutSyntheticJudgments } from "../../src/eval";
import { type Sidecar } from "../../src/http";
import { lastJsonLine } from "../eval/helpers/run-cli";
import { runRelevance } from "../utils/run-relevance";
import { TEST_API_KEYS } from "../utils/services";
import { startTestSidecar } from "../utils/sidecar-harness";

const CSV = [
  "query,doc_id,grade,user_id,synthetic",
  "claw hammer,h1,1,alice,",
  "claw hammer,h2,1,alice,true",
  "cordless drill,d1,1,syn-42-7,",
  "tape measure,t1,1,,false",
  "tape measure,t2,2,,1",
].join("\n");

describe("synthetic judgments are never scored as real unless asked", function () {
  this.timeout(120_000);

  it("flags rows by the synthetic column or a simulated syn-<seed>-<n> user, removes them, and keeps the flag through a CSV round trip", () => {
    const set = parseJudgments(CSV, "csv", "j.csv");
    const { groups, rows } = withoutSyntheticJudgments(set.groups);
    assert.equal(rows, 3);
    assert.deepEqual(
      groups.map((g) => [g.query, g.userId ?? null, [...g.grades.keys()]]),
      [
        ["claw hammer", "alice", ["h1"]],
        ["tape measure", null, ["t1"]],
      ],
    );
    const again = parseJudgments(formatCsvJudgments(set.groups), "csv", "again.csv");
    assert.equal(withoutSyntheticJudgments(again.groups).rows, 3);
    // A real user whose id merely starts like a simulated one is not synthetic.
    const lookalike = parseJudgments("query,doc_id,grade,user_id\nq,d,1,syn-team\n", "csv", "l.csv");
    assert.equal(withoutSyntheticJudgments(lookalike.groups).rows, 0);
  });

  describe("relevance eval", () => {
    let sidecar: Sidecar;
    let url: string;
    let dir: string;

    before(async () => {
      sidecar = await startTestSidecar();
      url = `http://127.0.0.1:${await sidecar.listen()}`;
      dir = await mkdtemp(join(tmpdir(), "synthetic-judgments-"));
      const client = new SidecarClient({ baseUrl: url, apiKey: TEST_API_KEYS.write });
      await client.enrich(
        [
          { id: "h1", title: "Claw hammer 16 oz." },
          { id: "h2", title: "Claw hammer 20 oz." },
          { id: "d1", title: "Cordless drill 20V" },
          { id: "t1", title: "Tape measure 25 ft." },
          { id: "t2", title: "Tape measure 16 ft." },
        ],
        { refresh: true },
      );
    });
    after(async () => {
      await sidecar.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("leaves synthetic rows out and says how many; --include-synthetic scores them", async () => {
      const path = join(dir, "judgments.csv");
      await writeFile(path, CSV);
      const env = { SIDECAR_URL: url };
      const real = await runRelevance(["eval", "--judgments", path, "--pipeline", "bm25"], env);
      assert.equal(real.code, 0, real.stderr);
      const summary = lastJsonLine(real.stdout);
      assert.equal(summary.queries, 2);
      assert.equal(summary.synthetic_excluded, 3);
      assert.match(real.stderr, /left out 3 synthetic judgment rows/);
      const all = await runRelevance(["eval", "--judgments", path, "--pipeline", "bm25", "--include-synthetic"], env);
      assert.equal(all.code, 0, all.stderr);
      const everything = lastJsonLine(all.stdout);
      assert.equal(everything.queries, 3);
      assert.equal(everything.synthetic_excluded, undefined);
    });
  });
});
