/**
 * FX drift in the bridge (revenue-rules.md rule 7; lib/history/bridge_fx.ts): with the rates each
 * snapshot recorded, a customer billed in EUR has its end valued at the start rate for its
 * movement, and the rest booked as fx_impact. Two month ends, EUR at 1.10 then 1.20 (USD per EUR);
 * MRR in USD as the snapshot holds it (€ × that snapshot's rate):
 *
 *   customer  currency  plan Jan → Feb   Jan 31            Feb 28
 *   cus_flat  EUR       pro              €90  = $99.00     €90  = $108.00
 *   cus_up    EUR       pro → team       €90  = $99.00     €100 = $120.00
 *   cus_usd   USD       pro              $50.00            $60.00
 *   cus_new   EUR       — → team         —                 €50  = $60.00
 *   cus_sw    EUR → USD pro              €90  = $99.00     $100.00
 *
 * By hand, Feb, each end at the start rate (× 1.10 / 1.20) and fx_impact = end − that:
 * - cus_flat: 10800 × 1.1/1.2 = 9900 = its start: expansion 0, fx_impact 900 ($9.00).
 * - cus_up: 12000 × 1.1/1.2 = 11000: expansion 11000 − 9900 = 1100 (€10 × 1.10 = $11.00),
 *   fx_impact 12000 − 11000 = 1000 (€100 × (1.20 − 1.10) = $10.00); plan: moved_out pro 9900,
 *   moved_in team 11000, fx_impact team 1000.
 * - cus_usd: expansion 1000, fx_impact 0 (USD: no rate).
 * - cus_new: new 6000 × 1.1/1.2 = 5500, fx_impact 500.
 * - cus_sw: its currency changed, at face value: expansion 10000 − 9900 = 100, fx_impact 0.
 * Company: start 9900 × 3 + 5000 = 34700; new 5500; expansion 1100 + 1000 + 100 = 2200;
 * fx_impact 900 + 1000 + 500 = 2400; end 10800 + 12000 + 6000 + 6000 + 10000 = 44800 =
 * 34700 + 5500 + 2200 + 2400. pro: 34700 + 1100 (usd, sw) − 9900 + 900 = 26800 = 10800 + 6000
 * + 10000; team: 5500 + 11000 + 1500 = 18000 = 12000 + 6000.
 *
 * Without recorded rates (older snapshots): today's numbers, every change a movement (new 6000,
 * expansion 900 + 2100 + 1000 + 100 = 4100, fx_impact 0), and the report says so once.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  companyBridge,
  customerMovements,
  historyLong,
  type HistoryPoint,
} from "../lib/history/bridge.ts";
import { planBridge, planChanges } from "../lib/history/plan_bridge.ts";
import { checkBridges } from "../lib/history/bridge_check.ts";
import { fxUnknownSentence } from "../lib/history/bridge_fx.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import {
  buildHistoryReport,
  historyTable,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { readSnapshotSidecar, sidecarProblems } from "../lib/formats/snapshot_sidecar.ts";
import { demoSnapshots, julyExport, runHistory } from "./history_cli_run.ts";
import { type CustomerOrg, customerSnapshot } from "./fixtures/history.ts";

type Row = [customer: string, plan: string, currency: string, mrr: number];

/** A month end of customers, one organization each, active; no fxRates: none recorded. */
function snapshot(asOf: string, rows: Row[], fxRates?: Record<string, number>): HistoryPoint {
  const active = (
    [customer, plan, currency, mrr]: Row,
  ): CustomerOrg => [`org_${customer}`, customer, plan, currency, mrr, "active"];
  const point = customerSnapshot(asOf, rows.map(active), { fxRates });
  return fxRates ? point : { ...point, fxRates: undefined };
}

const JAN: Row[] = [
  ["cus_flat", "pro", "EUR", 99],
  ["cus_up", "pro", "EUR", 99],
  ["cus_usd", "pro", "USD", 50],
  ["cus_sw", "pro", "EUR", 99],
];
const FEB: Row[] = [
  ["cus_flat", "pro", "EUR", 108],
  ["cus_up", "team", "EUR", 120],
  ["cus_usd", "pro", "USD", 60],
  ["cus_new", "team", "EUR", 60],
  ["cus_sw", "pro", "USD", 100],
];

const WITH_RATES = [
  snapshot("2026-01-31", JAN, { EUR: 1.1 }),
  snapshot("2026-02-28", FEB, { EUR: 1.2 }),
];
const WITHOUT_RATES = [snapshot("2026-01-31", JAN), snapshot("2026-02-28", FEB)];

const MOVES = ["new", "expansion", "contraction", "churn", "fx_impact"];

function byCustomer(points: HistoryPoint[]): Record<string, number[]> {
  const moves = customerMovements(historyLong(points)).sort("customer").toRecords();
  return Object.fromEntries(
    moves.map((r) => [r.customer as string, MOVES.map((m) => Number(r[m]))]),
  );
}

const companyRow = (company: pl.DataFrame) =>
  Object.fromEntries(
    ["start", ...MOVES, "end"].map((
      m,
    ) => [m, Number(company.row(0)[company.columns.indexOf(`${m}_cents`)])]),
  );

Deno.test("FX: EUR at 1.10 then 1.20, each end valued at the start rate; the drift is fx_impact", () => {
  assertEquals(byCustomer(WITH_RATES), {
    //         new   expansion contraction churn fx_impact
    cus_flat: [0, 0, 0, 0, 900],
    cus_new: [5500, 0, 0, 0, 500],
    cus_sw: [0, 100, 0, 0, 0],
    cus_up: [0, 1100, 0, 0, 1000],
    cus_usd: [0, 1000, 0, 0, 0],
  });
  const long = historyLong(WITH_RATES);
  const company = companyBridge(long);
  assertEquals(companyRow(company), {
    start: 34700,
    new: 5500,
    expansion: 2200,
    contraction: 0,
    churn: 0,
    fx_impact: 2400,
    end: 44800,
  });
  const plans = planBridge(long);
  const plan = (name: string) =>
    plans.filter(pl.col("plan").eq(pl.lit(name))).select(
      "start_cents",
      "new_cents",
      "expansion_cents",
      "moved_in_cents",
      "moved_out_cents",
      "fx_impact_cents",
      "end_cents",
    ).toRecords()[0];
  assertEquals(plan("pro"), {
    start_cents: 34700,
    new_cents: 0,
    expansion_cents: 1100,
    moved_in_cents: 0,
    moved_out_cents: 9900,
    fx_impact_cents: 900,
    end_cents: 26800,
  });
  assertEquals(plan("team"), {
    start_cents: 0,
    new_cents: 5500,
    expansion_cents: 0,
    moved_in_cents: 11000,
    moved_out_cents: 0,
    fx_impact_cents: 1500,
    end_cents: 18000,
  });
  // rule 3 with fx_impact: every row balances, company and plan
  assertEquals(checkBridges({ company, plans, long }), []);
  // cus_up's move is an upgrade at constant currency too (11000 > 9900)
  assertEquals(
    planChanges(long).select("from_plan", "to_plan", "upgrades", "mrr_after_cents").toRecords(),
    [{ from_plan: "pro", to_plan: "team", upgrades: 1, mrr_after_cents: 12000 }],
  );
  // one snapshot at a time (aggregate.ts) gives the same bridge
  const streamed = bridgeOfSources(WITH_RATES);
  assertEquals(streamed.company.drop("idx").toRecords(), company.drop("idx").toRecords());
  assertEquals(streamed.plans.toRecords(), plans.toRecords());
  assertEquals(streamed.fxUnknown, []);
});

Deno.test("FX: snapshots without recorded rates keep today's numbers, and the report says so once", () => {
  assertEquals(byCustomer(WITHOUT_RATES), {
    cus_flat: [0, 900, 0, 0, 0],
    cus_new: [6000, 0, 0, 0, 0],
    cus_sw: [0, 100, 0, 0, 0],
    cus_up: [0, 2100, 0, 0, 0],
    cus_usd: [0, 1000, 0, 0, 0],
  });
  const report = buildHistoryReport(WITHOUT_RATES, false);
  assertEquals(companyRow(report.company), {
    start: 34700,
    new: 6000,
    expansion: 4100,
    contraction: 0,
    churn: 0,
    fx_impact: 0,
    end: 44800,
  });
  assertEquals(report.failures, []);
  assertEquals(report.fxUnknown, ["2026-02-28"]);
  const markdown = historyMarkdown(report, { files: [] });
  assertEquals(markdown.split("FX drift cannot be told apart").length - 1, 1, markdown);
  ok(markdown.includes("in the month to as-of 2026-02-28"), markdown);
  // no FX impact anywhere: no such column in the Markdown tables
  ok(!markdown.includes("| FX impact"), markdown);
  // one snapshot with rates is not enough: the pair needs both
  const half = buildHistoryReport([WITHOUT_RATES[0], WITH_RATES[1]], false);
  assertEquals(half.fxUnknown, ["2026-02-28"]);
  assertEquals(Number(half.company.getColumn("fx_impact_cents").get(0)), 0);
});

Deno.test("FX: history report warns on stderr in one line when drift cannot be told apart, as the report says", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of WITHOUT_RATES) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const run = await runHistory([
      ...["report", "--live", "--no-charts", "--history-dir", dir, "--out-dir", `${dir}/out`],
    ]);
    assertEquals(run.code, 0, run.errors.join("\n"));
    const warned = run.errors.filter((line) => line.includes("FX drift cannot be told apart"));
    const [sentence] = fxUnknownSentence(["2026-02-28"]);
    assertEquals(warned, [`warning: ${sentence}`], run.errors.join("\n"));
    ok(sentence.includes("in the month to as-of 2026-02-28") && !sentence.includes("\n"));
    // what a reader checks: the rates unchanged between the two snapshots misread nothing (an
    // earlier kit's snapshots record none, and every report after an upgrade says this)
    ok(
      sentence.endsWith("; if it was the same when both were written, nothing is misread."),
      sentence,
    );
    // the report's Markdown (its path is logged) says the same
    const markdownPath = run.logs.map((line) => line.trim()).find((line) => line.endsWith(".md"));
    const markdown = await Deno.readTextFile(markdownPath!);
    ok(markdown.includes(sentence), markdown);
    // --quiet prints nothing but errors
    const quiet = await runHistory([
      ...["report", "--live", "--no-charts", "--quiet", "--history-dir", dir],
      ...["--out-dir", `${dir}/out`],
    ]);
    assertEquals([quiet.code, quiet.errors], [0, []]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FX: a USD-only history without rates has no fx note; with rates, a USD customer moves as before", () => {
  const usd = (asOf: string, mrr: number, rates?: Record<string, number>) =>
    snapshot(asOf, [["cus_usd", "pro", "USD", mrr]], rates);
  const old = buildHistoryReport([usd("2026-01-31", 50), usd("2026-02-28", 60)], false);
  assertEquals(old.fxUnknown, []);
  ok(!historyMarkdown(old, { files: [] }).includes("FX drift"));
  const recorded = buildHistoryReport([
    usd("2026-01-31", 50, { EUR: 1.1 }),
    usd("2026-02-28", 60, { EUR: 1.2 }),
  ], false);
  assertEquals(companyRow(recorded.company), companyRow(old.company));
  assertEquals(companyRow(old.company).expansion, 1000);
});

Deno.test("FX: the report shows fx_impact: a CSV column always, a Markdown column when non-zero", () => {
  const report = buildHistoryReport(WITH_RATES, false);
  assertEquals(report.failures, []);
  const table = historyTable(report);
  ok(table.columns.includes("fx_impact_usd"));
  const rows = table.select("plan", "expansion_usd", "fx_impact_usd", "end_mrr_usd").toRecords();
  assertEquals(rows, [
    { plan: "(all)", expansion_usd: 22, fx_impact_usd: 24, end_mrr_usd: 448 },
    { plan: "pro", expansion_usd: 11, fx_impact_usd: 9, end_mrr_usd: 268 },
    { plan: "team", expansion_usd: 0, fx_impact_usd: 15, end_mrr_usd: 180 },
  ]);
  const markdown = historyMarkdown(report, { files: [] });
  ok(markdown.includes("+ FX impact = end"), markdown);
  // the company table: …, resumed, FX impact, end
  const header = markdown.split("\n").find((line) => line.startsWith("| month"))!;
  ok(/\| resumed\s+\| FX impact\s+\| end/.test(header), header);
  const feb = markdown.split("\n").find((line) => line.includes("| 2026-02-28"))!;
  ok(feb.includes("| $24.00 "), feb);
  ok(!markdown.includes("FX drift cannot be told apart"), markdown);
});

/** WITH_RATES's month ends stored in `dir` as exports, their rates in the sidecars. */
async function storeWithRates(dir: string): Promise<void> {
  for (const point of WITH_RATES) {
    await writeSnapshot(point.frame, {
      dir,
      asOf: point.asOf,
      demo: false,
      origin: "export",
      fxRates: point.fxRates,
    });
  }
}

Deno.test("FX: rates recorded in the sidecar and read back by the report; a damaged fx_rates is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await storeWithRates(dir);
    const path = `${dir}/helicone_pricing_data_2026-02-28.parquet`;
    assertEquals((await readSnapshotSidecar(path)).meta?.fx_rates, { EUR: 1.2 });
    const stored = await loadMonthlyHistoryPoints(dir, { demo: false });
    assertEquals(stored.map((p) => p.fxRates), [{ EUR: 1.1 }, { EUR: 1.2 }]);
    const report = await loadHistoryReport(stored, false);
    assertEquals(companyRow(report.company).fx_impact, 2400);
    assertEquals(companyRow(report.company).expansion, 2200);
    // an older sidecar without fx_rates is fine; a wrong one is named
    const older = {
      as_of: "2026-02-28T00:00:00.000Z",
      demo: false,
      origin: "export",
      row_count: 5,
      written_at: "2026-02-28T00:00:00.000Z",
      warnings: [],
    };
    assertEquals(sidecarProblems(older), []);
    assertEquals(
      sidecarProblems({ ...older, fx_rates: { eur: -1 } }),
      ['fx_rates is {"eur":-1}, not currency codes (EUR) with their USD rates (positive numbers)'],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FX: a bridge resumed from the stored state (an export's month after stored ones) books fx_impact as one computed whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await storeWithRates(dir);
    // March: EUR at 1.25; cus_flat €90 = $112.50: at February's rate 11250 × 1.2/1.25 = 10800
    const march = snapshot("2026-03-31", [...FEB.filter((r) => r[0] !== "cus_flat"), [
      "cus_flat",
      "pro",
      "EUR",
      112.5,
    ]], { EUR: 1.25 });
    const stored = await loadMonthlyHistoryPoints(dir, { demo: false });
    await loadHistoryReport(stored, false); // stores the state after February
    const resumed = await loadHistoryReport([...stored, march], false);
    const whole = buildHistoryReport([...WITH_RATES, march], false);
    assertEquals(resumed.company.toRecords(), whole.company.toRecords());
    assertEquals(resumed.plans.toRecords(), whole.plans.toRecords());
    assertEquals(resumed.failures, []);
    const marchRow = whole.company.filter(pl.col("month").eq(pl.lit("2026-03-31")));
    // cus_flat 450, the other EUR customers at €100 and €50: 12000 and 6000 × (1 − 1.2/1.25)
    // = 480 and 240; expansion 0 (nobody's euros changed)
    assertEquals(companyRow(marchRow).fx_impact, 450 + 480 + 240);
    assertEquals(companyRow(marchRow).expansion, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FX: a demo backfill, a demo export and an import of it (its manifest says) record the rates they converted with", async () => {
  const out = await Deno.makeTempDir();
  try {
    const dir = `${out}/history`;
    await demoSnapshots(dir, out);
    const backfilled = await readSnapshotSidecar(
      `${dir}/helicone_pricing_data_2026-06-01_demo.parquet`,
    );
    assertEquals([backfilled.meta?.origin, backfilled.meta?.fx_rates], ["backfill", { EUR: 1.08 }]);
    const result = await julyExport(out, { PRICING_FX_RATES: "EUR:1.2,GBP:1.27" });
    const exported = await readSnapshotSidecar(
      `${dir}/helicone_pricing_data_2026-07-01_demo.parquet`,
    );
    assertEquals([exported.meta?.origin, exported.meta?.fx_rates], ["export", {
      EUR: 1.2,
      GBP: 1.27,
    }]);
    // its manifest too, so that an import of the export records them
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assertEquals(manifest.revenue.fx_rates, { EUR: 1.2, GBP: 1.27 });
    const imported = await runHistory(["import", result.csvPath!, "--history-dir", `${out}/again`]);
    assertEquals(imported.code, 0, imported.errors.join("\n"));
    const again = await readSnapshotSidecar(
      `${out}/again/helicone_pricing_data_2026-07-01_demo.parquet`,
    );
    assertEquals([again.meta?.origin, again.meta?.fx_rates], ["import", { EUR: 1.2, GBP: 1.27 }]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
