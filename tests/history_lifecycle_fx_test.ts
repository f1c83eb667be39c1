/**
 * The MRR bridge over five stored month ends where FX rates change every month and customers pause,
 * resume, churn, come back, switch currency, change plan and share a Stripe customer between two
 * organizations, all at once (docs/history.md, "The bridge"; revenue-rules.md rules 1–3, 6, 7).
 * Each rule has its own test; this one checks they compose. Every figure below was recomputed by
 * an independent script (Python, from the same table) before it was written here.
 *
 * Rates, USD per unit, at the as-ofs 02-01, 03-01, 04-01, 05-01, 06-01:
 *   EUR 1.10 1.20 1.15 1.15 1.05;  GBP 1.25 1.30 1.30 1.20 1.20;  JPY 0.0067 0.0070 0.0070 0.0065 0.0065
 * Customers (native amounts; USD = native × that as-of's rate, to the cent):
 *   A cus_eur_flat  EUR  €90 throughout, pro                       (FX impact only)
 *   B cus_eur_up    EUR  €90, €100 pro; €200, €200, €150 team       (plan change in month 3)
 *   C cus_pause     USD  $50, $50, paused 0, paused 0, $60 on team  (paused, resumed on a new plan)
 *   D cus_gbp       GBP  £40, canceled 0, 0, £45, £45               (churn, reactivation)
 *   E cus_switch    EUR  €80, €80, then USD $100 ×3                 (currency switch while paying)
 *   F cus_shared    JPY  ¥30,000 on org_F1 (pro), from 04-01 on org_F2 (team): shared_customer
 *   G cus_new_jpy   JPY  from 04-01: ¥15,002, ¥15,002, ¥18,000, team
 *   H (no customer) free, $0
 *   I cus_ptrial    USD  paused 0 at the baseline, $30 ×3, canceled 0 (resumed: paused since before
 *                        the history), then churn
 *   J cus_trial2    USD  from 03-01: paused 0 (a trial never paid), $25 ×3   (new, not resumed)
 *   K cus_multi     EUR,USD  $100, $110, $110, $120, $120 (billed in two: face value, unsplit)
 *   L cus_gbp_pc    GBP  £100, paused 0, canceled 0, £100, £100 team (pause ended in a cancel:
 *                        its return is reactivation)
 *
 * By hand, in cents, an end valued at the start rate is e × r0 / r1, the rest FX impact:
 * - month 2026-02: A 10800 → 9900 (fx 900); B 12000 → 11000: expansion 1100, fx 1000;
 *   E 9600 → 8800, fx 800; F 21000 → 20100, fx 900; K +1000; I resumed 3000; D churn 5000;
 *   L paused 12500. Start 81200, expansion 2100, churn 5000, paused 12500, resumed 3000,
 *   fx 3600, end 72400.
 * - 2026-03: A 10350 at 1.20 = 10800, fx −450; B 23000 → 24000: expansion 12000, fx −1000,
 *   moved pro → team; E €80 → $100 at face value: expansion 400; F moves org (pro → team) at
 *   ¥30,000 both at 0.0070: moved 21000; G new 10501 (¥15,002 × 0.70); J new 2500; C paused 5000.
 *   new 13001, expansion 12400, paused 5000, fx −1450, end 91351; pro moved out 33000, team
 *   moved in 45000.
 * - 2026-04: D 5400 → 5850 at 1.30: reactivation 5850, fx −450; L 12000 → 13000 reactivation,
 *   fx −1000; G 9751 → 10501, fx −750; F 19500 → 21000, fx −1500; K +1000.
 *   reactivation 18850, expansion 1000, fx −3700, end 107501.
 * - 2026-05: A 9450 → 10350, fx −900; B 15750 → 23000: contraction 5750 (fx −1500 on the €150);
 *   G 11700 (¥18,000) → 11700, expansion 1949 from 9751; C resumed 6000 on team; I churn 3000.
 *   expansion 1949, contraction 5750, churn 3000, resumed 6000, fx −2400, end 104300.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { historyTable } from "../lib/history/report_tables.ts";
import { currencyTable } from "../lib/history/report_currency.ts";

const AS_OF = ["2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"];
const RATES: Record<string, number>[] = [
  { EUR: 1.1, GBP: 1.25, JPY: 0.0067 },
  { EUR: 1.2, GBP: 1.3, JPY: 0.007 },
  { EUR: 1.15, GBP: 1.3, JPY: 0.007 },
  { EUR: 1.15, GBP: 1.2, JPY: 0.0065 },
  { EUR: 1.05, GBP: 1.2, JPY: 0.0065 },
];

/** plan, currency, native minor units (null: none stored), status, revenue_source; usd: cents */
type Month = [string, string, number | null, string, string, number?] | null;

const paying = (plan: string, currency: string, minor: number): Month => [
  plan,
  currency,
  minor,
  "active",
  "stripe",
];
const at0 = (plan: string, currency: string, status: string): Month => [
  plan,
  currency,
  0,
  status,
  "stripe",
];
const shared = (plan: string): Month => [plan, "", null, "", "shared_customer"];
const five = (month: Month): Month[] => Array(5).fill(month);

const ORGS: [org: string, customer: string, months: Month[]][] = [
  ["org_A", "cus_eur_flat", five(paying("pro", "EUR", 9000))],
  ["org_B", "cus_eur_up", [
    paying("pro", "EUR", 9000),
    paying("pro", "EUR", 10000),
    paying("team", "EUR", 20000),
    paying("team", "EUR", 20000),
    paying("team", "EUR", 15000),
  ]],
  ["org_C", "cus_pause", [
    paying("pro", "USD", 5000),
    paying("pro", "USD", 5000),
    at0("pro", "USD", "paused"),
    at0("pro", "USD", "paused"),
    paying("team", "USD", 6000),
  ]],
  ["org_D", "cus_gbp", [
    paying("pro", "GBP", 4000),
    at0("pro", "GBP", "canceled"),
    at0("pro", "GBP", "canceled"),
    paying("pro", "GBP", 4500),
    paying("pro", "GBP", 4500),
  ]],
  ["org_E", "cus_switch", [
    paying("pro", "EUR", 8000),
    paying("pro", "EUR", 8000),
    ...Array(3).fill(paying("pro", "USD", 10000)),
  ]],
  ["org_F1", "cus_shared", [
    paying("pro", "JPY", 30000),
    paying("pro", "JPY", 30000),
    ...Array(3).fill(shared("pro")),
  ]],
  ["org_F2", "cus_shared", [
    shared("team"),
    shared("team"),
    ...Array(3).fill(paying("team", "JPY", 30000)),
  ]],
  ["org_G", "cus_new_jpy", [
    null,
    null,
    paying("team", "JPY", 15002),
    paying("team", "JPY", 15002),
    paying("team", "JPY", 18000),
  ]],
  ["org_H", "", five(["free", "", 0, "", "none"])],
  ["org_I", "cus_ptrial", [
    at0("pro", "USD", "paused"),
    ...Array(3).fill(paying("pro", "USD", 3000)),
    at0("pro", "USD", "canceled"),
  ]],
  ["org_J", "cus_trial2", [
    null,
    at0("pro", "USD", "paused"),
    ...Array(3).fill(paying("pro", "USD", 2500)),
  ]],
  [
    "org_K",
    "cus_multi",
    [10000, 11000, 11000, 12000, 12000].map((usd) => [
      "enterprise",
      "EUR,USD",
      null,
      "active",
      "stripe",
      usd,
    ]),
  ],
  ["org_L", "cus_gbp_pc", [
    paying("team", "GBP", 10000),
    at0("team", "GBP", "paused"),
    at0("team", "GBP", "canceled"),
    paying("team", "GBP", 10000),
    paying("team", "GBP", 10000),
  ]],
];

/** USD cents of a month: the stored USD, else native × rate (yen have no minor unit). */
function usdCents([, currency, minor, , , usd]: NonNullable<Month>, rates: Record<string, number>) {
  if (usd !== undefined) return usd;
  if (minor === null) return 0;
  if (currency === "USD" || currency === "") return minor;
  return Math.round(minor * rates[currency] * (currency === "JPY" ? 100 : 1));
}

function frameAt(index: number): pl.DataFrame {
  const rows = ORGS.flatMap(([org, customer, months]) => {
    const month = months[index];
    return month ? [{ org, customer, month }] : [];
  });
  const usd = rows.map(({ month }) => usdCents(month!, RATES[index]) / 100);
  return exportFrameFromColumns({
    org_id: rows.map((r) => r.org),
    tier: rows.map((r) => r.month![0]),
    plan: rows.map((r) => r.month![0]),
    stripe_customer_id: rows.map((r) => r.customer),
    revenue_source: rows.map((r) => r.month![4]),
    currency: rows.map((r) => r.month![1]),
    mrr_recurring: usd,
    mrr: usd,
    subscription_status: rows.map((r) => r.month![3]),
    requests_30d: rows.map(() => 100),
    llm_cost_30d: rows.map(() => 1),
    llm_cost_ptb_30d: rows.map(() => 0),
  }).withColumns(pl.Series("mrr_recurring_minor", rows.map((r) => r.month![2]), pl.Int64));
}

const MOVES = [
  "start_mrr_usd",
  "new_usd",
  "expansion_usd",
  "contraction_usd",
  "churn_usd",
  "reactivation_usd",
  "paused_usd",
  "resumed_usd",
  "moved_in_usd",
  "moved_out_usd",
  "fx_impact_usd",
  "end_mrr_usd",
];

Deno.test("history bridge: FX changing every month with pauses, reactivations, a currency switch, plan changes and a shared customer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "history_lifecycle_fx_" });
  try {
    for (const [index, asOf] of AS_OF.entries()) {
      await writeSnapshot(frameAt(index), {
        dir,
        asOf: new Date(`${asOf}T00:00:00Z`),
        demo: false,
        origin: "export",
        fxRates: RATES[index],
      });
    }
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(report.failures, []);
    const rows = historyTable(report).toRecords();
    const row = (month: string, plan: string) => {
      const found = rows.find((r) => r.month === month && r.plan === plan)!;
      return MOVES.map((m) => found[m]);
    };
    //                         start    new     exp    contr churn react  paused resumed in out fx     end
    assertEquals(row("2026-02", "(all)"), [812, 0, 21, 0, 50, 0, 125, 30, 0, 0, 36, 724]);
    assertEquals(row("2026-03", "(all)"), [724, 130.01, 124, 0, 0, 0, 50, 0, 0, 0, -14.5, 913.51]);
    assertEquals(row("2026-04", "(all)"), [913.51, 0, 10, 0, 0, 188.5, 0, 0, 0, 0, -37, 1075.01]);
    assertEquals(row("2026-05", "(all)"), [1075.01, 0, 19.49, 57.5, 30, 0, 0, 60, 0, 0, -24, 1043]);
    // B's plan change and F's revenue moving to its team organization: moved at the start rate
    assertEquals(row("2026-03", "pro"), [614, 25, 4, 0, 0, 0, 50, 0, 0, 330, -4.5, 258.5]);
    assertEquals(row("2026-03", "team"), [0, 105.01, 0, 0, 0, 0, 0, 0, 450, 0, -10, 545.01]);
    // C paused on pro and resumed on team: no move; I churns on pro
    assertEquals(row("2026-05", "team"), [642.51, 0, 19.49, 57.5, 0, 0, 0, 60, 0, 0, -15, 649.5]);
    assertEquals(row("2026-05", "pro"), [312.5, 0, 0, 0, 30, 0, 0, 0, 0, 0, -9, 273.5]);

    // per currency, in each currency's units (E: contraction in EUR, expansion in USD)
    const currencies = currencyTable(report).toRecords();
    const inCurrency = (month: string, currency: string) => {
      const found = currencies.find((r) => r.month === month && r.currency === currency)!;
      return ["start", "new", "expansion", "contraction", "churn", "reactivation", "paused"]
        .concat(["resumed", "end"]).map((m) => found[`${m}_mrr`]);
    };
    assertEquals(inCurrency("2026-02", "GBP"), [140, 0, 0, 0, 40, 0, 100, 0, 0]);
    assertEquals(inCurrency("2026-02", "USD"), [50, 0, 0, 0, 0, 0, 0, 30, 80]);
    assertEquals(inCurrency("2026-03", "EUR"), [270, 0, 100, 80, 0, 0, 0, 0, 290]);
    assertEquals(inCurrency("2026-03", "USD"), [80, 25, 100, 0, 0, 0, 50, 0, 155]);
    assertEquals(inCurrency("2026-03", "JPY"), [30000, 15002, 0, 0, 0, 0, 0, 0, 45002]);
    assertEquals(inCurrency("2026-04", "GBP"), [0, 0, 0, 0, 0, 145, 0, 0, 145]);
    // no GBP customer at either end of 2026-03 (D canceled, L paused then canceled): no row
    assertEquals(currencies.filter((r) => r.currency === "GBP").map((r) => r.month), [
      "2026-02",
      "2026-04",
      "2026-05",
    ]);
    assertEquals(inCurrency("2026-05", "JPY"), [45002, 0, 2998, 0, 0, 0, 0, 0, 48000]);
    assertEquals(inCurrency("2026-05", "USD"), [155, 0, 0, 0, 30, 0, 0, 60, 185]);
    assertEquals(inCurrency("2026-04", "(unsplit)"), [110, 0, 10, 0, 0, 0, 0, 0, 120]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
