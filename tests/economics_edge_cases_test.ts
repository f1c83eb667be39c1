/**
 * lib/economics/ on a seven-organization fixture built for the edge cases: MRR in two currencies
 * (USD, EUR converted at a rate that leaves fractions of a cent) and one a rate was missing for
 * (GBP, unconverted: mrr empty), PTB and BYOK traffic, an organization with no seats, a free one
 * with no usage, a negative spec margin, a plan whose company margin PTB timing pulls down and a
 * plan with cost and no revenue. Every expected number is worked out by hand in the comments.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  addEconomicsColumns,
  costModelFromEnv,
  economicsBriefLines,
  headlineKpis,
  loadPriceBook,
  planEconomics,
} from "../lib/economics/mod.ts";
import { addMetricColumns } from "../lib/frame/metrics.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { planHeader, summarySheetInput, summarySheets } from "../lib/economics/xlsx_summary.ts";
import { nonUsdListed } from "../lib/economics/per_plan.ts";
import ExcelJS from "exceljs";
import { join } from "node:path";
import { summaryPlanTable } from "./summary_plan_table.ts";
import type { CustomerRevenue, RevenueResult } from "../lib/revenue/types.ts";

/** EUR → USD, as PRICING_FX_RATES would give it: 79 EUR = $85.6123, 18.45 EUR = $19.994265. */
const EUR = 1.0837;

/**
 * 30-day window, infrastructure $0.20 per 1,000 requests (company cost = PTB cost + that):
 * m pro-20251210, EUR, 3 seats, 79 EUR, 40,000 requests, LLM $60 (PTB $45, BYOK $15), PTB rev. $30
 * n legacy pro, EUR, 0 seats (its members left), 18.45 EUR, 5,000 requests, LLM $8 all BYOK
 * o free, no Stripe customer, 1 seat, no usage at all
 * p legacy team, USD, 6 seats, $200, 100,000 requests, LLM $350 all BYOK: spec margin −75 %
 * q legacy pro, GBP without a rate (unconverted: mrr empty), 2 seats, 3,000 requests, PTB $9
 * r enterprise, USD, 20 seats, $1,000, 200,000 requests, LLM $500 (PTB $400), PTB revenue $0:
 *   spends credits bought before the window (PTB timing)
 * s free on a Stripe customer, $0, 1 seat, 1,000 requests, PTB $5, PTB revenue $0
 */
function fixture(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["m", "n", "o", "p", "q", "r", "s"],
    org_name: ["M", "N", "O", "P", "Q", "R", "S"],
    tier: ["pro", "pro", "free", "team", "pro", "enterprise", "free"],
    tier_raw: ["pro-20251210", "pro", "free", "team-20250130", "pro", "enterprise", "free"],
    stripe_customer_id: ["cus_m", "cus_n", null, "cus_p", "cus_q", "cus_r", "cus_s"],
    seats: [3, 0, 1, 6, 2, 20, 1],
    active_users_30d: [3, 0, 0, 6, 2, 15, 1],
    requests_30d: [40_000, 5_000, 0, 100_000, 3_000, 200_000, 1_000],
    llm_cost_30d: [60, 8, 0, 350, 9, 500, 5],
    llm_cost_ptb_30d: [45, 0, 0, 0, 9, 400, 5],
    llm_cost_byok_30d: [15, 8, 0, 350, 0, 100, 0],
    addon_prompts: [0, 0, 0, 0, 0, 0, 0],
    mrr: [79 * EUR, 18.45 * EUR, 0, 200, null, 1000, 0],
    mrr_recurring: [79 * EUR, 18.45 * EUR, 0, 200, null, 1000, 0],
    currency: ["EUR", "EUR", null, "USD", "GBP", "USD", null],
    revenue_source: [
      "stripe",
      "stripe",
      "no_customer",
      "stripe",
      "unconverted",
      "stripe",
      "stripe",
    ],
  });
}

/** PTB revenue per customer in USD; q's (GBP, no rate) is not known. */
function revenue(): RevenueResult {
  const ptb: Record<string, number | undefined> = {
    cus_m: 30,
    cus_n: 0,
    cus_p: 0,
    cus_q: undefined,
    cus_r: 0,
    cus_s: 0,
  };
  const byCustomer = new Map<string, CustomerRevenue>();
  for (const [id, usd] of Object.entries(ptb)) {
    const customer = { customerId: id } as CustomerRevenue;
    if (usd !== undefined) customer.ptbRevenueUsd30d = usd;
    byCustomer.set(id, customer);
  }
  return { source: "stripe", byCustomer, warnings: [], apiCalls: 0, durationMs: 0, failed: false };
}

async function economics() {
  const priceBook = await loadPriceBook();
  const result = addEconomicsColumns(addMetricColumns(fixture(), { windowDays: 30 }), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
    priceBook,
    revenue: revenue(),
    windowDays: 30,
  });
  return { ...result, priceBook };
}

const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray() as unknown[];

function closeList(actual: unknown[], expected: (number | null)[], what: string) {
  assertEquals(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as number | null;
    if (e === null) assertEquals(a, null, `${what}[${i}]: expected empty, got ${a}`);
    else ok(a !== null && Math.abs(a - e) < 1e-9, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

const M = 79 * EUR; // 85.6123
const N = 18.45 * EUR; // 19.994265

Deno.test("economics edge cases: every row's metric and economics column by hand", async () => {
  const { frame } = await economics();
  const c = (name: string) => column(frame, name);
  //                        m       n     o     p        q     r       s
  // LLM cost / seats: n has no seats, o none of either
  closeList(c("cost_per_seat"), [20, null, 0, 350 / 6, 4.5, 25, 5], "cost_per_seat");
  closeList(c("revenue_per_seat"), [M / 3, null, 0, 200 / 6, null, 50, 0], "revenue_per_seat");
  // LLM cost / requests: o has no requests
  closeList(
    c("cost_per_request"),
    [0.0015, 0.0016, null, 0.0035, 0.003, 0.0025, 0.005],
    "cost_per_request",
  );
  closeList(
    c("revenue_per_request"),
    [M / 40_000, N / 5_000, null, 0.002, null, 0.005, 0],
    "revenue_per_request",
  );
  // (mrr − llm_cost_30d) / mrr: p (200 − 350) / 200 = −75 %; no MRR (o, s) or unknown (q): empty,
  // never −Infinity
  closeList(
    c("gross_margin_pct"),
    [(M - 60) / M * 100, (N - 8) / N * 100, null, -75, null, 50, null],
    "gross_margin_pct",
  );
  closeList(
    c("seat_utilization_pct"),
    [100, null, 0, 100, 100, 75, 100],
    "seat_utilization_pct",
  );
  closeList(c("ptb_cost_share_pct"), [75, 0, null, 0, 100, 80, 100], "ptb_cost_share_pct");
  assertEquals(c("plan"), [
    "pro 2025-12-10",
    "pro (seat, legacy)",
    "free",
    "team (bundle, legacy)",
    "pro (seat, legacy)",
    "enterprise (contract)",
    "free",
  ]);
  // m $79 flat (metered requests billed by Stripe, not listed); n 0 seats × $20 raised to the
  // $20 minimum; q 2 × $20; p $200 flat; r a contract (no list price); free $0
  closeList(c("list_price_mrr"), [79, 20, 0, 200, 40, null, 0], "list_price_mrr");
  // q: its customer's PTB revenue is not known (GBP without a rate)
  closeList(c("ptb_revenue_30d"), [30, 0, 0, 0, null, 0, 0], "ptb_revenue_30d");
  // PTB cost + requests / 1,000 × $0.20: m 45 + 8; n 0 + 1; o 0; p 0 + 20; q 9 + 0.6;
  // r 400 + 40; s 5 + 0.2
  closeList(c("company_cost_30d"), [53, 1, 0, 20, 9.6, 440, 5.2], "company_cost_30d");
  // (mrr + PTB revenue − company cost) / (mrr + PTB revenue): m (M + 30 − 53) / (M + 30);
  // n (N − 1) / N; p 180 / 200; r 560 / 1,000; o and s revenue 0 → empty; q mrr unknown → empty
  closeList(
    c("gross_margin_company_pct"),
    [(M - 23) / (M + 30) * 100, (N - 1) / N * 100, null, 90, null, 56, null],
    "gross_margin_company_pct",
  );
});

/** Σ mrr over the organizations whose MRR is known: every one but q. */
const MRR_ALL = M + N + 1200; // 1,305.606565

Deno.test("economics edge cases: the per-plan table, every cell by hand", async () => {
  const { frame, priceBook } = await economics();
  const rows = planEconomics(frame, { book: priceBook, windowDays: 30 });
  const expected: Record<string, (number | null)[]> = {
    // organizations, paying, seats, mrr, arpa, mrr/seat, mrr/1k, llm/1k, company llm/1k,
    // ptb share, margin all, margin company, negative all, negative company, list, mrr/list
    // m: M / 3 seats; M / 40 (k requests); 60 / 40; 45 / 40; company (M + 30 − 53) / (M + 30);
    //    list $79 against recurring M (its metered requests have no list price): 108.4 %
    "pro 2025-12-10": [
      1,
      1,
      3,
      M,
      M,
      M / 3,
      M / 40,
      1.5,
      1.125,
      75,
      (M - 60) / M * 100,
      (M - 23) / (M + 30) * 100,
      0,
      0,
      79,
      M / 79 * 100,
    ],
    // n + q: q's MRR is unknown (GBP, no rate), so it is neither paying nor free and its cost
    //   and requests stay out of the ratios set against MRR; its requests and LLM cost count in
    //   the per-request cost ratios (17 / 8k, 9 / 8k) and its $40 list price in the list sum.
    //   The only paying organization, n, has no seats: mrr_per_seat empty, not infinite.
    //   mrr_to_list: n alone, N / 20
    "pro (seat, legacy)": [
      2,
      1,
      2,
      N,
      N,
      null,
      N / 5,
      17 / 8,
      9 / 8,
      900 / 17,
      (N - 8) / N * 100,
      (N - 1) / N * 100,
      0,
      0,
      60,
      N / 20 * 100,
    ],
    // p: spec (200 − 350) / 200 = −75 %, a loss on the spec basis only: company (200 − 20) / 200
    "team (bundle, legacy)": [
      1,
      1,
      6,
      200,
      200,
      200 / 6,
      2,
      3.5,
      0,
      0,
      -75,
      90,
      1,
      0,
      200,
      100,
    ],
    // r: (1,000 − 500) / 1,000; company (1,000 − 440) / 1,000; a contract: no list price
    "enterprise (contract)": [
      1,
      1,
      20,
      1000,
      1000,
      50,
      5,
      2.5,
      2,
      80,
      50,
      56,
      0,
      0,
      null,
      null,
    ],
    // o + s: cost ($5.20 company) and no revenue: no margin on either basis (empty, not −∞);
    //   MRR $0 over s's 1,000 requests (o has none): $0 per 1,000; list $0, nobody pays: no ratio
    "free": [2, 0, 2, 0, null, null, 0, 5, 5, 100, null, null, 0, 0, 0, null],
    // all: 7 organizations, 4 paying (m, n, p, r), 33 seats of which 29 paying (3 + 0 + 6 + 20);
    //   requests with known MRR 346,000 (q's 3,000 left out), all 349,000; LLM 932, PTB 459;
    //   spec cost 932 − q's 9 = 923; company revenue MRR_ALL + 30, cost 53 + 1 + 0 + 20 + 440
    //   + 5.2 = 519.2 (q's 9.6 left out); list 79 + 20 + 0 + 200 + 40 + 0 = 339; mrr_to_list
    //   (M + N + 200) / (79 + 20 + 200)
    "all": [
      7,
      4,
      33,
      MRR_ALL,
      MRR_ALL / 4,
      MRR_ALL / 29,
      MRR_ALL / 346,
      932 / 349,
      459 / 349,
      45900 / 932,
      (MRR_ALL - 923) / MRR_ALL * 100,
      (MRR_ALL + 30 - 519.2) / (MRR_ALL + 30) * 100,
      1,
      0,
      339,
      (M + N + 200) / 299 * 100,
    ],
  };
  assertEquals(rows.map((r) => r.plan), Object.keys(expected));
  const columns = [
    "organizations",
    "paying_organizations",
    "seats",
    "mrr",
    "arpa",
    "mrr_per_seat",
    "mrr_per_1k_requests",
    "llm_cost_per_1k_requests",
    "company_llm_cost_per_1k_requests",
    "ptb_cost_share_pct",
    "margin_all_pct",
    "margin_company_pct",
    "negative_margin_all",
    "negative_margin_company",
    "list_price_mrr",
    "mrr_to_list_pct",
  ] as const;
  for (const row of rows) {
    closeList(columns.map((c) => row[c] as number | null), expected[row.plan], row.plan);
  }
  // the headline is the all row's
  const kpis = headlineKpis(frame, { windowDays: 30 });
  closeList(
    kpis.map((k) => k.value),
    [
      (MRR_ALL + 30 - 519.2) / (MRR_ALL + 30) * 100,
      (MRR_ALL - 923) / MRR_ALL * 100,
      MRR_ALL,
      4,
    ],
    "headline",
  );
  assertEquals(
    kpis[3].basis,
    "MRR > 0, of the 6 organizations with MRR on their own row (1 with unknown MRR: empty mrr, not counted)",
  );
});

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

Deno.test("economics edge cases: the warnings name the plan PTB timing pulls down, with its figures", async () => {
  const { warnings } = await economics();
  // r: $400 of enterprise's $400 PTB cost against $0 PTB revenue; 56 % with it, 96 % without
  // (infrastructure set, every plan prices someone but team 2025-12-10)
  assertEquals(warnings, [
    'plan "team 2025-12-10" prices no organization in this data: no organization fits its match',
    'plan "enterprise (contract)": company margin 56.0 % counts PTB cost of 1 organization with no PTB revenue in the window ($400.00 of the plan\'s $400.00 PTB cost, against $0.00 PTB revenue, 30-day basis): PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB; with PTB left out on both sides the margin is 96.0 %',
  ]);
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
  const brief = (data: pl.DataFrame) =>
    economicsBriefLines(data, {
      costModel: costModelFromEnv({}),
      priceBook,
      ptbRevenueRead: true,
      windowDays: 30,
    }).flatMap((line) => line.split("\n"));
  // m (79 EUR on pro 2025-12-10: 108.4 % of its $79) and n (18.45 EUR on legacy pro) pay in EUR;
  // q's GBP is unconverted (mrr empty: not counted), p and r pay USD
  const lines = brief(frame);
  const currency = lines.filter((line) => line.startsWith("Currency: "));
  assertEquals(currency, [
    "Currency: 2 organizations counted in `mrr_to_list_pct` are billed in EUR, not USD (plans **pro 2025-12-10** and **pro (seat, legacy)**): their MRR is converted to USD at `PRICING_FX_RATES` and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (79 EUR for a $79 plan at EUR 1.0837: 108.4 %), not a premium, and those plans' `mrr_to_list_pct` moves with the rate.",
  ]);
  // the column's definition says it where the figure is defined
  const definition = lines.find((line) => line.startsWith("- `mrr_to_list_pct`: "))!;
  ok(definition.includes("it reads the exchange rate (79 EUR for a $79 plan"), definition);
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
