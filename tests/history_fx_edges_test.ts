/**
 * FX in the history bridge at its edges (lib/history/bridge_fx.ts): a hand-made snapshot's
 * " eur " or "eur" is EUR (currencyCode), valued at the recorded rates like "EUR"; an end at the
 * start rate rounds to the nearest cent; a blank currency is no currency other than USD (no FX
 * warning for it). Two month ends; MRR in USD as each snapshot holds it.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { customerMovements, historyLong, type HistoryPoint } from "../lib/history/bridge.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { customerSnapshot } from "./fixtures/history.ts";

type Row = [customer: string, currency: string, mrr: number];

/** A month end of customers on pro, one organization each; no fxRates: none recorded. */
function snapshot(asOf: string, rows: Row[], fxRates?: Record<string, number>): HistoryPoint {
  const point = customerSnapshot(
    asOf,
    rows.map(([customer, currency, mrr]) => [`org_${customer}`, customer, "pro", currency, mrr]),
    { fxRates },
  );
  return fxRates ? point : { ...point, fxRates: undefined };
}

const MOVES = ["new", "expansion", "contraction", "churn", "fx_impact"];

Deno.test("FX: a currency written ' eur ' or 'eur' is EUR: its drift is fx_impact, not expansion or a currency change", () => {
  // €90 at 1.10 = $99 on Jan 31, at 1.20 = $108 on Feb 28. Each end at the start rate:
  // 10800 × 1.1 ÷ 1.2 = 9900 = the start: expansion 0, fx_impact 10800 − 9900 = 900, for
  // cus_pad (" eur " both times) and cus_low ("eur", then "EUR": the same currency)
  const points = [
    snapshot("2026-01-31", [["cus_pad", " eur ", 99], ["cus_low", "eur", 99]], { EUR: 1.1 }),
    snapshot("2026-02-28", [["cus_pad", " eur ", 108], ["cus_low", "EUR", 108]], { EUR: 1.2 }),
  ];
  const moves = customerMovements(historyLong(points)).sort("customer").toRecords();
  assertEquals(
    Object.fromEntries(moves.map((r) => [r.customer, MOVES.map((m) => Number(r[m]))])),
    {
      //        new expansion contraction churn fx_impact
      cus_low: [0, 0, 0, 0, 900],
      cus_pad: [0, 0, 0, 0, 900],
    },
  );
});

Deno.test("FX: an end valued at the start rate rounds to the nearest cent (half a cent and more up)", () => {
  // $91.67 on Jan 31 (EUR at 1.10), $100.01 on Feb 28 (at 1.20): the end at the start rate is
  // 10001 × 1.1 ÷ 1.2 = 9167.58… → 9168 cents: expansion 9168 − 9167 = 1, fx_impact
  // 10001 − 9168 = 833 (truncated, 9167, would book expansion 0 and fx_impact 834)
  const points = [
    snapshot("2026-01-31", [["cus_round", "EUR", 91.67]], { EUR: 1.1 }),
    snapshot("2026-02-28", [["cus_round", "EUR", 100.01]], { EUR: 1.2 }),
  ];
  const moves = customerMovements(historyLong(points)).toRecords();
  assertEquals(moves.map((r) => MOVES.map((m) => Number(r[m]))), [[0, 1, 0, 0, 833]]);
});

Deno.test("FX: without recorded rates, a blank currency beside USD is not named as FX drift unknown; EUR in one of the pair is", () => {
  // no rates recorded in either snapshot; cus_usd USD, cus_blank "" (no currency): nobody is
  // billed in a currency other than USD, so no month is named
  const rows = (mrr: number): Row[] => [["cus_usd", "USD", mrr], ["cus_blank", "", 50]];
  const report = buildHistoryReport(
    [snapshot("2026-01-31", rows(100)), snapshot("2026-02-28", rows(120))],
    false,
  );
  assertEquals(report.fxUnknown, []);
  // cus_eur, new on Feb 28, billed in EUR: one snapshot of the pair bills another currency, so
  // the month to as-of 2026-02-28 is named
  const named = buildHistoryReport([
    snapshot("2026-01-31", [["cus_usd", "USD", 100]]),
    snapshot("2026-02-28", [["cus_usd", "USD", 120], ["cus_eur", "EUR", 50]]),
  ], false);
  assertEquals(named.fxUnknown, ["2026-02-28"]);
});
