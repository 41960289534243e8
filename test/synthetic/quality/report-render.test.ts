import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { qualityReport, writeQualityReport } from "../../../src/synthetic/quality";
import { dumpDom } from "../../eval/helpers/chromium";

/** `sessions` sessions of one search and `clicks` clicks at `hour` UTC; the query carries markup to check escaping. */
function events(prefix: string, sessions: number, clicks: number, hour: number): string {
  const lines: string[] = [];
  for (let s = 0; s < sessions; s++) {
    const t = Date.UTC(2024, 0, 1 + (s % 9), hour + (s % 3));
    lines.push(JSON.stringify({ user_id: `${prefix}${s}`, session_id: "s", type: "search", query: `cable <b>${s % 4}</b>`, timestamp: t }));
    for (let c = 0; c < clicks + (s % 2); c++) lines.push(JSON.stringify({ user_id: `${prefix}${s}`, session_id: "s", type: "click", item_id: `i${(s * 7 + c) % 11}`, timestamp: t + 1000 * (c + 1) }));
  }
  return lines.join("\n");
}

describe("synthetic data quality report.html in headless Chromium", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "quality-render-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("draws both charts and every table of the report, with TSTR ratios", async () => {
    const real = join(dir, "real.ndjson");
    const synthetic = join(dir, "synthetic.ndjson");
    const tstr = join(dir, "tstr.json");
    const trtr = join(dir, "trtr.json");
    const mixed = join(dir, "mixed.json");
    await writeFile(real, events("r", 40, 1, 9));
    await writeFile(synthetic, events("s", 40, 2, 15));
    await writeFile(tstr, JSON.stringify({ pipeline: "personal", queries: 9, "ndcg@10": 0.4, mrr: 0.35 }));
    await writeFile(trtr, JSON.stringify({ pipeline: "personal", queries: 9, "ndcg@10": 0.5, mrr: 0.5 }));
    await writeFile(mixed, JSON.stringify({ pipeline: "personal", queries: 9, "ndcg@10": 0.52, mrr: 0.51 }));
    const report = await qualityReport({ real, synthetic, tstr, trtr, mixed, resamples: 100 });
    const written = await writeQualityReport(join(dir, "out"), report, { real, synthetic });
    const dom = await dumpDom(written.html);
    const body = /<body[^>]*>/.exec(dom)?.[0] ?? "";
    assert.equal(/data-js-error="([^"]*)"/.exec(body)?.[1], undefined, "the page flagged a JavaScript error");
    assert.match(body, /data-rendered="ok"/);
    for (const id of ["chart-means", "chart-histogram"]) {
      const start = dom.indexOf(`id="${id}"`);
      const svg = dom.slice(start, dom.indexOf("</svg>", start));
      assert.ok((svg.match(/<path/g) ?? []).length >= 3, `#${id} has no drawn bars`);
    }
    assert.match(dom, /Relevance report: synthetic data quality/);
    for (const id of ["event-distances", "categorical", "two-sample", "tstr", "tstr-ratios"]) assert.match(dom, new RegExp(`<table id="${id}">`), `table ${id}`);
    assert.match(dom, /<td>TSTR \/ TRTR<\/td><td>0\.7000<\/td><td>0\.8000<\/td>/);
    assert.match(dom, /<td>real\+synthetic \/ real<\/td><td>1\.0200<\/td><td>1\.0400<\/td>/);
  });
});
