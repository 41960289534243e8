import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderReportPage, type ReportPage } from "../../eval";
import { NUMERIC_STATISTICS, NUMERIC_UNITS } from "./event-statistics";
import { type Distance, type QualityReport } from "./quality-report";

const r4 = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 1e4) / 1e4);
const cell = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(4));

function distanceRow(name: string, d: Distance, unit?: string): (string | number)[] {
  return [name, ...(unit !== undefined ? [unit] : []), d.real, d.synthetic, cell(d.realMean), cell(d.syntheticMean), cell(d.ks), cell(d.w1)];
}

/** What the page shows, from the report's figures. */
function qualityReportPage(report: QualityReport, inputs: { real: string; synthetic: string; createdAt: string }): ReportPage {
  const c2st = report.twoSample;
  const tables: ReportPage["tables"] = [
    {
      id: "event-distances",
      title: "Event distributions: Kolmogorov–Smirnov statistic (0 = same distribution, 1 = disjoint) and Wasserstein-1 (in the statistic's unit)",
      columns: ["statistic", "unit", "real n", "synthetic n", "real mean", "synthetic mean", "KS", "W1"],
      rows: NUMERIC_STATISTICS.map((name) => distanceRow(name, report.distances[name] as Distance, NUMERIC_UNITS[name])),
    },
    {
      id: "categorical",
      title: "Categorical distributions: total variation and Jensen–Shannon divergence (base 2; both 0 = same, 1 = disjoint), popularity concentration",
      columns: ["distribution", "total variation", "Jensen–Shannon", "real", "synthetic"],
      rows: [
        ["event types", cell(report.categorical.event_type.tv), cell(report.categorical.event_type.js), "", ""],
        ["categories of interacted items", cell(report.categorical.category?.tv), cell(report.categorical.category?.js), report.categorical.category ? "" : "no --catalog", ""],
        ["share of interactions on the top 10 % items", "", "", cell(report.popularity.real), cell(report.popularity.synthetic)],
      ],
    },
    {
      id: "two-sample",
      title: "Classifier two-sample test on session vectors (AUC 0.5 = indistinguishable, 1 = fully separable)",
      columns: ["classifier", "folds", "real sessions", "synthetic sessions", "AUC", "95% bootstrap CI"],
      rows: ["error" in c2st ? ["not run", "", "", "", "–", c2st.error] : [c2st.classifier, c2st.folds, c2st.real, c2st.synthetic, cell(c2st.auc), `[${cell(c2st.ci95[0])}, ${cell(c2st.ci95[1])}]`]],
    },
  ];
  for (const cls of report.features?.classes ?? []) {
    const t = cls.twoSample;
    tables.push({
      id: `features-${cls.label}`,
      title: `Re-ranker features of ${cls.label} candidates (real ${cls.real} rows, synthetic ${cls.synthetic}); two-sample AUC ${"error" in t ? `not run (${t.error})` : `${cell(t.auc)} [${cell(t.ci95[0])}, ${cell(t.ci95[1])}]`}`,
      columns: ["feature", "real n", "synthetic n", "real mean", "synthetic mean", "KS", "W1"],
      rows: Object.entries(cls.features).map(([name, d]) => distanceRow(name, d)),
    });
  }
  const tstr = report.tstr;
  if (tstr) {
    tables.push({
      id: "tstr",
      title: `Train on synthetic, test on real (TSTR) against train on real (TRTR): MRR and ${tstr.ndcgKey} of \`relevance eval\``,
      columns: ["trained on", "queries", "MRR", tstr.ndcgKey],
      rows: Object.entries(tstr.figures).map(([name, f]) => [name, f.queries, cell(f.mrr), cell(f.ndcg)]),
    });
    const ratios: (string | number)[][] = [["TSTR / TRTR", cell(tstr["tstr/trtr"].mrr), cell(tstr["tstr/trtr"].ndcg)]];
    const mixed = tstr["mixed/trtr"];
    if (mixed) ratios.push(["real+synthetic / real", cell(mixed.mrr), cell(mixed.ndcg)]);
    if (tstr["private_tstr/trtr"]) ratios.push(["private TSTR / TRTR", cell(tstr["private_tstr/trtr"].mrr), cell(tstr["private_tstr/trtr"].ndcg)]);
    if (tstr["private_tstr/tstr"]) ratios.push(["private TSTR / TSTR", cell(tstr["private_tstr/tstr"].mrr), cell(tstr["private_tstr/tstr"].ndcg)]);
    tables.push({ id: "tstr-ratios", title: "Ratios (TSTR/TRTR ≥ 0.9 is the target; real+synthetic should not fall below 1)", columns: ["ratio", "MRR", tstr.ndcgKey], rows: ratios });
  }
  const featureKs = report.features?.classes[0];
  return {
    title: "synthetic data quality",
    subtitle: `real ${inputs.real} (${report.real.events} events, ${report.real.sessions} sessions) vs synthetic ${inputs.synthetic} (${report.synthetic.events} events, ${report.synthetic.sessions} sessions); ${inputs.createdAt}`,
    notes: [
      "A session is one (user_id, session_id) pair. Lower distances and an AUC near 0.5 mean the synthetic data is harder to tell from the real data.",
      ...(report.real.unreadable + report.synthetic.unreadable > 0 ? [`Unreadable lines skipped: real ${report.real.unreadable}, synthetic ${report.synthetic.unreadable}.`] : []),
    ],
    metrics: featureKs ? Object.keys(featureKs.features) : [...NUMERIC_STATISTICS],
    series: featureKs
      ? [{ name: `KS, ${featureKs.label} rows`, values: Object.values(featureKs.features).map((d) => d.ks) }]
      : [{ name: "KS statistic", values: NUMERIC_STATISTICS.map((name) => report.distances[name]?.ks ?? null) }],
    barsTitle: featureKs ? "KS statistic per re-ranker feature, real vs synthetic" : "KS statistic per event statistic, real vs synthetic",
    barsMax: 1,
    histogram: {
      title: "KS statistic per event statistic, real vs synthetic",
      labels: [...NUMERIC_STATISTICS],
      counts: NUMERIC_STATISTICS.map((name) => r4(report.distances[name]?.ks) ?? 0),
      unit: "KS",
    },
    tables,
  };
}

/** The command's last stdout line: the headline figures, rounded. */
export function qualitySummaryLine(report: QualityReport): Record<string, unknown> {
  const c2st = report.twoSample;
  const line: Record<string, unknown> = {
    real_events: report.real.events,
    synthetic_events: report.synthetic.events,
    ks: Object.fromEntries(NUMERIC_STATISTICS.map((name) => [name, r4(report.distances[name]?.ks)])),
    w1: Object.fromEntries(NUMERIC_STATISTICS.map((name) => [name, r4(report.distances[name]?.w1)])),
    event_type_tv: r4(report.categorical.event_type.tv),
    event_type_js: r4(report.categorical.event_type.js),
    category_tv: r4(report.categorical.category?.tv),
    category_js: r4(report.categorical.category?.js),
    top10_share: { real: r4(report.popularity.real), synthetic: r4(report.popularity.synthetic) },
    c2st_auc: "error" in c2st ? null : r4(c2st.auc),
    c2st_ci95: "error" in c2st ? null : c2st.ci95.map(r4),
  };
  for (const cls of report.features?.classes ?? []) {
    const ks = Object.values(cls.features).map((d) => d.ks ?? 0);
    line[`features_${cls.label}`] = {
      rows: { real: cls.real, synthetic: cls.synthetic },
      mean_ks: r4(ks.reduce((s, v) => s + v, 0) / Math.max(1, ks.length)),
      max_ks: r4(Math.max(...ks)),
      c2st_auc: "error" in cls.twoSample ? null : r4(cls.twoSample.auc),
      c2st_ci95: "error" in cls.twoSample ? null : cls.twoSample.ci95.map(r4),
    };
  }
  const tstr = report.tstr;
  if (tstr) {
    line["tstr/trtr"] = { mrr: r4(tstr["tstr/trtr"].mrr), [tstr.ndcgKey]: r4(tstr["tstr/trtr"].ndcg) };
    const mixed = tstr["mixed/trtr"];
    if (mixed) line["mixed/trtr"] = { mrr: r4(mixed.mrr), [tstr.ndcgKey]: r4(mixed.ndcg), mrr_diff: r4(mixed.mrr_diff) };
    if (tstr["private_tstr/trtr"]) line["private_tstr/trtr"] = { mrr: r4(tstr["private_tstr/trtr"].mrr), [tstr.ndcgKey]: r4(tstr["private_tstr/trtr"].ndcg) };
    if (tstr["private_tstr/tstr"]) line["private_tstr/tstr"] = { mrr: r4(tstr["private_tstr/tstr"].mrr), [tstr.ndcgKey]: r4(tstr["private_tstr/tstr"].ndcg) };
  }
  return line;
}

/** Writes `report.json` (every figure) and `report.html` into `dir` (created if needed). */
export async function writeQualityReport(dir: string, report: QualityReport, inputs: { real: string; synthetic: string }): Promise<{ html: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const html = join(dir, "report.html");
  const json = join(dir, "report.json");
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderReportPage(qualityReportPage(report, { ...inputs, createdAt: new Date().toISOString() })));
  return { html, json };
}
