/**
 * The admin report tests' frame, pipeline data and card reader, shared by the
 * server_summary_*_test.ts files.
 */
import pl from "nodejs-polars";
import { pricingSummary } from "../lib/server/summary.ts";

// A 7-day window (× 30/7 on a 30-day basis); thresholds per month: 100,000 requests or $500, mrr ≤ $100.
//   P: 30,000 requests (128,571 a month ≥ 100,000), $7 cost, $7 PTB, mrr 20    → underpriced
//   Q: 20,000 requests (85,714), $140 cost ($600 a month ≥ $500), mrr 50       → underpriced
//   R: 23,000 requests (98,571), $116 cost ($497.14), mrr 10                   → under both
//   U: 50,000 requests (214,286), mrr unknown                                  → not judged
//   V: 200,000 requests, mrr 500 (> $100)                                      → not underpriced
// In the window P and Q cost $147 ($7 PTB) against $70 MRR; biggest cost first: Q, P.
// gross_margin_pct (30-day basis): P (20 − 30) / 20 = −50 %, Q (50 − 600) / 50 = −1,100 %.
export const frame = pl.DataFrame({
  org_id: ["p", "q", "r", "u", "v"],
  org_name: ["P <b>", "Q", "R", "U", "V"],
  tier: ["pro", "free", "pro", "free", "team"],
  seats: [2, 1, 3, 1, 9],
  requests_30d: [30_000, 20_000, 23_000, 50_000, 200_000],
  llm_cost_30d: [7, 140, 116, 1, 10],
  llm_cost_ptb_30d: [7, 0, 0, 0, 0],
  mrr: pl.Series("mrr", [20, 50, 10, null, 500], pl.Float64),
  gross_margin_pct: pl.Series("gross_margin_pct", [-50, -1100, -4871.4, null, 99], pl.Float64),
});

export function data(windowDays: number, asOf = "2026-11-01T00:00:00.000Z") {
  return {
    asOf: new Date(asOf),
    windowDays,
    demo: false,
    warnings: [],
  } as unknown as Parameters<typeof pricingSummary>[0];
}

/** The `data-stat` card of `name` in the report: its value and its note. */
export function card(
  html: string,
  name: string,
): { value: string; text: string; note: string | null } {
  const match = html.match(
    new RegExp(
      `<div class="stat" data-stat="${name}" data-value="([^"]*)"[^>]*><div class="label"[^>]*>[^<]*</div><div class="value">([^<]*)</div>(?:<div class="note">([^<]*)</div>)?</div>`,
    ),
  );
  if (!match) throw new Error(`no ${name} card in ${html}`);
  return { value: match[1], text: match[2], note: match[3] ?? null };
}
