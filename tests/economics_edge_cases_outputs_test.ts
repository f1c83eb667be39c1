/**
 * The brief and the workbook on the seven-organization edge-case fixture
 * (tests/economics_edge_cases_fixture.ts): the brief's per-plan table as printed, the workbook
 * summary's exact figures (unknown ones empty), the organizations mrr_to_list_pct sets against
 * the USD price book in another currency, and the unmapped-customers KPI.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { costModelFromEnv, economicsBriefLines } from "../lib/economics/mod.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { planHeader, summarySheetInput, summarySheets } from "../lib/economics/xlsx_summary.ts";
import { nonUsdListed } from "../lib/economics/per_plan.ts";
import { perPlanRunNotesText } from "../lib/economics/run_notes.ts";
import ExcelJS from "exceljs";
import { join } from "node:path";
import { summaryPlanTable } from "./summary_plan_table.ts";
import { economics, EUR, M, MRR_ALL } from "./economics_edge_cases_fixture.ts";

Deno.test("economics edge cases: the brief's per-plan table as printed, rounding said", async () => {
  const { frame, priceBook } = await economics();
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
    priceBook,
    ptbRevenueRead: true,
    windowDays: 30,
  }).flatMap((line) => line.split("\n"));
  const row = (plan: string) => lines.find((line) => line.startsWith(`| ${plan} |`));
  // m: M = $85.6123 → $85.61; M / 3 = 28.537 → $28.54; M / 40 = $2.1403; spec 25.6123 / 85.6123
  //   = 29.92 %; company 62.6123 / 115.6123 = 54.16 %, $62.61 of gross profit; M / 79 = 108.37 %
  assertEquals(
    row("pro 2025-12-10"),
    "| pro 2025-12-10 | 1 | 1 | 3 | $85.61 | $85.61 | $28.54 | $2.1403 | $1.5000 | $1.1250 | 75.0 % | 29.9 % | 54.2 % | $62.61 | 0 | 0 | $79.00 | 108.4 % |",
  );
  // n + q: N = $19.994265 → $19.99; no paying seat: –; N / 5 = $3.9989; 9 / 17 = 52.94 %;
  //   11.994265 / N = 59.99 %; 18.994265 / N = 95.00 % ($18.99: q, its MRR unknown, not
  //   counted); N / 20 = 99.97 %
  assertEquals(
    row("pro (seat, legacy)"),
    "| pro (seat, legacy) | 2 | 1 | 2 | $19.99 | $19.99 | – | $3.9989 | $2.1250 | $1.1250 | 52.9 % | 60.0 % | 95.0 % | $18.99 | 0 | 0 | $60.00 | 100.0 % |",
  );
  // a negative margin with its minus sign; the loss counted on the spec basis only (company:
  //   200 − 100 × 0.2 = $180)
  assertEquals(
    row("team (bundle, legacy)"),
    "| team (bundle, legacy) | 1 | 1 | 6 | $200.00 | $200.00 | $33.33 | $2.0000 | $3.5000 | $0.0000 | 0.0 % | -75.0 % | 90.0 % | $180.00 | 1 | 0 | $200.00 | 100.0 % |",
  );
  // cost without revenue: – on both bases, never -Infinity or NaN; but its loss in dollars is
  //   known, s's 5 + 1 × 0.2 against $0: -$5.20, with its minus sign
  assertEquals(
    row("free"),
    "| free | 2 | 0 | 2 | $0.00 | – | – | $0.0000 | $5.0000 | $5.0000 | 100.0 % | – | – | -$5.20 | 0 | 0 | $0.00 | – |",
  );
  // all: 1,305.606565 → $1,305.61, / 4 = $326.40, / 29 = $45.02, / 346 = $3.7734; 932 / 349 =
  //   $2.6705; 459 / 349 = $1.3152; 459 / 932 = 49.25 %; 382.606565 / 1,305.606565 = 29.30 %;
  //   816.406565 / 1,335.606565 = 61.13 % ($816.41: the plans' 62.6123 + 18.994265 + 180 +
  //   560 (enterprise, r: 1,000 − 440) − 5.2); 305.606565 / 299 = 102.21 %
  assertEquals(
    row("all"),
    "| all | 7 | 4 | 33 | $1,305.61 | $326.40 | $45.02 | $3.7734 | $2.6705 | $1.3152 | 49.2 % | 29.3 % | 61.1 % | $816.41 | 1 | 0 | $339.00 | 102.2 % |",
  );
  // the plans' MRR as printed adds up to $1,305.60 (85.61 + 19.99 + 200 + 1,000 + 0), all's is
  // the exact sum rounded: the brief says so
  ok(
    lines.some((line) =>
      line.includes(
        "Each cell is rounded from exact sums, `all`'s too (MRR converted from another currency has fractions of a cent), so the plans' `mrr` and `list_price_mrr` as shown can add up to a few cents more or less than `all`'s.",
      )
    ),
  );
  // the headline: company 61.1 %, spec 29.3 %, MRR as all's
  ok(lines.includes(
    "| Gross margin, company cost | 61.1 % | (MRR + PTB revenue − PTB LLM cost − infrastructure) / (MRR + PTB revenue), every organization with known revenue, free and shared-customer ones' cost included |",
  ));
  ok(lines.some((line) => line.startsWith("| Gross margin, all LLM cost (spec) | 29.3 % |")));
  ok(lines.includes("| MRR | $1,305.61 | spec MRR, known values |"));
  // enterprise: r's $400 PTB cost without PTB revenue, named under the table; its figures are
  // its warning's (the next test), not said again
  ok(lines.includes(
    "PTB timing (why PTB revenue and PTB cost can differ in a window: Cost model, below): it pulls down the company margin of **enterprise (contract)** (the warnings give the figures).",
  ));
  // an empty mrr_per_seat is explained for a paying plan without seats too
  ok(lines.some((line) =>
    line.startsWith("- `mrr_per_seat`: ") &&
    line.endsWith("(empty when none pays, or the paying ones have no seats)")
  ));
});

Deno.test("economics edge cases: the workbook's summary holds the exact figures, unknown ones empty", async () => {
  const { frame, priceBook } = await economics();
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "edge.xlsx");
    await writeXlsxFile(frame, path, {
      leadSheets: summarySheets(summarySheetInput(frame, {
        costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
        priceBook,
        ptbRevenueRead: true,
        windowDays: 30,
        asOf: new Date("2026-11-01T00:00:00Z"),
        demo: false,
        chartsNotDrawn: "not drawn in this test",
      })),
      documentDate: new Date("2026-11-01T00:00:00Z"),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
    const table = summaryPlanTable(rows);
    const cell = (plan: string, column: string) => table.cell(plan, planHeader(column));
    // exact sums, not the brief's rounded ones: Excel rounds them only as it shows them
    ok(Math.abs((cell("all", "mrr") as number) - MRR_ALL) < 1e-9);
    ok(Math.abs((cell("pro 2025-12-10", "mrr") as number) - M) < 1e-9);
    assertEquals(cell("team (bundle, legacy)", "margin_all_pct"), -75);
    // no margin, no paying seat, no list price: empty cells (the sheet's note says so)
    assertEquals(cell("free", "margin_all_pct"), undefined);
    assertEquals(cell("free", "margin_company_pct"), undefined);
    assertEquals(cell("pro (seat, legacy)", "mrr_per_seat"), undefined);
    assertEquals(cell("enterprise (contract)", "list_price_mrr"), undefined);
    ok(rows.some((r) =>
      typeof r?.[1] === "string" &&
      r[1].includes("has no margin (–, an empty cell in the workbook)")
    ));
    const find = (label: string) => rows.find((r) => r?.[1] === label)!;
    ok(
      Math.abs(
        (find("Gross margin, company cost")[2] as number) -
          (MRR_ALL + 30 - 519.2) / (MRR_ALL + 30) * 100,
      ) < 1e-9,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("economics edge cases: the brief counts the organizations mrr_to_list_pct sets against the USD price book in another currency", async () => {
  const { frame, priceBook } = await economics();
  const brief = (data: pl.DataFrame, fxRates?: Record<string, number>) =>
    economicsBriefLines(data, {
      costModel: costModelFromEnv({}),
      priceBook,
      ptbRevenueRead: true,
      windowDays: 30,
    }, { fxRates }).flatMap((line) => line.split("\n"));
  // m (79 EUR on pro 2025-12-10: 108.4 % of its $79) and n (18.45 EUR on legacy pro) pay in EUR;
  // q's GBP is unconverted (mrr empty: not counted), p and r pay USD
  const lines = brief(frame, { EUR, GBP: 1.27 });
  const currency = lines.filter((line) => line.startsWith("Currency: "));
  const sentence = (example: string) =>
    `Currency: 2 organizations counted in \`mrr_to_list_pct\` are billed in EUR, not USD (plans **pro 2025-12-10** and **pro (seat, legacy)**): their MRR is converted to USD at \`PRICING_FX_RATES\` and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (${example}), not a premium, and those plans' \`mrr_to_list_pct\` moves with the rate.`;
  assertEquals(currency, [sentence("79 EUR for a $79 plan at this run's EUR 1.0837: 108.4 %")]);
  // without the run's rates, the example names none
  assertEquals(brief(frame).filter((line) => line.startsWith("Currency: ")), [
    sentence("79 EUR for a $79 plan reads 100 × its rate in USD"),
  ]);
  // the column's definition says it where the figure is defined
  const definition = lines.find((line) => line.startsWith("- `mrr_to_list_pct`: "))!;
  ok(definition.includes("it reads the exchange rate (79 EUR for a $79 plan"), definition);
  // n billed in USD: m alone, one organization on one plan
  const mAlone = frame.withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("n"))).then(pl.lit("USD")).otherwise(pl.col("currency"))
      .alias("currency"),
  );
  assertEquals(brief(mAlone, { EUR }).filter((line) => line.startsWith("Currency: ")), [
    "Currency: 1 organization counted in `mrr_to_list_pct` is billed in EUR, not USD (plans **pro 2025-12-10**): their MRR is converted to USD at `PRICING_FX_RATES` and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (79 EUR for a $79 plan at this run's EUR 1.0837: 108.4 %), not a premium, and those plans' `mrr_to_list_pct` moves with the rate.",
  ]);
  // n billed in GBP, a rate for GBP alone: the example is at the first currency with a rate
  const nInGbp = frame.withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("n"))).then(pl.lit("GBP")).otherwise(pl.col("currency"))
      .alias("currency"),
  );
  const example = brief(nInGbp, { GBP: 1.27 }).find((line) => line.startsWith("Currency: "))!;
  ok(example.includes(" are billed in EUR and GBP, not USD "), example);
  ok(example.includes("(79 GBP for a $79 plan at this run's GBP 1.27: 127.0 %)"), example);
  // everyone billed in USD: no such line
  const usd = frame.withColumns(pl.lit("USD").alias("currency"));
  assertEquals(brief(usd).filter((line) => line.startsWith("Currency: ")), []);
});

Deno.test("economics edge cases: non-USD listed organizations from currency cells in any case, blanks or several codes", async () => {
  const { frame } = await economics();
  // m pays in USD and EUR (EUR counted); n's " usd " and p's "USD," with a byte-order mark (which
  // the split trims: left to it, not to Polars' prefilter) are USD alone; r is an enterprise
  // contract without a list price (not counted whatever its currency)
  const cells = frame.withColumns(
    pl.Series("currency", ["usd, eur", " usd ", null, "USD,\uFEFF", "GBP", "chf", null]),
  );
  assertEquals(nonUsdListed(cells), {
    organizations: 1,
    currencies: ["EUR"],
    plans: ["pro 2025-12-10"],
  });
  // n in lower-case Swiss francs and m in euros: both counted, currencies sorted, plans in order
  const two = frame.withColumns(
    pl.Series("currency", ["EUR", " chf", null, "USD", "GBP", "USD", null]),
  );
  assertEquals(nonUsdListed(two), {
    organizations: 2,
    currencies: ["CHF", "EUR"],
    plans: ["pro 2025-12-10", "pro (seat, legacy)"],
  });
});

Deno.test("the workbook's unmapped-customers KPI: MRR only in a currency without a rate is unknown (empty), not $0; with some in USD, their sum", async () => {
  const { frame, priceBook } = await economics();
  const kpiOf = (unmappedCustomers: Parameters<typeof summarySheetInput>[1]["unmappedCustomers"]) =>
    summarySheetInput(frame, {
      costModel: costModelFromEnv({}),
      priceBook,
      ptbRevenueRead: true,
      windowDays: 30,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      unmappedCustomers,
    }).kpis.find((k) => k.label === "MRR not in this export (unmapped Stripe customers)");
  // 3 customers whose MRR is in GBP with no rate: none is in any sum
  const unconverted = kpiOf({
    customers: 0,
    mrrUsd: 0,
    mrrRecurringUsd: 0,
    unknownMrrCustomers: 3,
  });
  assertEquals(unconverted?.value, null);
  ok(unconverted?.basis.startsWith("3 Stripe customers that"), unconverted?.basis);
  // 2 in USD ($250) and 1 unconverted: the $250 known, the sentence says the one left out
  const some = kpiOf({ customers: 2, mrrUsd: 250, mrrRecurringUsd: 220, unknownMrrCustomers: 1 });
  assertEquals(some?.value, 250);
});

Deno.test("the partial-month note counts organizations created after the window's start, not at it (those had the whole window)", () => {
  const windowStart = new Date("2026-10-02T00:00:00Z");
  const notes = (created: string[]) =>
    perPlanRunNotesText(
      pl.DataFrame({ created_at: created.map((at) => new Date(at)) }),
      { windowStart },
    );
  // one at the very start, one before it, one a second after it: one created inside
  assertEquals(
    notes(["2026-10-02T00:00:00Z", "2026-09-01T00:00:00Z", "2026-10-02T00:00:01Z"]),
    [
      "Partial month: 1 organization was created inside the window (after its start, 2026-10-02): its _30d usage and cost cover only the days since, set against a whole month's mrr, so its margins read higher, and a list price on usage lower, than a whole month of its use would make them.",
    ],
  );
  assertEquals(notes(["2026-10-02T00:00:00Z", "2026-09-01T00:00:00Z"]), []);
});
