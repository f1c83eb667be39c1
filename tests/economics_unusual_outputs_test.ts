/**
 * The economics probe (tests/economics_unusual_fixture.ts) in the files an analyst reads: the
 * workbook summary's headline and per-plan table (exact sums), the brief's economics section (its
 * per-plan rows as printed, the no-cost-recorded sentence, the price book, PTB timing, the PTB vs
 * BYOK rows) and the economics columns' dictionary text in the workbook, each worked out by hand
 * from the fixture rows.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { planHeader } from "../lib/economics/xlsx_summary.ts";
import { PER_PLAN_COLUMNS } from "../lib/economics/mod.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { summaryPlanTable } from "./summary_plan_table.ts";
import { probeExport } from "./economics_unusual_fixture.ts";

/** Requests per plan (thousands): Pro 2025-12-10 C 1,000 + F 100 + G 100 + I 100; legacy pro A
 * 500 + D 300 + H 400 + K 100; all 4,950. */
const K_PRO = 1.3, K_LEGACY = 1.3, K_ALL = 4.95;

/**
 * Each plan's row by hand (G counts with F, its customer's revenue row; E's team has no plan):
 * organizations, paying, seats, mrr, arpa, mrr/seat, mrr/1k, llm/1k, company llm/1k, PTB share,
 * margin all, margin company, gross profit, negative all, negative company, list, mrr/list.
 */
const PLANS: Record<string, (number | null)[]> = {
  // mrr 79 + 79 + 78; LLM 50 + 1 + 5 + 10 = 66, PTB 5 + 10; revenue 236 + 9.75; company cost
  // 2 + 0.2 + 5.2 + 10.2 = 17.6; list 79 + 79 + 0 + 79, paying 236 against it all
  "Pro 2025-12-10": [
    4,
    3,
    7,
    236,
    236 / 3,
    236 / 7,
    236 / K_PRO,
    66 / K_PRO,
    15 / K_PRO,
    15 / 66 * 100,
    170 / 236 * 100,
    228.15 / 245.75 * 100,
    228.15,
    0,
    0,
    237,
    236 / 237 * 100,
  ],
  // L: 60 against a list of 20 holding its usage (all of mrr): 300 %
  "growth (graduated)": [
    1,
    1,
    2,
    60,
    60,
    30,
    60,
    1,
    0,
    0,
    59 / 60 * 100,
    58 / 60 * 100,
    58,
    0,
    0,
    20,
    300,
  ],
  // mrr 20 + 40 + 88 + 20; LLM 2 + 4 + 4 + 1, PTB 4; revenue 168 + 10, cost 1 + 4.6 + 0.8 + 0.2;
  // list 20 + 40 + 80 + 20
  "pro (seat, legacy)": [
    4,
    4,
    7,
    168,
    42,
    24,
    168 / K_LEGACY,
    11 / K_LEGACY,
    4 / K_LEGACY,
    4 / 11 * 100,
    157 / 168 * 100,
    171.4 / 178 * 100,
    171.4,
    0,
    0,
    160,
    105,
  ],
  // J: 1 USD of PTB cost over 50 requests, nothing charged: a loss of 1.1, no margin
  free: [1, 0, 1, 0, null, null, 0, 20, 20, 100, null, null, -1.1, 0, 0, 0, null],
  "unknown tier (no plan)": [
    1,
    0,
    1,
    0,
    null,
    null,
    0,
    10,
    10,
    100,
    null,
    null,
    -3.6,
    0,
    0,
    null,
    null,
  ],
  "(none)": [1, 1, 1, 200, 200, 200, 200, 300, 300, 100, -50, -51, -102, 1, 1, null, null],
  // every organization: paying seats 19 − B − J; LLM 382, PTB 323; revenue 664 + 19.75, company
  // cost 332.9; list 417 against 236 + 60 + 168 (E has no list price)
  all: [
    12,
    9,
    19,
    664,
    664 / 9,
    664 / 17,
    664 / K_ALL,
    382 / K_ALL,
    323 / K_ALL,
    323 / 382 * 100,
    282 / 664 * 100,
    350.85 / 683.75 * 100,
    350.85,
    1,
    1,
    417,
    464 / 417 * 100,
  ],
};

/** The per-plan columns after `plan`, in the table's order (the order of PLANS' figures). */
const PLAN_COLUMNS = PER_PLAN_COLUMNS.slice(1).map(([name]) => name);

async function sheet(name: string): Promise<unknown[][]> {
  const { result } = await probeExport();
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(result.xlsxPath!);
  return workbook.getWorksheet(name)!.getSheetValues() as unknown[][];
}

const near = (a: unknown, e: number) => typeof a === "number" && Math.abs(a - e) < 1e-9;

Deno.test("economics probe: the workbook summary's headline and per-plan table, exact sums by hand", async () => {
  const rows = await sheet("summary");
  const table = summaryPlanTable(rows);
  assertEquals(PLAN_COLUMNS.length, 17);
  for (const [plan, expected] of Object.entries(PLANS)) {
    PLAN_COLUMNS.forEach((column, i) => {
      const actual = table.cell(plan, planHeader(column));
      const e = expected[i];
      // an unknown figure is an empty cell
      if (e === null) assertEquals(actual, undefined, `${plan} ${column}`);
      else ok(near(actual, e), `${plan} ${column}: expected ${e}, got ${actual}`);
    });
  }
  const kpi = (label: string) => rows.find((r) => r?.[1] === label)!;
  ok(near(kpi("Gross margin, company cost")[2], 350.85 / 683.75 * 100));
  ok(
    String(kpi("Gross margin, company cost")[3]).startsWith(
      "upper bound: 100 pass-through requests had no cost recorded",
    ),
  );
  ok(near(kpi("Gross margin, all LLM cost (spec)")[2], 282 / 664 * 100));
  assertEquals(kpi("MRR")[2], 664);
  assertEquals(kpi("Paying organizations")[2], 9);
});

async function brief(): Promise<string[]> {
  const { result } = await probeExport();
  return (await Deno.readTextFile(result.briefPath)).split("\n");
}

Deno.test("economics probe: the brief's economics section as printed", async () => {
  const lines = await brief();
  const row = (plan: string) => lines.find((line) => line.startsWith(`| ${plan} |`));
  // PLANS rounded: money to the cent (per 1k requests to 4 places), percentages to 0.1
  assertEquals(
    row("Pro 2025-12-10"),
    "| Pro 2025-12-10 | 4 | 3 | 7 | $236.00 | $78.67 | $33.71 | $181.5385 | $50.7692 | $11.5385 | 22.7 % | 72.0 % | 92.8 % | $228.15 | 0 | 0 | $237.00 | 99.6 % |",
  );
  assertEquals(
    row("growth (graduated)"),
    "| growth (graduated) | 1 | 1 | 2 | $60.00 | $60.00 | $30.00 | $60.0000 | $1.0000 | $0.0000 | 0.0 % | 98.3 % | 96.7 % | $58.00 | 0 | 0 | $20.00 | 300.0 % |",
  );
  assertEquals(
    row("pro (seat, legacy)"),
    "| pro (seat, legacy) | 4 | 4 | 7 | $168.00 | $42.00 | $24.00 | $129.2308 | $8.4615 | $3.0769 | 36.4 % | 93.5 % | 96.3 % | $171.40 | 0 | 0 | $160.00 | 105.0 % |",
  );
  assertEquals(
    row("free"),
    "| free | 1 | 0 | 1 | $0.00 | – | – | $0.0000 | $20.0000 | $20.0000 | 100.0 % | – | – | -$1.10 | 0 | 0 | $0.00 | – |",
  );
  assertEquals(
    row("(none)"),
    "| (none) | 1 | 1 | 1 | $200.00 | $200.00 | $200.00 | $200.0000 | $300.0000 | $300.0000 | 100.0 % | -50.0 % | -51.0 % | -$102.00 | 1 | 1 | – | – |",
  );
  assertEquals(
    row("all"),
    "| all | 12 | 9 | 19 | $664.00 | $73.78 | $39.06 | $134.1414 | $77.1717 | $65.2525 | 84.6 % | 42.5 % | 51.3 % | $350.85 | 1 | 1 | $417.00 | 111.3 % |",
  );
  // D's 100 requests of 4,950 (2.0 %), all pass-through the company pays for
  ok(
    lines.includes(
      "100 requests (2.0 % of the window's) had no cost recorded (`requests_cost_unknown_30d`: cost 0 in ClickHouse, e.g. a model the gateway does not price), so LLM cost is a lower bound and `gross_margin_pct` an upper bound for 1 organization; all were pass-through requests the company pays the provider for (`ptb_requests_cost_unknown_30d`), so the company-basis margin is an upper bound for the 1 organization that sent them (their PTB and company cost lower bounds).",
    ),
  );
  // the price book in the order tried, a graduated price's band said as written
  for (
    const line of [
      "- **growth (graduated)**: for tier growth: $5 per seat a month; requests: $10 per 1,000 to 1,000, $4 per 1,000 beyond (graduated); add-ons included",
      "- **pro (seat, legacy)**: for tier pro: $20 per seat a month; at least $20; add-ons prompts $50",
      "- **free**: for tier free: $0 a month flat; add-ons included",
      "- Infrastructure: $2 per 1,000 requests in the window.",
    ]
  ) ok(lines.includes(line), line);
  // PTB timing: E's 300 USD of PTB cost, no PTB revenue: (200 − 2) / 200 without PTB = 99.0 %;
  // G's 5 USD on Pro 2025-12-10: (236 − 2.6) / 236 = 98.9 % without PTB
  const warning = (plan: string) => lines.find((line) => line.startsWith(`- plan "${plan}"`));
  ok(warning("(none)")?.includes("company margin -51.0 %"));
  ok(warning("(none)")?.endsWith("with PTB left out on both sides the margin is 99.0 %"));
  ok(
    warning("Pro 2025-12-10")?.includes(
      "($5.00 of the plan's $15.00 PTB cost, against $9.75 PTB revenue, 30-day basis)",
    ),
  );
  ok(warning("Pro 2025-12-10")?.endsWith("with PTB left out on both sides the margin is 98.9 %"));
  // PTB vs BYOK: gateway only B, D, E, I, J; mixed F + G (one customer); BYOK only A, C, H, K, L
  const traffic = (type: string) => lines.find((line) => line.startsWith(`| ${type} |`));
  assertEquals(
    traffic("gateway only (PTB)"),
    "| gateway only (PTB) | 5 | 0 | 1,750 | 100 | 100 | $318.00 | $318.00 | $321.50 | $318.00 | $19.75 | 0.0 % | 4.8 % |",
  );
  assertEquals(
    traffic("mixed"),
    "| mixed | 2 | 2 | 200 | 0 | 0 | $6.00 | $5.00 | $5.40 | $79.00 | $0.00 | 92.4 % | 93.2 % |",
  );
  assertEquals(
    traffic("BYOK only"),
    "| BYOK only | 5 | 0 | 3,000 | 0 | 0 | $58.00 | $0.00 | $6.00 | $267.00 | $0.00 | 78.3 % | 97.8 % |",
  );
});

/** What each economics column's dictionary text must say the number is. */
const SAYS: Record<string, string[]> = {
  plan: ["first price-book plan matching tier / tier_raw"],
  list_price_mrr: ["per seat × seats or flat fee", "raised to the plan's minimum"],
  ptb_revenue_30d: ["credits bought in the window", "ptb_usage invoices"],
  company_cost_30d: ["llm_cost_ptb_30d + requests_30d / 1000 × PRICING_INFRA_USD_PER_1K_REQUESTS"],
  gross_margin_company_pct: [
    "(mrr + ptb_revenue_30d − company_cost_30d) / (mrr + ptb_revenue_30d) × 100",
  ],
  requests_cost_unknown_30d: ["countIf(cost = 0) in the window"],
  ptb_requests_cost_unknown_30d: ["countIf(cost = 0, PTB, no cache hit)"],
};

Deno.test("economics probe: the workbook's dictionary gives each economics column the text docs/columns.md has", async () => {
  const rows = (await sheet("dictionary")).filter(Boolean);
  const header = rows[0] as unknown[];
  const at = (name: string) => header.indexOf(name);
  const columns = Deno.readTextFileSync(new URL("../docs/columns.md", import.meta.url));
  for (const [name, phrases] of Object.entries(SAYS)) {
    const row = rows.find((r) => r[at("column")] === name)!;
    const column = COLUMNS.find((c) => c.name === name)!;
    assertEquals(row[at("formula")], column.formula, name);
    assertEquals(row[at("description")], column.description, name);
    for (const phrase of phrases) {
      ok(String(row[at("formula")]).includes(phrase), `${name}: ${phrase}`);
    }
    ok(columns.includes(`| \`${name}\``), name);
  }
});

Deno.test("economics probe: the brief's currency line gives its example at the run's rate, not another's", async () => {
  const lines = await brief();
  // H (80 EUR on legacy pro) and I (12,000 JPY on Pro 2025-12-10) are counted; the run's EUR is
  // 1.1 USD: 79 EUR for a 79 USD plan reads 79 × 1.1 / 79 = 110.0 %
  assertEquals(lines.filter((line) => line.startsWith("Currency: ")), [
    "Currency: 2 organizations counted in `mrr_to_list_pct` are billed in EUR and JPY, not USD (plans **pro (seat, legacy)** and **Pro 2025-12-10**): their MRR is converted to USD at `PRICING_FX_RATES` and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (79 EUR for a $79 plan at this run's EUR 1.1: 110.0 %), not a premium, and those plans' `mrr_to_list_pct` moves with the rate.",
  ]);
});

Deno.test("economics probe: an organization no plan of the price book matches is said so, in the warnings and the texts of plan, list_price_mrr and mrr_to_list_pct", async () => {
  const { result } = await probeExport();
  // E, legacy team, 200 USD a month: the probe's book has no team plan (B's unknown tier has one)
  ok(
    result.data.warnings.includes(
      '1 organization with tier "team" matches no plan of the price book (probe_book.json): plan and list_price_mrr empty, in the per-plan row (none) (where it shares a Stripe customer: under the plan of the row carrying its revenue) and left out of mrr_to_list_pct; add a plan matching it, or a last plan without match',
    ),
    result.data.warnings.join("\n"),
  );
  const description = (name: string) => COLUMNS.find((c) => c.name === name)!.description;
  ok(description("plan").includes("Empty where no plan of the price book matches"));
  ok(
    description("list_price_mrr").includes(
      "Empty for enterprise contracts, unknown tiers (no list price) and organizations no plan of the price book matches (plan empty)",
    ),
  );
  // all's 111.3 % leaves E out (no list price), as it leaves out enterprise contracts
  const definition = (await brief()).find((line) => line.startsWith("- `mrr_to_list_pct`: "))!;
  ok(
    definition.includes(
      "(in all, organizations without a list price are left out too: enterprise contracts, unknown tiers and those no plan matches)",
    ),
    definition,
  );
});

Deno.test("economics probe: the brief says an organization created inside the window has a partial month of usage against a month's MRR", async () => {
  const lines = await brief();
  // K, created 2026-10-20 (12 of the window's 30 days): 1 USD of LLM cost, 0.2 USD of company
  // cost against 20 USD a month reads 95 % and 99 %, a full month of its use would read lower
  assertEquals(lines.filter((line) => line.startsWith("Partial month: ")), [
    "Partial month: 1 organization was created inside the window (after its start, 2026-10-02): its `_30d` usage and cost cover only the days since, set against a whole month's `mrr`, so its margins read higher, and a list price on usage lower, than a whole month of its use would make them.",
  ]);
});

Deno.test("economics probe: the workbook summary prints the brief's notes under its per-plan table, as plain text", async () => {
  const rows = await sheet("summary");
  const table = summaryPlanTable(rows);
  const lastHeader = planHeader(PLAN_COLUMNS[PLAN_COLUMNS.length - 1]);
  const allRow = table.rowOf("all", lastHeader);
  // each note from its first row on, its lines (column A, a row each) joined, up to the next
  // note or the first column definition (a name in A, its text in B)
  const notes: string[] = [];
  for (let i = allRow + 1; rows[i]?.[2] === undefined; i++) {
    const text = rows[i]?.[1];
    if (typeof text !== "string") continue;
    if (/^(Currency|Partial month): /.test(text)) notes.push(text);
    else notes[notes.length - 1] += ` ${text}`;
  }
  // the brief's two lines (tests above), without Markdown: no backticks or ** around a plan
  assertEquals(notes, [
    `Currency: 2 organizations counted in mrr_to_list_pct are billed in EUR and JPY, not USD (plans "pro (seat, legacy)" and "Pro 2025-12-10"): their MRR is converted to USD at PRICING_FX_RATES and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (79 EUR for a $79 plan at this run's EUR 1.1: 110.0 %), not a premium, and those plans' mrr_to_list_pct moves with the rate.`,
    "Partial month: 1 organization was created inside the window (after its start, 2026-10-02): its _30d usage and cost cover only the days since, set against a whole month's mrr, so its margins read higher, and a list price on usage lower, than a whole month of its use would make them.",
  ]);
  // then the column definitions, `plan` first
  const definitions = rows.findIndex((row, i) => i > allRow && row?.[1] === "plan");
  ok(definitions > allRow + 2, String(definitions));
});
