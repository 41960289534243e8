import { strict as assert } from "node:assert";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, parseJudgments, writeReport, type EvalRunConfig, type PipelineRun } from "../../src/eval";
import { dumpDom } from "./helpers/chromium";

const set = parseJudgments(
  ["query,doc_id,grade", "a <b>,d1,2", "a <b>,d2,1", "c,d3,1", "c,d4,0", "e,d5,3", "e,d6,0", "none,d7,0"].join("\n"),
  "csv",
  "render.csv",
);
const ok = (...ranking: string[]): PipelineRun => ({ status: "ok", ranking });
const runs: Record<string, PipelineRun[]> = {
  rerank: [ok("d2", "d1"), ok("d3"), ok("d6", "d5"), ok()],
  hybrid: [ok("d1", "d2"), ok("x", "d3"), ok("d5"), { status: "failed", error: "HTTP 503" }],
};
const config = (compare?: string): EvalRunConfig => ({
  judgments: "render.csv",
  format: "csv",
  pipeline: "rerank",
  ...(compare === undefined ? {} : { compare }),
  k: 10,
  relevantGrade: 1,
  minJudgments: 1,
  sidecarUrl: "http://127.0.0.1:8080",
  seed: 42,
  concurrency: 8,
  size: 100,
  createdAt: "2025-01-01T00:00:00.000Z",
});

/** The markup of one chart container, up to the end of the SVG echarts drew in it. */
function chartSvg(dom: string, id: string): string {
  const start = dom.indexOf(`id="${id}"`);
  assert.ok(start >= 0, `no #${id} in the page`);
  const end = dom.indexOf("</svg>", start);
  assert.ok(end > start, `echarts drew no <svg> in #${id}`);
  return dom.slice(start, end);
}

function assertRendered(dom: string): void {
  // Only the page's own <body> tag: the inline scripts also mention these attribute names.
  const body = /<body[^>]*>/.exec(dom)?.[0] ?? "";
  const jsError = /data-js-error="([^"]*)"/.exec(body)?.[1];
  assert.equal(jsError, undefined, `the page flagged a JavaScript error: ${jsError ?? ""}`);
  assert.match(body, /data-rendered="ok"/, "the page did not report data-rendered=ok");
  for (const id of ["chart-means", "chart-histogram"]) {
    const svg = chartSvg(dom, id);
    assert.ok((svg.match(/<path/g) ?? []).length >= 3, `#${id} has no drawn bars`);
  }
  assert.match(chartSvg(dom, "chart-means"), />ndcg@10<[^]*>recall@100</, "metric axis labels");
}

describe("eval report.html in headless Chromium", function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "eval-report-"));
  });

  it("renders a comparison: metric bars, delta histogram and the worst-regressions table", async () => {
    const written = await writeReport(join(dir, "compare"), evaluate(set.groups, runs, { k: 10, pipeline: "rerank", compare: "hybrid" }), config("hybrid"));
    const dom = await dumpDom(written.report);
    assertRendered(dom);
    assert.match(chartSvg(dom, "chart-means"), />rerank<[^]*>hybrid</, "legend names both pipelines");
    assert.match(dom, /<table id="worst">[^]*<td>a &lt;b&gt;<\/td>/, "regressed query listed, HTML-escaped");
    assert.match(dom, /<table id="differences">/);
  });

  it("renders a single-pipeline report", async () => {
    const written = await writeReport(join(dir, "single"), evaluate(set.groups, runs, { k: 10, pipeline: "rerank" }), config());
    assertRendered(await dumpDom(written.report));
  });

  it("catches a broken page (the check can fail)", async () => {
    const broken = join(dir, "broken.html");
    await writeFile(
      broken,
      '<!doctype html><body data-rendered="pending"><div id="chart-means"></div>' +
        '<script>window.addEventListener("error", function (e) { document.body.setAttribute("data-js-error", e.message); });</script>' +
        "<script>echarts.init(document.getElementById('chart-means'));</script></body>",
    );
    const dom = await dumpDom(broken);
    assert.throws(() => assertRendered(dom), /JavaScript error: .*echarts is not defined/);
  });
});
