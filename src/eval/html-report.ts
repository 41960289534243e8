import { readFileSync } from "node:fs";
import { type Evaluation } from "./evaluation";
import { METRIC_KEYS, metricLabel } from "./metrics";
import { type EvalRunConfig } from "./results-file";

/** What the page script draws; computed by the caller so the page only plots. Shared by every report of the lab (eval, synthetic data quality). */
export interface ReportPage {
  title: string;
  subtitle: string;
  notes: string[];
  /** The bar chart: one group per label, one bar per series. */
  metrics: string[];
  series: { name: string; values: (number | null)[] }[];
  /** @defaultValue "Mean metrics" */
  barsTitle?: string;
  /** Upper end of the bars' axis; null lets it fit the data. @defaultValue 1 */
  barsMax?: number | null;
  /** `unit` names the counted things. @defaultValue unit "queries" */
  histogram: { title: string; labels: string[]; counts: number[]; unit?: string };
  tables: { id: string; title: string; columns: string[]; rows: (string | number)[][] }[];
}

const fixed = (value: number): string => value.toFixed(4);

/** Counts values into bins of width 0.1 centred on multiples of 0.1 between `from` and `to`. */
function histogram(values: readonly number[], from: number, to: number): { labels: string[]; counts: number[] } {
  const steps = Math.round((to - from) * 10);
  const labels = Array.from({ length: steps + 1 }, (_, i) => (from + i / 10).toFixed(1));
  const counts = new Array<number>(steps + 1).fill(0);
  for (const value of values) {
    const bin = Math.min(steps, Math.max(0, Math.round((value - from) * 10)));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { labels, counts };
}

function reportData(evaluation: Evaluation, config: EvalRunConfig): ReportPage {
  const { k } = evaluation;
  const ndcg = metricLabel("ndcg", k);
  const scored = evaluation.queries.filter((q) => q.scored);
  const comparison = evaluation.comparison;
  const failed = evaluation.pipelines.map((p) => `${p.pipeline}: ${p.failed}`).join(", ");
  const data: ReportPage = {
    title: comparison ? `${comparison.pipeline} vs ${comparison.baseline}` : config.pipeline,
    subtitle:
      `${scored.length} scored queries from ${config.judgments} (${config.format}); k=${k}, relevant grade ≥ ${evaluation.relevantGrade}, ` +
      `min judgments ${config.minJudgments}; sidecar ${config.sidecarUrl}; ${config.createdAt}`,
    notes: [
      `Means are over queries with at least one grade > 0 that every pipeline answered. Left out: ${evaluation.noRelevant} with no relevant doc; failed — ${failed}.`,
      "Queries with no grade ≥ the relevant grade score 0 on recall, mrr and map (trec_eval's convention).",
      ...evaluation.pipelines
        .filter((p) => p.degraded > 0)
        .map((p) => `Warning: ${p.degraded} queries of ${p.pipeline} were answered by a fallback pipeline (see rerank.degraded in results.json).`),
    ],
    metrics: METRIC_KEYS.map((key) => metricLabel(key, k)),
    series: evaluation.pipelines.map((p) => ({ name: p.pipeline, values: METRIC_KEYS.map((key) => (p.means ? p.means[key] : null)) })),
    histogram: { title: "", labels: [], counts: [] },
    tables: [],
  };
  if (!comparison) {
    const values = scored.flatMap((q) => {
      const r = q.pipelines[config.pipeline];
      return r?.status === "ok" ? [{ query: q.query, user: q.userId ?? "", ndcg: r.metrics.ndcg }] : [];
    });
    data.histogram = { title: `Per-query ${ndcg}`, ...histogram(values.map((v) => v.ndcg), 0, 1) };
    const lowest = [...values].sort((a, b) => a.ndcg - b.ndcg).slice(0, 20);
    data.tables.push({ id: "worst", title: `Lowest ${ndcg}`, columns: ["query", "user_id", ndcg], rows: lowest.map((v) => [v.query, v.user, fixed(v.ndcg)]) });
    return data;
  }
  const deltas = scored.flatMap((q) => {
    const a = q.pipelines[comparison.pipeline];
    const b = q.pipelines[comparison.baseline];
    return a?.status === "ok" && b?.status === "ok" ? [a.metrics.ndcg - b.metrics.ndcg] : [];
  });
  data.histogram = { title: `Per-query Δ ${ndcg} (${comparison.pipeline} − ${comparison.baseline})`, ...histogram(deltas, -1, 1) };
  data.tables.push({
    id: "differences",
    title: `Paired differences (${comparison.pipeline} − ${comparison.baseline}), 95% bootstrap intervals`,
    columns: ["metric", "mean Δ", "95% CI", "wins", "ties", "losses"],
    rows: METRIC_KEYS.map((key) => {
      const d = comparison.differences[key];
      const ci = d.ci95 ? `[${fixed(d.ci95[0])}, ${fixed(d.ci95[1])}]` : "–";
      return [metricLabel(key, k), fixed(d.mean), ci, d.wins, d.ties, d.losses];
    }),
  });
  data.tables.push({
    id: "worst",
    title: `Worst regressions on ${ndcg}`,
    columns: ["query", "user_id", comparison.pipeline, comparison.baseline, "Δ"],
    rows: comparison.worst.map((r) => [r.query, r.userId ?? "", fixed(r.candidate), fixed(r.baseline), fixed(r.delta)]),
  });
  return data;
}

/** Runs in the page: draws the charts with echarts, fills the tables, flags `data-rendered="ok"` when done. */
const PAGE_SCRIPT = `
(function () {
  var body = document.body;
  try {
    var data = JSON.parse(document.getElementById("report-data").textContent);
    document.getElementById("title").textContent = "Relevance report: " + data.title;
    document.title = "Relevance report: " + data.title;
    document.getElementById("subtitle").textContent = data.subtitle;
    var notes = document.getElementById("notes");
    data.notes.forEach(function (n) { var li = document.createElement("li"); li.textContent = n; notes.appendChild(li); });
    var tables = document.getElementById("tables");
    data.tables.forEach(function (t) {
      var h = document.createElement("h2"); h.textContent = t.title; tables.appendChild(h);
      var table = document.createElement("table"); table.id = t.id;
      var head = table.createTHead().insertRow();
      t.columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
      var tbody = table.createTBody();
      if (t.rows.length === 0) { var cell = tbody.insertRow().insertCell(); cell.colSpan = t.columns.length; cell.textContent = "none"; }
      t.rows.forEach(function (r) { var row = tbody.insertRow(); r.forEach(function (v) { row.insertCell().textContent = String(v); }); });
      tables.appendChild(table);
    });
    var options = [
      { id: "chart-means", option: {
        title: { text: data.barsTitle || "Mean metrics" }, tooltip: {}, legend: { top: 28 }, animation: false,
        grid: { top: 70 }, xAxis: { type: "category", data: data.metrics, axisLabel: { interval: 0, rotate: data.metrics.length > 8 ? 40 : 0 } },
        yAxis: { type: "value", min: 0, max: data.barsMax === undefined ? 1 : data.barsMax },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.values, label: { show: true, position: "top", formatter: function (p) { return p.value == null ? "" : p.value.toFixed(3); } } }; })
      } },
      { id: "chart-histogram", option: {
        title: { text: data.histogram.title }, tooltip: {}, animation: false,
        xAxis: { type: "category", data: data.histogram.labels }, yAxis: { type: "value", name: data.histogram.unit || "queries", minInterval: data.histogram.unit ? 0 : 1 },
        series: [{ type: "bar", data: data.histogram.counts, barCategoryGap: "5%" }]
      } }
    ];
    var pending = options.length;
    options.forEach(function (o) {
      var chart = echarts.init(document.getElementById(o.id), null, { renderer: "svg" });
      chart.on("finished", function () {
        if (chart.__counted) return;
        chart.__counted = true;
        pending -= 1;
        if (pending === 0 && !body.hasAttribute("data-js-error")) body.setAttribute("data-rendered", "ok");
      });
      chart.setOption(o.option);
    });
  } catch (err) {
    body.setAttribute("data-js-error", String(err && err.message || err));
  }
})();
`;

/** JSON inside a <script> must not be able to close the tag. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** One self-contained HTML file (echarts inlined) that works offline. */
export function buildHtmlReport(evaluation: Evaluation, config: EvalRunConfig): string {
  return renderReportPage(reportData(evaluation, config));
}

/** The lab's report page for any `ReportPage`: one self-contained HTML file (echarts inlined) that works offline. */
export function renderReportPage(page: ReportPage): string {
  const echartsSource = readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Relevance report</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
  .chart { width: 900px; height: 380px; margin: 1.5rem 0; }
  table { border-collapse: collapse; margin-bottom: 1.5rem; }
  th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
  #subtitle, #notes { color: #555; }
</style>
<script>window.addEventListener("error", function (e) { document.body && document.body.setAttribute("data-js-error", String(e.message)); });</script>
</head>
<body data-rendered="pending">
<h1 id="title">Relevance report</h1>
<p id="subtitle"></p>
<ul id="notes"></ul>
<div id="chart-means" class="chart"></div>
<div id="chart-histogram" class="chart"></div>
<div id="tables"></div>
<script>${echartsSource}</script>
<script type="application/json" id="report-data">${scriptSafeJson(page)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
