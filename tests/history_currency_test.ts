/**
 * One bridge per billing currency (revenue-rules.md rule 7; lib/history/bridge_currency.ts): each
 * customer's MRR in its own currency's minor units (USD ÷ the snapshot's recorded rate), its status
 * decided across currencies. Three month ends, EUR at 1.10, then 1.20 twice, JPY at 0.0067
 * (USD per unit); MRR in USD as the snapshot holds it (amount × that snapshot's rate):
 *
 *   customer   currency   Jan 31             Feb 28             Mar 31
 *   cus_eur    EUR        €90  = $99.00      €100 = $120.00     —
 *   cus_jpy    JPY        ¥15,000 = $100.50  ¥15,000 = $100.50  ¥18,000 = $120.60
 *   cus_sw     EUR → USD  €90  = $99.00      $100.00 (USD)      $100.00
 *   cus_two    EUR,USD    $150.00            $160.00            $160.00
 *   cus_usd    USD        —                  $50.00             $50.00
 *   cus_eur2   EUR        —                  —                  €50 = $60.00
 *
 * By hand, in minor units (cents; yen for JPY, not ÷ 100):
 * - Feb. EUR: start 9000 + 9000 = 18000; cus_eur expansion 10000 − 9000 = 1000; cus_sw pays in
 *   both months, so its €90 is contraction 9000 (not churn) and its $100 is expansion 10000 in
 *   USD (not new); end 10000 = 18000 + 1000 − 9000. JPY: 15000 → 15000, nothing moves (the USD
 *   view moves nothing either: the rate did not change). USD: start 0, expansion 10000 (cus_sw),
 *   new 5000 (cus_usd), end 15000. cus_two, billed in two currencies at once, is the unsplit
 *   bridge in USD cents: 15000 → 16000, expansion 1000.
 * - Mar. EUR: start 10000, churn 10000 (cus_eur), new 5000 (cus_eur2: $60.00 ÷ 1.20), end 5000.
 *   JPY: expansion 18000 − 15000 = 3000, end 18000. USD: 15000, nothing moves. Unsplit: 16000.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { customerMovements, historyLong, type HistoryPoint } from "../lib/history/bridge.ts";
import { currencyMovementSums, UNSPLIT } from "../lib/history/bridge_currency.ts";
import { checkCurrencyBridges } from "../lib/history/bridge_check.ts";
import { currencyNumberFormat, formatMinor } from "../lib/history/report_currency.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";
import { exportHistory } from "../lib/history/export_history.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { runHistory } from "./history_cli_run.ts";
import { type CustomerOrg, customerSnapshot } from "./fixtures/history.ts";

type Row = [customer: string, currency: string, mrr: number];

/** A month end of customers on pro, one organization each, active; no fxRates: none recorded. */
function snapshot(asOf: string, rows: Row[], fxRates?: Record<string, number>): HistoryPoint {
  const active = (
    [customer, currency, mrr]: Row,
  ): CustomerOrg => [`org_${customer}`, customer, "pro", currency, mrr, "active"];
  const point = customerSnapshot(asOf, rows.map(active), { fxRates });
  return fxRates ? point : { ...point, fxRates: undefined };
}

const HISTORY = [
  snapshot("2026-01-31", [
    ["cus_eur", "EUR", 99],
    ["cus_jpy", "JPY", 100.5],
    ["cus_sw", "EUR", 99],
    ["cus_two", "EUR,USD", 150],
  ], { EUR: 1.1, JPY: 0.0067 }),
  snapshot("2026-02-28", [
    ["cus_eur", "EUR", 120],
    ["cus_jpy", "JPY", 100.5],
    ["cus_sw", "USD", 100],
    ["cus_two", "EUR,USD", 160],
    ["cus_usd", "USD", 50],
  ], { EUR: 1.2, JPY: 0.0067 }),
  snapshot("2026-03-31", [
    ["cus_jpy", "JPY", 120.6],
    ["cus_sw", "USD", 100],
    ["cus_two", "EUR,USD", 160],
    ["cus_usd", "USD", 50],
    ["cus_eur2", "EUR", 60],
  ], { EUR: 1.2, JPY: 0.0067 }),
];

const AMOUNTS = ["start", "new", "expansion", "contraction", "churn", "reactivation", "end"];

/** Per "month currency": the amounts in AMOUNTS' order (minor units). */
function amounts(frame: pl.DataFrame): Record<string, number[]> {
  return Object.fromEntries(
    frame.toRecords().map((r) => [
      `${r.month} ${r.currency}`,
      AMOUNTS.map((m) => Number(r[`${m}_minor`])),
    ]),
  );
}

const EXPECTED = {
  //                        start  new   expansion contraction churn react end
  "2026-02-28 EUR": [18000, 0, 1000, 9000, 0, 0, 10000],
  "2026-02-28 JPY": [15000, 0, 0, 0, 0, 0, 15000],
  "2026-02-28 USD": [0, 5000, 10000, 0, 0, 0, 15000],
  [`2026-02-28 ${UNSPLIT}`]: [15000, 0, 1000, 0, 0, 0, 16000],
  "2026-03-31 EUR": [10000, 5000, 0, 0, 10000, 0, 5000],
  "2026-03-31 JPY": [15000, 0, 3000, 0, 0, 0, 18000],
  "2026-03-31 USD": [15000, 0, 0, 0, 0, 0, 15000],
  [`2026-03-31 ${UNSPLIT}`]: [16000, 0, 0, 0, 0, 0, 16000],
};

Deno.test("currency bridges: each currency in its minor units, a switch is contraction in the old and expansion in the new", () => {
  const sums = currencyMovementSums(customerMovements(historyLong(HISTORY)))
    .sort(["idx", "currency"]);
  assertEquals(amounts(sums), EXPECTED);
  // the switcher is no new customer anywhere: one contraction (EUR), one expansion (USD)
  const feb = (currency: string, name: string) =>
    Number(
      sums.filter(
        pl.col("month").eq(pl.lit("2026-02-28")).and(pl.col("currency").eq(pl.lit(currency))),
      )
        .getColumn(`${name}_customers`).get(0),
    );
  assertEquals([feb("EUR", "contraction"), feb("USD", "expansion"), feb("USD", "new")], [1, 1, 1]);
  assertEquals([feb("EUR", "start"), feb("EUR", "end"), feb("USD", "end")], [2, 1, 2]);
  assertEquals(checkCurrencyBridges({ currencies: sums, idxs: [1, 2] }), []);
});

Deno.test("currency bridges: one snapshot at a time (aggregate.ts) gives the same bridges", () => {
  const streamed = bridgeOfSources(HISTORY);
  assertEquals(amounts(streamed.currencies.sort(["idx", "currency"])), EXPECTED);
  // USD first, then the others by code, the unsplit bridge last (the Markdown's order, one rule:
  // currencyRank), then month: each currency's months together
  assertEquals(
    streamed.currencies.select("currency", "month").toRecords().map((r) =>
      `${r.currency} ${r.month}`
    ),
    ["USD", "EUR", "JPY", UNSPLIT].flatMap((c) => [`${c} 2026-02-28`, `${c} 2026-03-31`]),
  );
});

Deno.test("currency bridges: the check names a row that does not balance and a start that is not the previous end", () => {
  const sums = currencyMovementSums(customerMovements(historyLong(HISTORY)));
  const broken = sums.withColumns(
    pl.when(pl.col("currency").eq(pl.lit("JPY")).and(pl.col("idx").eq(2)))
      .then(pl.lit(1)).otherwise(pl.col("new_minor")).cast(pl.Int64).alias("new_minor"),
    pl.when(pl.col("currency").eq(pl.lit("EUR")).and(pl.col("idx").eq(2)))
      .then(pl.lit(9999)).otherwise(pl.col("start_minor")).cast(pl.Int64).alias("start_minor"),
  );
  const failures = checkCurrencyBridges({ currencies: broken, idxs: [1, 2] });
  assertEquals(failures.map((f) => `${f.month} ${f.plan}: ${f.problem}`), [
    "2026-03-31 EUR: movements give 4999 EUR minor units, end is 5000",
    "2026-03-31 EUR: start 9999 is not the previous end 10000 (EUR)",
    "2026-03-31 JPY: movements give 18001 JPY minor units, end is 18000",
  ]);
  ok(failures.every((f) => f.plan !== null));
});

/** A Markdown table's row whose cells start with `first`, `second`: its cells, trimmed. */
function markdownRow(markdown: string, heading: string, asOf: string): string[] {
  const section = markdown.split(`### ${heading}\n`)[1].split("\n### ")[0];
  const line = section.split("\n").find((l) => l.includes(`| ${asOf} `))!;
  return line.split("|").slice(1, -1).map((cell) => cell.trim());
}

Deno.test("currency bridges: the report's Markdown has a section per currency, in its own units and symbol, and reconciles", () => {
  const report = buildHistoryReport(HISTORY, false);
  assertEquals(report.failures, []);
  const markdown = historyMarkdown(report, { files: [] });
  ok(markdown.includes("\n## MRR per currency\n"), markdown);
  // USD first, then the other currencies by code, the unsplit bridge last
  const headings = markdown.split("\n").filter((l) => l.startsWith("### ") && !l.includes("as-of"));
  assertEquals(headings, [
    "### USD (billed in USD)",
    "### EUR",
    "### JPY",
    "### Not split by currency (USD)",
  ]);
  //                   start     new     expansion contraction churn reactivation paused resumed end
  assertEquals(markdownRow(markdown, "EUR", "2026-02-28").slice(1), [
    "2026-02-28",
    ...["€180.00", "€0.00", "€10.00", "-€90.00", "€0.00", "€0.00", "€0.00", "€0.00", "€100.00"],
    "1",
  ]);
  assertEquals(markdownRow(markdown, "EUR", "2026-03-31").slice(2), [
    ...["€100.00", "€50.00", "€0.00", "€0.00", "-€100.00", "€0.00", "€0.00", "€0.00", "€50.00"],
    "1",
  ]);
  // yen, not hundredths of a yen
  assertEquals(markdownRow(markdown, "JPY", "2026-03-31").slice(2), [
    ...["¥15,000", "¥0", "¥3,000", "¥0", "¥0", "¥0", "¥0", "¥0", "¥18,000", "1"],
  ]);
  assertEquals(markdownRow(markdown, "USD (billed in USD)", "2026-02-28").slice(2), [
    ...["$0.00", "$50.00", "$100.00", "$0.00", "$0.00", "$0.00", "$0.00", "$0.00", "$150.00", "2"],
  ]);
  assertEquals(markdownRow(markdown, "Not split by currency (USD)", "2026-02-28").slice(2), [
    ...["$150.00", "$0.00", "$10.00", "$0.00", "$0.00", "$0.00", "$0.00", "$0.00", "$160.00", "1"],
  ]);
  // the USD table is the customers billed in USD, not the company: the MRR history is
  ok(
    markdown.includes(
      "The MRR history above is every customer in USD; here each customer counts in the currency it is billed in, so the USD table holds only the customers billed in USD",
    ),
    markdown,
  );
});

Deno.test("currency bridges: amounts are written after their currency's symbol, or its code where $ would read as USD", () => {
  assertEquals(formatMinor(1250010, "EUR"), "€12,500.10");
  assertEquals(formatMinor(-9000, "EUR"), "-€90.00");
  assertEquals(formatMinor(15000, "JPY"), "¥15,000"); // yen have no minor unit
  assertEquals(formatMinor(123456, "GBP"), "£1,234.56");
  assertEquals(formatMinor(1500, "CHF"), "CHF 15.00");
  assertEquals(formatMinor(1500, "CAD"), "CAD 15.00"); // not $15.00
  assertEquals(formatMinor(1234567, "KWD"), "KWD 1,234.567"); // fils: thousandths
  assertEquals(formatMinor(15000, UNSPLIT), "$150.00"); // the unsplit bridge is in USD cents
  // the workbook's formats, the same way
  assertEquals(currencyNumberFormat("EUR"), '"€"#,##0.00');
  assertEquals(currencyNumberFormat("JPY"), '"¥"#,##0');
  assertEquals(currencyNumberFormat("CHF"), '"CHF "#,##0.00');
  assertEquals(currencyNumberFormat("KWD"), '"KWD "#,##0.000');
  assertEquals(currencyNumberFormat(UNSPLIT), '"$"#,##0.00');
  // a snapshot's code is data: one that would close the format's quoted literal and add
  // sections of its own (`"X"0;"9 "#,##0.00`: negative amounts, contraction and churn, shown
  // without their minus) or pass Excel's 255-character cap on a format is no prefix; the row's
  // currency cell names it
  assertEquals(currencyNumberFormat('X"0;"9'), "#,##0.00");
  assertEquals(currencyNumberFormat("Q".repeat(300)), "#,##0.00");
});

Deno.test("currency bridges: a USD-only history (and one whose only other is unsplit) has no per-currency section", () => {
  const usd = (asOf: string, rows: Row[]) => snapshot(asOf, rows, { EUR: 1.1 });
  const report = buildHistoryReport([
    usd("2026-01-31", [["cus_a", "USD", 50], ["cus_two", "EUR,USD", 10]]),
    usd("2026-02-28", [["cus_a", "USD", 60], ["cus_two", "EUR,USD", 10]]),
  ], false);
  assertEquals(report.failures, []);
  const markdown = historyMarkdown(report, { files: [] });
  ok(!markdown.includes("MRR per currency"), markdown);
});

Deno.test("currency bridges: history report writes …_by_currency.csv (amounts in each currency's units) and names it; resumed state gives the same", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of HISTORY.slice(0, 2)) {
      await writeSnapshot(point.frame, {
        dir,
        asOf: point.asOf,
        demo: false,
        origin: "export",
        fxRates: point.fxRates,
      });
    }
    const stored = await loadMonthlyHistoryPoints(dir, { demo: false });
    await loadHistoryReport(stored, false); // stores the bridge state after February
    const resumed = await loadHistoryReport([...stored, HISTORY[2]], false);
    assertEquals(
      resumed.currencies.toRecords(),
      buildHistoryReport(HISTORY, false).currencies.toRecords(),
    );
    await writeSnapshot(HISTORY[2].frame, {
      dir,
      asOf: HISTORY[2].asOf,
      demo: false,
      origin: "export",
      fxRates: HISTORY[2].fxRates,
    });
    const out = `${dir}/out`;
    const run = await runHistory([
      ...["report", "--live", "--no-charts", "--history-dir", dir, "--out-dir", out],
    ]);
    assertEquals(run.code, 0, run.errors.join("\n"));
    const csv = await Deno.readTextFile(
      `${out}/helicone_pricing_history_2026-03-31_by_currency.csv`,
    );
    const [header, ...lines] = csv.trim().split("\r\n");
    assertEquals(
      header,
      "month,as_of,month_to_date,months_covered,currency,start_mrr,new_mrr,expansion_mrr,contraction_mrr,churn_mrr,reactivation_mrr,paused_mrr,resumed_mrr,end_mrr,start_customers,new_customers,expansion_customers,contraction_customers,churn_customers,reactivation_customers,paused_customers,resumed_customers,end_customers",
    );
    const cells = (currency: string, asOf: string) =>
      lines.find((l) => l.includes(`,${asOf},`) && l.split(",")[4] === currency)!.split(",")
        .slice(5, 14);
    assertEquals(cells("EUR", "2026-02-28"), ["180", "0", "10", "90", "0", "0", "0", "0", "100"]);
    assertEquals(cells("JPY", "2026-03-31"), [
      "15000",
      "0",
      "3000",
      "0",
      "0",
      "0",
      "0",
      "0",
      "18000",
    ]);
    assertEquals(cells(UNSPLIT, "2026-02-28"), ["150", "0", "10", "0", "0", "0", "0", "0", "160"]);
    assertEquals(lines.length, 8);
    // in the Markdown's order: USD, then by code, the unsplit bridge last
    assertEquals(lines.map((l) => l.split(",")[4]), [
      ...["USD", "USD", "EUR", "EUR", "JPY", "JPY", UNSPLIT, UNSPLIT],
    ]);
    const markdown = await Deno.readTextFile(`${out}/helicone_pricing_history_2026-03-31.md`);
    ok(markdown.includes("- `helicone_pricing_history_2026-03-31_by_currency.csv`"), markdown);
    // an export's brief and workbook: the same section after the bridge, and a sheet of the CSV's rows
    const exported = (await exportHistory(dir, { demo: false }))!;
    const section = exported.currencySection?.split("## MRR per currency\n")[1];
    ok(section?.includes("\n### JPY\n"), exported.currencySection);
    ok(!exported.section.includes("MRR per currency"), exported.section); // a section of its own
    ok(
      exported.section.includes("its `history_by_currency` sheet the bridge per billing currency"),
    );
    assertEquals(exported.currencySheet?.name, "history_by_currency");
    assertEquals(exported.currencySheet?.frame.height, 8);
    // printed with month … currency on every page
    assertEquals(exported.currencySheet?.frame.columns.slice(0, 5).at(-1), "currency");
    assertEquals(exported.currencySheet?.printTitleColumns, 5);
    assertEquals(
      exported.currencySheet?.frame.filter(pl.col("currency").eq(pl.lit("JPY")))
        .getColumn("end_mrr").toArray(),
      [15000, 18000],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
