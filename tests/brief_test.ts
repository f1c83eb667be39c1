/**
 * The Markdown brief: every column of the column table is described, and every number it quotes
 * matches the five-organization fixture below (arithmetic in the comments).
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import pl from "nodejs-polars";
import { golden, goldenDemoData } from "./fixtures/golden_demo.ts";
import { COLUMNS, unitInWords } from "../lib/frame/columns.ts";
import {
  type BriefData,
  briefMarkdown,
  DATA_IS_DATA,
  HISTORY_COMPARE,
  PRICE_CHANGE_TOOLS,
  quantile,
  SUGGESTED_QUESTIONS,
  suggestedQuestions,
  trimAboveBytesFromEnv,
  trimmedExportFrame,
  trimmedFloorBytes,
  trimmedKeepMask,
  trimmedPlan,
  trimmedRowCount,
} from "../lib/report/brief.ts";
import { writeExportBrief } from "../lib/report/brief_file.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { segmentFrames } from "../lib/report/segments.ts";
import {
  distributionSection,
  NEGATIVE_COMPANY_MARGIN_COUNTED,
  PAYING_MRR_LABEL,
  tierSection,
  totalsSection,
} from "../lib/report/brief_sections.ts";
import { frameWithLosingSharedCustomer } from "./economics_fixture.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "../lib/economics/customer_margins.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { HELP as SCENARIO_HELP } from "../lib/cli/scenario.ts";
import { HELP as COMPARE_HELP } from "../lib/cli/compare.ts";
import { TOOLS as MCP_TOOLS } from "./mcp_client.ts";

/**
 * o1 free, no requests            o2 free, 1,000 requests       o3 pro, margin (80 − 50)/80 = 37.5 %
 * o4 pro, margin (40 − 300)/40 = −650 %                          o5 enterprise, MRR unknown
 */
const frame = exportFrameFromColumns({
  org_id: ["o1", "o2", "o3", "o4", "o5"],
  tier: ["free", "free", "pro", "pro", "enterprise"],
  seats: [1, 2, 4, 2, 10],
  active_users_30d: [1, 1, 2, 2, 5],
  requests_30d: [0, 1_000, 20_000, 100_000, 500_000],
  llm_cost_30d: [0, 3, 50, 300, 1000],
  llm_cost_ptb_30d: [0, 0, 20, 300, 0],
  mrr: [0, 0, 80, 40, null],
  mrr_recurring: [0, 0, 80, 40, null],
  gross_margin_pct: [null, null, 37.5, -650, null],
  seat_utilization_pct: [100, 50, 50, 100, 50],
  is_ptb: [false, false, true, true, false],
  is_byok: [false, true, true, false, true],
  has_gateway_only: [false, false, false, true, false],
});

const data: BriefData = {
  frame,
  asOf: new Date("2026-11-01T00:00:00Z"),
  windowDays: 30,
  demo: false,
  warnings: ["Stripe: 1 customer unknown to Stripe"],
  revenue: { source: "stripe" },
};

const CSV = "helicone_pricing_data_2026-11-01.csv";

/** Totals' negative-margin line: organizations of loss-making customers, as the segment counts. */
const NEGATIVE_LINE =
  "organizations of Stripe customers with negative gross margin, spec basis (a shared customer judged as one: its organizations' LLM cost against its MRR), of those whose customer's MRR is known";

Deno.test("the brief describes every column of the column table", () => {
  const brief = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] });
  for (const c of COLUMNS) {
    ok(
      brief.includes(`| \`${c.name}\` | ${c.type} | ${unitInWords(c.unit)} | ${c.source} |`),
      c.name,
    );
  }
  // a percent column holds 96.6 for 96.6 %, and its unit says so
  ok(brief.includes(
    "| `gross_margin_pct` | number | percent: 96.6 means 96.6 % (÷ 100 for a fraction) | Derived |",
  ));
  ok(brief.includes("`llm_cost_ptb_30d` is the part the company pays"));
  ok(brief.includes("`usage_charges` is what Stripe billed for the most recent closed period"));
  ok(brief.includes("Do not read an empty `mrr` as $0"));
  ok(brief.includes("1. Show me organizations with high usage but low revenue."));
  ok(brief.includes("- Stripe: 1 customer unknown to Stripe"));
  ok(!brief.includes("DEMO"));
});

Deno.test("the brief tells spreadsheet users to open the XLSX, not the CSV", () => {
  const lines = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] }).split("\n");
  ok(lines.includes(
    "The CSV is for tools and AI upload; to read the data in a spreadsheet, open the XLSX (written by default, not with `--format csv` alone): a spreadsheet's CSV import turns text that looks like a number or date (an `org_name` such as `00123`, `1.50E+10`, `2026-01-02` or `50%`) into one, and LibreOffice's default import reads this BOM-less UTF-8 file in a legacy charset; the XLSX keeps text as text.",
  ));
  // no CSV, no note on it
  const xlsxOnly = briefMarkdown({ data, exportFiles: [{ name: "x.xlsx", bytes: 2048 }] });
  ok(!xlsxOnly.includes("The CSV is for tools"));
});

/** The numbered questions of a brief, the line above them and the one after. */
function questionsOf(brief: string): string[] {
  const start = brief.indexOf("## Questions to ask\n\n") + "## Questions to ask\n\n".length;
  return brief.slice(start).split("\n").filter((line) => line !== "");
}

Deno.test("questions: a 30-day brief's are the spec's, word for word", () => {
  const month = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] });
  assertEquals(questionsOf(month), [
    "1. Show me organizations with high usage but low revenue.",
    "2. What would revenue be if we charged 2% of LLM cost instead of seat-based?",
    "3. Who are our most and least profitable customers?",
    "4. Find free users who should be on paid plans.",
    "5. Calculate breakeven pricing tiers.",
    "6. Underpriced customers: high `requests_30d` or `llm_cost_30d` but low `mrr`.",
    "7. Upgrade candidates: `tier = free` with high usage.",
    "8. Churn risk: negative gross margin (`llm_cost_30d > mrr`).",
    "9. Pricing model comparison: seat-based (`mrr` vs `seats`), usage-based (`mrr` vs `requests_30d`), % of cost (`mrr` vs `llm_cost_30d × percentage`).",
    "10. Feature adoption: who uses the prompts add-on (`addon_prompts`, `addons_in_metadata`, `prompts_used_30d`)? Should it be included in base tiers?",
    "11. PTB vs BYOK: should gateway-only customers (`has_gateway_only`) be priced differently?",
    PRICE_CHANGE_TOOLS,
  ]);
  assertEquals(suggestedQuestions(30), [...SUGGESTED_QUESTIONS]);
});

Deno.test("after the questions the brief names the scenario tool, as the kit has it: its task, --input, examples, the MCP tool", async () => {
  const brief = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] });
  // the brief's last line: where the reader goes for what a price change would do
  assertEquals(brief.trimEnd().split("\n").at(-1), PRICE_CHANGE_TOOLS);
  assertEquals(
    PRICE_CHANGE_TOOLS,
    "For what a price change would do, the kit prices every organization under a proposed price list, compares it with current MRR and can solve one price for breakeven: `deno task scenario <scenario.json> --input <this export>` (examples in `scenarios/`), or its MCP server's `run_scenario` tool (`deno task mcp`).",
  );
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  ok(tasks.scenario.endsWith(" lib/cli/scenario.ts"));
  ok(tasks.mcp.endsWith(" lib/mcp/main.ts"));
  ok(SCENARIO_HELP.startsWith("Usage: deno task scenario <scenario.json>"));
  ok(/^ {2}--input FILE {9}an export of this kit/m.test(SCENARIO_HELP));
  // (the MCP tests check this list against the server's tools/list)
  ok(MCP_TOOLS.includes("run_scenario"));
  const examples = [...Deno.readDirSync(new URL("../scenarios/", import.meta.url))]
    .filter((entry) => entry.name.endsWith(".json"));
  ok(examples.length > 0);
});

Deno.test("under the MRR history the brief names the comparison, as the kit has it; no history, no pointer", async () => {
  const history = "## MRR history 2026-10\n\n(the bridge)";
  const lines = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }], history })
    .split("\n");
  assertEquals(lines[lines.indexOf("(the bridge)") + 2], HISTORY_COMPARE);
  ok(!briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] }).includes(HISTORY_COMPARE));
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  ok(tasks.compare.endsWith(" lib/cli/compare.ts"));
  ok(COMPARE_HELP.startsWith("Usage: deno task compare <old export> <new export>"));
  // what the pointer promises, the comparison's Markdown has (tests/compare_test.ts checks them)
  ok(HISTORY_COMPARE.includes("`deno task compare <earlier export's CSV> <this CSV>`"));
});

Deno.test("questions: a 7-day brief sets every window figure against mrr on a 30-day basis", () => {
  const week = briefMarkdown({
    data: { ...data, windowDays: 7 },
    exportFiles: [{ name: CSV, bytes: 2048 }],
  });
  const questions = questionsOf(week);
  assertEquals(
    questions[0],
    "The window is 7 days: where a question sets usage or LLM cost against monthly `mrr` or a price, it reads them on a 30-day basis (× 30 / 7), as `gross_margin_pct` and `revenue_per_request` do.",
  );
  const changed = [
    "1. Show me organizations with high usage (`requests_30d × 30 / 7`) but low revenue.",
    "2. What would revenue be if we charged 2% of LLM cost (`llm_cost_30d × 30 / 7`) instead of seat-based?",
    "6. Underpriced customers: high `requests_30d × 30 / 7` or `llm_cost_30d × 30 / 7` but low `mrr`.",
    "8. Churn risk: negative gross margin (`llm_cost_30d × 30 / 7 > mrr`).",
    "9. Pricing model comparison: seat-based (`mrr` vs `seats`), usage-based (`mrr` vs `requests_30d × 30 / 7`), % of cost (`mrr` vs `llm_cost_30d × 30 / 7 × percentage`).",
  ];
  for (const line of changed) ok(questions.includes(line), line);
  // the rest as in a 30-day brief; no question left with a bare window figure against mrr
  const month = questionsOf(briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] }));
  assertEquals(
    questions.slice(1).filter((line) => !changed.includes(line)),
    month.filter((line) => !/^(1|2|6|8|9)\. /.test(line)),
  );
  ok(!week.includes("`llm_cost_30d > mrr`"));
  ok(!week.includes("`mrr` vs `llm_cost_30d × percentage`"));
});

Deno.test("the numbers the brief quotes match the fixture", () => {
  const brief = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] });
  const lines = brief.split("\n");
  const has = (line: string) => ok(lines.includes(line), `missing line: ${line}`);
  has(`**Upload:** \`${CSV}\` (2.0 KB) together with this brief.`);
  has(`- \`${CSV}\`: 2.0 KB, 5 organizations`);
  has(
    "- As of 2026-11-01T00:00:00.000Z (UTC). Usage columns (names ending in `_30d`) cover the window [2026-10-02T00:00:00.000Z, 2026-11-01T00:00:00.000Z), 30 days.",
  );
  has(`- 5 organizations, one row each, ${COLUMNS.length} columns.`);
  // Totals: seats 1+2+4+2+10 = 19; active 1+1+2+2+5 = 11; requests 0+1,000+20,000+100,000+500,000
  // = 621,000; LLM cost 0+3+50+300+1000 = 1,353; PTB 20+300 = 320; MRR known 0+0+80+40 = 120.
  has("| organizations | 5 |");
  has("| seats | 19 |");
  // a sum over organizations, so memberships, not distinct people: labelled as such
  has(
    "| active memberships in the 30-day window (a user active in two organizations counts twice) | 11 |",
  );
  ok(!lines.some((l) => l.startsWith("| active users in the 30-day window")));
  has("| requests in the 30-day window | 621,000 |");
  has("| LLM cost in the 30-day window (all traffic) | $1,353.00 |");
  has("| LLM cost in the 30-day window, pass-through billed (cost to the company) | $320.00 |");
  has("| MRR (spec definition, organizations with known MRR) | $120.00 |");
  has("| MRR, recurring only (industry definition) | $120.00 |");
  has("| organizations with MRR > 0, of those with known MRR | 2 |");
  has("| organizations with unknown MRR (empty cell) | 1 |");
  has(`| ${NEGATIVE_LINE} | 1 |`);
  // By tier. free: seats 1+2, requests 0+1,000, median (0 + 1,000)/2 = 500, cost 3.
  // pro: seats 4+2, requests 120,000, median (20,000 + 100,000)/2 = 60,000, cost 350, MRR 120,
  // both paying, o4 negative, both is_ptb. enterprise: its only MRR unknown, so its sum is
  // unknown ("–", not $0.00), 1 unknown, and its paying and negative-margin counts unknown (–).
  // The last column counts is_ptb organizations: its header names a count, not the flag.
  has(
    "| tier | organizations | seats | requests_30d | median requests_30d | llm_cost_30d | mrr | unknown mrr | paying (mrr > 0, of known mrr) | negative margin (organizations of loss-making customers, spec basis, of known mrr) | PTB organizations (is_ptb, all-time spend) |",
  );
  has("| free | 2 | 3 | 1,000 | 500 | $3.00 | $0.00 | 0 | 0 | 0 | 0 |");
  has("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 1 | 2 |");
  has("| enterprise | 1 | 10 | 500,000 | 500,000 | $1,000.00 | – | 1 | – | – | 0 |");
  // Distributions, linear between ranks. requests sorted 0, 1k, 20k, 100k, 500k (n = 5):
  // p25 at rank 1 = 1,000; median rank 2 = 20,000; p75 rank 3 = 100,000;
  // p90 rank 3.6 = 100,000 + 0.6 × 400,000 = 340,000.
  has("| `requests_30d` | 5 | 0 | 1,000 | 20,000 | 100,000 | 340,000 | 500,000 |");
  // mrr known 0, 0, 40, 80 (n = 4): p25 rank 0.75 = 0; median rank 1.5 = 20; p75 rank 2.25 =
  // 40 + 0.25 × 40 = 50; p90 rank 2.7 = 40 + 0.7 × 40 = 68.
  has("| `mrr` | 4 | $0.00 | $0.00 | $20.00 | $50.00 | $68.00 | $80.00 |");
  // paying (mrr > 0) 40, 80 (n = 2, Totals' 2): p25 rank 0.25 = 40 + 0.25 × 40 = 50; median 60;
  // p75 70; p90 40 + 0.9 × 40 = 76; the row right after the one over all organizations
  const paying =
    "| `mrr`, paying organizations only (MRR > 0) | 2 | $40.00 | $50.00 | $60.00 | $70.00 | $76.00 | $80.00 |";
  has(paying);
  assertEquals(lines[lines.indexOf(paying) - 1].slice(0, 12), "| `mrr` | 4 ");
  // gross margin −650, 37.5 (n = 2): p25 = −650 + 0.25 × 687.5 = −478.125 → −478.1 %;
  // median −306.25 → −306.3 %; p75 −134.375 → −134.4 %; p90 = −650 + 0.9 × 687.5 = −31.25 → −31.3 %
  has(
    "| `gross_margin_pct`, spec basis (all LLM cost) | 2 | -650.0 % | -478.1 % | -306.3 % | -134.4 % | -31.3 % | 37.5 % |",
  );
  assertEquals(quantile([1, 2, 3, 4], 0.5), 2.5);
  assertEquals(quantile([], 0.5), null);
});

Deno.test("Distributions: mrr over paying organizations (MRR > 0, as the brief counts them) beside mrr over all", () => {
  // p1, p2 free; p3 billed metered usage alone (mrr $10, no recurring MRR: paying, MRR > 0);
  // p4–p6 paying; p7 MRR unknown; p8 shares p6's Stripe customer (its mrr empty, not unknown)
  const mixed = exportFrameFromColumns({
    org_id: ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"],
    tier: ["free", "free", "pro", "pro", "team", "enterprise", "pro", "pro"],
    seats: [1, 1, 1, 2, 5, 20, 1, 1],
    mrr: [0, 0, 10, 30, 50, 200, null, null],
    mrr_recurring: [0, 0, 0, 20, 50, 150, null, null],
    stripe_customer_id: [null, null, "c3", "c4", "c5", "c6", "c7", "c6"],
    revenue_source: [
      "no_customer",
      "no_customer",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "unconverted",
      "shared_customer",
    ],
  });
  const rowOf = (table: string, label: string) =>
    table.split("\n").find((line) => line.startsWith(`| ${label} |`));
  const table = distributionSection(mixed);
  // all with known mrr: 0, 0, 10, 30, 50, 200 (n = 6): p25 rank 1.25 = 0 + 0.25 × 10 = 2.50;
  // median rank 2.5 = 10 + 0.5 × 20 = 20; p75 rank 3.75 = 30 + 0.75 × 20 = 45; p90 rank 4.5 =
  // 50 + 0.5 × 150 = 125
  assertEquals(
    rowOf(table, "`mrr`"),
    "| `mrr` | 6 | $0.00 | $2.50 | $20.00 | $45.00 | $125.00 | $200.00 |",
  );
  // paying: 10, 30, 50, 200 (n = 4): p25 rank 0.75 = 10 + 0.75 × 20 = 25; median rank 1.5 =
  // 30 + 0.5 × 20 = 40; p75 rank 2.25 = 50 + 0.25 × 150 = 87.50; p90 rank 2.7 = 50 + 0.7 × 150
  // = 155; the row right after the one over all
  const paying =
    `| ${PAYING_MRR_LABEL} | 4 | $10.00 | $25.00 | $40.00 | $87.50 | $155.00 | $200.00 |`;
  assertEquals(rowOf(table, PAYING_MRR_LABEL), paying);
  const lines = table.split("\n");
  assertEquals(lines[lines.indexOf(paying) - 1], rowOf(table, "`mrr`"));
  // its count is Totals' organizations with MRR > 0
  ok(totalsSection(mixed).includes("| organizations with MRR > 0, of those with known MRR | 4 |"));
  // no MRR known (Stripe skipped): no paying organization, no quantiles
  const skipped = distributionSection(frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
  ));
  assertEquals(
    rowOf(skipped, PAYING_MRR_LABEL),
    `| ${PAYING_MRR_LABEL} | 0 | – | – | – | – | – | – |`,
  );
});

Deno.test("money: per month and window columns from the column table; ptb_revenue_30d is the window's; Totals name the window's days", () => {
  const brief = briefMarkdown({
    data: { ...data, windowDays: 7 },
    exportFiles: [{ name: CSV, bytes: 2048 }],
  });
  const money =
    "- Money is USD. Per month: `mrr`, `base_subscription`, `usage_charges`, `addon_prompts`, `mrr_recurring`, `addon_other` and `list_price_mrr`. Totals for the 7-day window, not per month: `llm_cost_30d`, `llm_cost_ptb_30d`, `llm_cost_byok_30d`, `ptb_revenue_30d` and `company_cost_30d` (`ptb_revenue_30d` is the PTB revenue received in the window); all time: `ptb_spend_all_time`. Ratios per seat or request and percentages are as their units say (Columns).";
  ok(
    brief.split("\n").includes(money),
    brief.slice(brief.indexOf("- Money"), brief.indexOf("- Money") + 600),
  );
  ok(!brief.includes("revenue columns are per month"));
  // Distributions say which figures are the window's and which a 30-day basis (the same values as
  // the 30-day fixture above: the labels alone change)
  const lines = brief.split("\n");
  ok(
    lines.includes(
      "| `requests_30d` (7 days) | 5 | 0 | 1,000 | 20,000 | 100,000 | 340,000 | 500,000 |",
    ),
  );
  ok(lines.some((l) => l.startsWith("| `llm_cost_30d` (7 days) | 5 |")));
  ok(lines.some((l) => l.startsWith("| `mrr` | 4 |")));
  // Totals name the window's length (the same sums as the 30-day fixture's: 621,000 requests)
  ok(lines.includes("| requests in the 7-day window | 621,000 |"));
  ok(lines.includes("| LLM cost in the 7-day window (all traffic) | $1,353.00 |"));
  ok(
    lines.some((l) =>
      l.startsWith(
        "| `gross_margin_pct` (the 7-day window on a 30-day basis), spec basis (all LLM cost) |",
      )
    ),
  );
  // the lists agree with the column table's units
  for (const c of COLUMNS.filter((c) => c.unit === "USD per month")) {
    ok(money.includes(`\`${c.name}\``));
  }
  assertEquals(COLUMNS.find((c) => c.name === "ptb_revenue_30d")?.unit, "USD");
});

Deno.test("the brief says the CSV's text is as entered except the formula guard, which the CSV shows", async () => {
  const brief = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] });
  ok(brief.includes(DATA_IS_DATA));
  ok(
    DATA_IS_DATA.includes(
      "except that text starting with =, +, -, @, tab or CR carries a leading `'`",
    ),
  );
  ok(DATA_IS_DATA.includes("`'=1+2` in a file was entered as `=1+2`"));
  // and that is what the CSV writer does
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, CSV);
    await writeCsvFile(frame.withColumns(pl.lit("=1+2").alias("org_name")), path);
    ok((await Deno.readTextFile(path)).includes(",'=1+2,"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Totals: MRR nobody's is known is unknown, not $0; a shared customer's other organization is not unknown", () => {
  // every MRR unknown (Stripe skipped): both MRR sums "–", all five unknown
  const unknown = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
  );
  const lines = totalsSection(unknown).split("\n");
  ok(
    lines.includes("| MRR (spec definition, organizations with known MRR) | – |"),
    lines.join("\n"),
  );
  ok(lines.includes("| MRR, recurring only (industry definition) | – |"));
  ok(lines.includes("| organizations with unknown MRR (empty cell) | 5 |"));
  ok(!lines.some((line) => line.includes("`shared_customer`")));
  // o5's customer is o4's (revenue on o4's row): its empty MRR is not unknown, and said apart
  const shared = frame.withColumns(
    pl.Series("revenue_source", ["no_customer", "stripe", "stripe", "stripe", "shared_customer"]),
  );
  const sharedLines = totalsSection(shared).split("\n");
  ok(sharedLines.includes("| MRR (spec definition, organizations with known MRR) | $120.00 |"));
  ok(sharedLines.includes("| organizations with unknown MRR (empty cell) | 0 |"));
  ok(
    sharedLines.includes(
      "| organizations sharing a Stripe customer whose revenue another organization's row carries (`shared_customer`, empty MRR) | 1 |",
    ),
    sharedLines.join("\n"),
  );
});

Deno.test("Totals and By tier count the organizations of loss-making customers, a shared customer judged as one: the negative_margin segment's count", async () => {
  // p's own row reads (50 − 30) / 50 = 40 %, q (free, shared_customer) has no MRR of its own;
  // their customer cus_x: (50 − 90) / 50 = −80 %, so both count. s: (40 − 60) / 40 = −50 %.
  const shared = await frameWithLosingSharedCustomer();
  const totals = totalsSection(shared).split("\n");
  ok(totals.includes(`| ${NEGATIVE_LINE} | 3 |`), totals.join("\n"));
  // company basis: cus_x's $50 against q's $60 of PTB cost (p's and s's LLM cost is BYOK, the
  // customer's): p and q lose the company money; s's $60 is BYOK, so cus_s keeps its $40
  ok(totals.includes(`| ${NEGATIVE_COMPANY_MARGIN_COUNTED} | 2 |`), totals.join("\n"));
  // By tier: pro p and s (both counted), free q (its customer's, judged with p)
  const tiers = tierSection(shared).split("\n");
  ok(
    tiers.includes("| free | 1 | 1 | 2,000 | 2,000 | $60.00 | – | 0 | – | 1 | 0 |"),
    tiers.join("\n"),
  );
  ok(tiers.includes("| pro | 2 | 3 | 4,000 | 2,000 | $90.00 | $90.00 | 0 | 2 | 2 | 0 |"));
  assertEquals(
    segmentFrames(shared).find((s) => s.name === "negative_margin")!.frame.height,
    3,
  );
});

Deno.test("Totals and By tier read one working-out of the loss-making customers, handed to both (briefMarkdown's withLosses)", () => {
  // worked out, o4's customer loses money ((40 − 300) / 40 = −650 %): Totals and pro count 1.
  // Handed flags that say no customer loses money, both sections count 0: they read what they
  // are given and do not work it out again.
  const none = withCustomerLosses(frame, 30).withColumns(
    pl.lit(false).alias(CUSTOMER_LOSS_COLUMNS.spec),
  );
  const lines = briefMarkdown({ data, withLosses: none, exportFiles: [{ name: CSV, bytes: 2048 }] })
    .split("\n");
  ok(lines.includes(`| ${NEGATIVE_LINE} | 0 |`), lines.join("\n"));
  ok(lines.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 0 | 2 |"));
  // not handed any, the brief works them out itself (once) for both
  const own = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] }).split("\n");
  ok(own.includes(`| ${NEGATIVE_LINE} | 1 |`));
  ok(own.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 1 | 2 |"));
});

Deno.test("a 7-day brief: By tier says its usage and cost are the window's sums beside monthly mrr; cost_per_seat is said not rescaled", () => {
  const brief = (windowDays: number) =>
    briefMarkdown({ data: { ...data, windowDays }, exportFiles: [{ name: CSV, bytes: 2048 }] });
  const week = brief(7).split("\n");
  const note = week[week.indexOf("## By tier") + 2];
  ok(
    note.endsWith(
      " Window of 7 days: `requests_30d` and `llm_cost_30d` are the window's sums, as in Totals, beside monthly `mrr` (× 30 / 7 puts them on a 30-day basis); the negative-margin count sets the LLM cost on that basis against `mrr`, as `gross_margin_pct` does.",
    ),
    note,
  );
  ok(week.includes(
    "| tier | organizations | seats | requests_30d (7 days) | median requests_30d (7 days) | llm_cost_30d (7 days) | mrr | unknown mrr | paying (mrr > 0, of known mrr) | negative margin (organizations of loss-making customers, spec basis, of known mrr) | PTB organizations (is_ptb, all-time spend) |",
  ));
  // the figures are the window's own, as the fixture holds them (pro: cost 50 + 300); the
  // negative-margin count sets the cost on a 30-day basis against mrr: o3 80 < 50 × 30 / 7 =
  // 214.29 and o4 40 < 300 × 30 / 7, both
  ok(week.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 2 | 2 |"));
  // the one derived money column left at the window's length, beside its monthly counterpart
  ok(week.includes(
    "- Not rescaled: `cost_per_seat` is a 7-day figure beside monthly `revenue_per_seat`; × 30 / 7 puts it on a 30-day basis before comparing.",
  ));
  // a 30-day brief has none of it
  const month = brief(30);
  ok(!month.includes("Not rescaled"));
  ok(!month.includes("Window of 30 days"));
  ok(month.includes(
    "| tier | organizations | seats | requests_30d | median requests_30d | llm_cost_30d | mrr |",
  ));
});

Deno.test("shared Stripe customers: Totals counts them and a caveat says to group by stripe_customer_id", () => {
  // o4 shares cus_a with o2, o5 shares cus_b with o3: 2 organizations on a sibling's revenue,
  // 2 customers
  const shared = frame.withColumns(
    pl.Series("stripe_customer_id", [null, "cus_a", "cus_b", "cus_a", "cus_b"], pl.Utf8),
    pl.Series("revenue_source", [
      "no_customer",
      "stripe",
      "stripe",
      "shared_customer",
      "shared_customer",
    ]),
  );
  const lines = totalsSection(shared).split("\n");
  ok(
    lines.includes(
      "| Stripe customers shared by several organizations (their row ratios are the whole customer's revenue against one organization: group by `stripe_customer_id`) | 2 |",
    ),
    lines.join("\n"),
  );
  // none shared: no such line
  ok(!totalsSection(frame).includes("Stripe customers shared"));
  const brief = briefMarkdown({ data: { ...data, frame: shared }, exportFiles: [] });
  ok(
    brief.includes(
      "group by `stripe_customer_id` first and sum revenue and cost over the group",
    ),
  );
  ok(brief.includes("most and least profitable customers"));
});

Deno.test("By tier: unknown mrr leaves out shared-customer rows, and its note says so", () => {
  // o3's customer is also o4's, whose row carries the revenue: o3's MRR is empty but not unknown.
  // pro then has two empty MRRs (o3 shared, o4 unknown), one of them unknown.
  const shared = frame.withColumns(
    pl.Series("mrr", [0, 0, null, null, null], pl.Float64),
    pl.Series("mrr_recurring", [0, 0, null, null, null], pl.Float64),
    pl.Series("revenue_source", ["no_customer", "stripe", "shared_customer", "none", "none"]),
    pl.Series("gross_margin_pct", [null, null, null, null, null], pl.Float64),
  );
  const brief = briefMarkdown({
    data: { ...data, frame: shared },
    exportFiles: [{ name: CSV, bytes: 2048 }],
  });
  const lines = brief.split("\n");
  // pro: seats 4+2, requests 120,000, median 60,000, cost 350, MRR unknown, 1 unknown, paying
  // and negative margins unknown (no pro MRR is known), both is_ptb
  ok(
    lines.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | – | 1 | – | – | 2 |"),
    lines.filter((l) => l.startsWith("| pro")).join("\n"),
  );
  const note = lines[lines.indexOf("## By tier") + 2];
  ok(note.includes("`unknown mrr` counts organizations whose MRR is unknown"), note);
  ok(note.includes("Not counted there: organizations sharing a Stripe customer"), note);
  ok(lines.includes(
    "| organizations sharing a Stripe customer whose revenue another organization's row carries (`shared_customer`, empty MRR) | 1 |",
  ));
});

Deno.test("the demo banner says why the data is the demo's: asked for, or no database configured", () => {
  const bannerOf = (demoReason: "requested" | "no-database") =>
    briefMarkdown({
      data: { ...data, demo: true, demoReason, revenue: { source: "demo" } },
      exportFiles: [{ name: "helicone_pricing_data_2026-11-01_demo.csv", bytes: 1000 }],
    }).split("\n").find((line) => line.startsWith("> **Demo data.**"));
  assertEquals(
    bannerOf("requested"),
    "> **Demo data.** The demo dataset was asked for (demo mode), so these files hold the kit's synthetic dataset, not the company's numbers.",
  );
  assertEquals(
    bannerOf("no-database"),
    "> **Demo data.** No database is configured (PRICING_PG_URL, PRICING_CH_URL), so these files hold the kit's synthetic dataset, not the company's numbers.",
  );
});

Deno.test("a segment's rule longer than a data cell's 200 characters is written whole", () => {
  // underpriced with a million requests and a 365-day window: a rule of over 200 characters
  const segments = segmentFrames(frame, {
    windowDays: 365,
    thresholds: { underpricedMinRequests: 1_000_000 },
  });
  const rule = segments.find((s) => s.name === "underpriced")!.rule;
  ok(rule.length > 200, `${rule.length} characters`);
  const brief = briefMarkdown({
    data,
    exportFiles: [{ name: "helicone_pricing_data_2026-11-01.csv", bytes: 1000 }],
    segments,
  });
  ok(brief.includes(`| ${codeSpans(rule)} |`), rule);
});

Deno.test("segments are listed with their file, rule and size; demo data is flagged", () => {
  const segments = segmentFrames(frame);
  const brief = briefMarkdown({
    data: { ...data, demo: true, revenue: { source: "none" } },
    exportFiles: [{ name: "helicone_pricing_data_2026-11-01_demo.csv", bytes: 1000 }],
    segments,
  });
  ok(brief.startsWith("# Helicone pricing data, 2026-11-01 (DEMO DATA)"));
  ok(brief.includes("revenue was not fetched (Stripe skipped or failed)"));
  // ptb_customers: o3, o4 → 2; gateway_only: o4 → 1; negative_margin: o4 (300 > 40) → 1, and
  // o5 ($1,000 of LLM cost, MRR unknown) not judged.
  const lines = brief.split("\n");
  ok(lines.includes(
    "| `helicone_pricing_data_2026-11-01_demo_ptb_customers.csv` | PTB customers | `is_ptb`: any pass-through-billing spend (all time) | 2 |",
  ));
  ok(lines.includes(
    "| `helicone_pricing_data_2026-11-01_demo_negative_margin.csv` | Negative gross margin (churn risk) | mrr > 0 and `llm_cost_30d` > mrr (a shared Stripe customer's organizations judged as one, usage summed) | 1 — 1 organization with unknown MRR not judged |",
  ));
  for (const segment of segments) {
    const rule = codeSpans(segment.rule);
    ok(brief.includes(`_${segment.name}.csv\` | ${segment.title} | ${rule} |`));
  }
});

Deno.test("revenue not fetched: each segment that judges MRR says it cannot be judged, and for how many", () => {
  const unfetched = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
    pl.lit("none").alias("revenue_source"),
  );
  const brief = briefMarkdown({
    data: { ...data, frame: unfetched, revenue: { source: "none" } },
    exportFiles: [{ name: CSV, bytes: 1000 }],
    segments: segmentFrames(unfetched),
  });
  const count = (segment: string) =>
    brief.split("\n").find((line) => line.includes(`_${segment}.csv\``))!.split(" | ").at(-1);
  const cannot = (n: number) =>
    `0 — cannot be judged: revenue not fetched (${n} organizations with unknown MRR) |`;
  assertEquals(count("byok_paying"), cannot(3)); // BYOK: o2, o3, o5
  assertEquals(count("negative_margin"), cannot(4)); // LLM cost: o2, o3, o4, o5
  assertEquals(count("underpriced"), cannot(2)); // ≥ 100,000 requests: o4, o5
  assertEquals(count("ptb_customers"), "2 |"); // o3, o4: no revenue read
  ok(brief.includes("a rule that judges MRR leaves organizations with unknown MRR out"));
});

Deno.test("a CSV above the limit gets a trimmed variant without idle free organizations", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(frame, csvPath);
    // Under the limit: brief only.
    const small = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [csvPath],
    });
    // (an earlier export's trimmed CSV of the same date would be stale: the export retires it)
    assertEquals(small, {
      briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
      stale: ["helicone_pricing_data_2026-11-01_trimmed.csv"],
    });
    // Over the limit: the trimmed CSV drops o1 (free, 0 requests) and keeps o2 (free, 1,000).
    const large = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [csvPath],
      trimAboveBytes: csvBytes - 1,
    });
    const trimmedPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    assertEquals(large.trimmedPath, trimmedPath);
    assertEquals(large.stale, []);
    const trimmed = await readExportFile(trimmedPath);
    assertEquals(trimmed.frame.getColumn("org_id").toArray(), ["o2", "o3", "o4", "o5"]);
    assertEquals(trimmedExportFrame(frame).height, 4);
    const brief = await Deno.readTextFile(large.briefPath);
    const trimmedBytes = (await Deno.stat(trimmedPath)).size;
    ok(brief.includes(
      `- \`helicone_pricing_data_2026-11-01_trimmed.csv\`: ${
        (trimmedBytes / 1024).toFixed(1)
      } KB, 4 organizations: the same columns without the 1 free organization that sent no requests in the window, carries no revenue (MRR $0 or not fetched, no PTB revenue in the window) and shares no Stripe customer with an organization the file keeps`,
    ));
    ok(
      brief.includes(
        "Upload `helicone_pricing_data_2026-11-01_trimmed.csv` and this brief instead.",
      ),
    );
    // The figures are the full CSV's (5 organizations, 19 seats), and the brief says so, with
    // what the trimmed file holds: 4 rows; left out o1 (free, 0 requests, 1 seat, MRR $0).
    const lines = brief.split("\n");
    ok(lines.includes(
      "**Which file these figures describe:** every count, sum and distribution in this brief (Scope, Totals, unit economics, By tier, Distributions) describes the full export `helicone_pricing_data_2026-11-01.csv`, 5 organizations. `helicone_pricing_data_2026-11-01_trimmed.csv` holds 4 of them, one row each, with the same columns: left out is the 1 free organization that sent no requests in the window, carries no revenue (MRR $0 or not fetched, no PTB revenue in the window) and shares no Stripe customer with an organization the file keeps (1 seat, $0.00 known MRR). Counted in the trimmed file, organizations, seats, the free tier and the distributions come out lower than here; the MRR total is the same (no organization with MRR above $0 is left out).",
    ));
    ok(lines.includes(
      `- 5 organizations in the full export \`${CSV}\`, one row each (the trimmed \`helicone_pricing_data_2026-11-01_trimmed.csv\`: 4), ${COLUMNS.length} columns.`,
    ));
    ok(lines.includes("| organizations | 5 |") && lines.includes("| seats | 19 |"));
    ok(
      !brief.includes(`- 5 organizations, one row each`),
      "no bare row count beside a trimmed file",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * a1 Alpha Pro, pro, 5,000 requests, its revenue on a2 (shared_customer)   → kept (requests)
 * a2 Alpha sandbox, free, 0 requests, cus_alpha's revenue row, MRR $79     → kept (revenue)
 * b1 free, 0 requests, no Stripe customer, MRR $0                          → out
 * c1 free, 0 requests, cus_gamma's revenue row, MRR $0                     → out
 * c2 free, 0 requests, cus_gamma (shared_customer with c1, MRR empty)      → out (c1 is out)
 * d1 pro, 100 requests, its revenue on d2 (shared_customer)                → kept (requests)
 * d2 free, 0 requests, cus_delta's revenue row, MRR $0                     → kept (shares with d1)
 * e1 free, 0 requests, revenue in a currency without a rate (unconverted)  → kept (revenue)
 */
const sharedCustomers = exportFrameFromColumns({
  org_id: ["a1", "a2", "b1", "c1", "c2", "d1", "d2", "e1"],
  tier: ["pro", "free", "free", "free", "free", "pro", "free", "free"],
  seats: [3, 1, 2, 1, 1, 2, 1, 1],
  requests_30d: [5_000, 0, 0, 0, 0, 100, 0, 0],
  stripe_customer_id: [
    "cus_alpha",
    "cus_alpha",
    null,
    "cus_gamma",
    "cus_gamma",
    "cus_delta",
    "cus_delta",
    "cus_eur",
  ],
  mrr: [null, 79, 0, 0, null, null, 0, null],
  revenue_source: [
    "shared_customer",
    "stripe",
    "no_customer",
    "stripe",
    "shared_customer",
    "shared_customer",
    "stripe",
    "unconverted",
  ],
});

Deno.test("the trimmed CSV keeps free organizations that carry revenue or share a kept organization's Stripe customer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kept = ["a1", "a2", "d1", "d2", "e1"];
    assertEquals(trimmedExportFrame(sharedCustomers).getColumn("org_id").toArray(), kept);
    assertEquals(trimmedRowCount(sharedCustomers), 5);
    // the export's own pass (the CSV writer's subset) keeps the same rows
    const plan = trimmedPlan(sharedCustomers, {
      path: "t.csv",
      uploadLimitBytes: 20 * 1024 * 1024,
    });
    assertEquals([...plan.subset!.keep], [1, 1, 0, 0, 0, 1, 1, 1]);
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(sharedCustomers, csvPath);
    const written = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data: { ...data, frame: sharedCustomers },
      outDir: dir,
      exportPaths: [csvPath],
      trimAboveBytes: csvBytes - 1,
    });
    const trimmed = (await readExportFile(written.trimmedPath!)).frame;
    assertEquals(trimmed.getColumn("org_id").toArray(), kept);
    // MRR: $79 in both files (a2's row), so a1's shared_customer row has its revenue row
    assertEquals(trimmed.getColumn("mrr").sum(), 79);
    const brief = await Deno.readTextFile(written.briefPath);
    ok(
      brief.includes(
        "5 organizations: the same columns without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps\n",
      ),
      brief,
    );
    // left out b1, c1, c2: seats 2 + 1 + 1 = 4; MRR $0 + $0 known, and c2's empty mrr is not
    // unknown: its customer's revenue ($0) is on c1's row
    ok(
      brief.includes(
        "left out are the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps (4 seats, $0.00 known MRR). Counted in the trimmed file, organizations, seats, the free tier and the distributions come out lower than here; the MRR total is the same (no organization with MRR above $0 is left out).",
      ),
      brief,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the trimmed CSV keeps an idle free organization that bought PTB credits in the window", () => {
  // b1: free, no requests, no Stripe customer, but $500 of PTB credits bought in the window:
  // revenue the trimmed file's PTB total would lose; c1 and c2 are still left out
  const withPtb = sharedCustomers.withColumns(
    pl.Series("ptb_revenue_30d", [0, 0, 500, 0, null, 0, 0, 0], pl.Float64),
  );
  assertEquals(
    trimmedExportFrame(withPtb).getColumn("org_id").toArray(),
    ["a1", "a2", "b1", "d1", "d2", "e1"],
  );
  const plan = trimmedPlan(withPtb, { path: "t.csv", uploadLimitBytes: 20 * 1024 * 1024 });
  assertEquals([...plan.subset!.keep], [1, 1, 1, 0, 0, 1, 1, 1]);
});

Deno.test("a trimmed file that would leave no organization out is not written; the brief says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // o2–o5 only: no free organization without requests, so the trimmed file would be the CSV
    const busy = frame.slice(1, 4);
    assertEquals(trimmedRowCount(busy), 4);
    assertEquals(trimmedRowCount(frame), 4); // o1 left out
    // so the export's CSV pass writes no trimmed copy of it
    const planOf = (f: typeof frame) => trimmedPlan(f, { path: "t.csv", uploadLimitBytes: 1e9 });
    assertEquals(planOf(busy), {});
    assertEquals(planOf(frame).subset?.path, "t.csv");
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(busy, csvPath);
    // and a trimmed file written ahead (the export's CSV pass) with every row is removed
    const aheadPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    for (const ahead of [false, true]) {
      if (ahead) await writeCsvFile(busy, aheadPath);
      const trimmedWritten = ahead ? { path: aheadPath, bytes: csvBytes, rows: 4 } : undefined;
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: busy },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: csvBytes - 1,
        trimmedWritten,
      });
      assertEquals(written, {
        briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
        stale: ["helicone_pricing_data_2026-11-01_trimmed.csv"],
      });
      assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
        CSV,
        "helicone_pricing_data_2026-11-01.md",
      ]);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes("_trimmed.csv"));
      ok(brief.includes(
        "Every organization is on a paid tier, sent requests in the window, carries revenue or shares a Stripe customer with one of those, so there is no trimmed file: upload a segment file (`deno task export --segments`) or filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`).",
      ));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the trimmed CSV's fewest bytes: separators, text characters and a byte per other value", () => {
  // kept a1, a2, d1, d2, e1; every row has COLUMNS.length separators and line ends. Text
  // characters, then the other values (seats, requests_30d, mrr where known):
  //   a1: a1 + pro + cus_alpha + shared_customer = 2 + 3 + 9 + 15 = 29, seats, requests → 31
  //   a2: a2 + free + cus_alpha + stripe = 2 + 4 + 9 + 6 = 21, seats, requests, mrr 79 → 24
  //   d1: d1 + pro + cus_delta + shared_customer = 29, seats, requests → 31
  //   d2: d2 + free + cus_delta + stripe = 21, seats, requests, mrr 0 → 24
  //   e1: e1 + free + cus_eur + unconverted = 2 + 4 + 7 + 11 = 24, seats, requests → 26
  const floor = 5 * COLUMNS.length + 31 + 24 + 31 + 24 + 26;
  assertEquals(trimmedFloorBytes(sharedCustomers, trimmedKeepMask(sharedCustomers)), floor);
  // the left-out rows do not count
  assertEquals(trimmedFloorBytes(sharedCustomers, new Uint8Array(8)), 0);
  // a NaN or infinite number is written empty, as null is: no byte (a2's mrr 79 → NaN)
  const nan = sharedCustomers.withColumns(
    pl.Series("mrr", [null, Number.NaN, 0, 0, null, null, Number.POSITIVE_INFINITY, null]),
  );
  assertEquals(trimmedFloorBytes(nan, trimmedKeepMask(sharedCustomers)), floor - 2);
  const at = (uploadLimitBytes: number) =>
    trimmedPlan(sharedCustomers, { path: "t.csv", uploadLimitBytes });
  assertEquals(at(floor - 1), { aboveLimit: { rows: 5, leftOut: 3, floorBytes: floor } });
  assertEquals(at(floor).subset?.path, "t.csv");
});

Deno.test("a trimmed file that could not be uploaded either is not written; the brief says why", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const floor = trimmedFloorBytes(sharedCustomers, trimmedKeepMask(sharedCustomers));
    const csvPath = join(dir, CSV);
    await writeCsvFile(sharedCustomers, csvPath);
    const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
    // written by the brief itself (no export ahead of it), then as the export hands it over
    const aboveLimit = { rows: 5, leftOut: 3, floorBytes: floor };
    for (const handed of [undefined, aboveLimit]) {
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: sharedCustomers },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: floor - 1,
        trimmedAboveLimit: handed,
      });
      assertEquals(written, {
        briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
        stale: [trimmedName],
      });
      assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
        CSV,
        "helicone_pricing_data_2026-11-01.md",
      ]);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes(trimmedName), brief);
      ok(
        brief.includes(
          `A trimmed file would be above it too, so none was written: without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps, it would still hold 5 organizations, at least ${
            (floor / 1024).toFixed(1)
          } KB. Instead upload a segment file (\`deno task export --segments\`) or filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (\`deno task mcp\`).`,
        ),
        brief,
      );
    }
    // at the floor itself it may fit: written, but it came to more (a header, the numbers'
    // digits), above the limit too, so it is not kept either; the brief gives its real size
    const full = trimmedExportFrame(sharedCustomers);
    const bytes = await writeCsvFile(full, join(dir, "measure.csv"));
    await Deno.remove(join(dir, "measure.csv"));
    ok(bytes > floor, `${bytes} > ${floor}`);
    for (const handed of [undefined, "export"]) {
      // written by the brief itself, then as the export hands it over (written in its CSV pass)
      const path = join(dir, trimmedName);
      if (handed) await writeCsvFile(full, path);
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: sharedCustomers },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: floor,
        ...(handed ? { trimmedWritten: { path, bytes, rows: full.height } } : {}),
      });
      assertEquals(written.trimmedPath, undefined);
      assertEquals(written.stale, [trimmedName]);
      await rejects(Deno.stat(path), Deno.errors.NotFound);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes(`\`${trimmedName}\``), brief);
      ok(
        brief.includes(
          `A trimmed file is above it too, so it was not kept: written, it came to ${
            (bytes / 1024).toFixed(1)
          } KB without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps, still 5 organizations. Instead`,
        ),
        brief,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trimmed file above the limit too is listed, and the brief points to a smaller file", () => {
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const brief = briefMarkdown({
    data,
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 25 * 1024 * 1024, rows: 4 },
  });
  ok(brief.includes(`- \`${trimmedName}\`: 25.0 MB, 4 organizations`));
  ok(brief.includes(
    "**Upload:** the full CSV is 30.0 MB, above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file). The trimmed file is above it too (25.0 MB): upload a segment file (`deno task export --segments`) or filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`).",
  ));
  ok(!brief.includes(`Upload \`${trimmedName}\``));
});

Deno.test("the trim threshold comes from PRICING_BRIEF_TRIM_ABOVE_MB", () => {
  assertEquals(trimAboveBytesFromEnv({}), 20 * 1024 * 1024);
  assertEquals(trimAboveBytesFromEnv({ PRICING_BRIEF_TRIM_ABOVE_MB: "0.5" }), 524_288);
  let message = "";
  try {
    trimAboveBytesFromEnv({ PRICING_BRIEF_TRIM_ABOVE_MB: "big" });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, 'PRICING_BRIEF_TRIM_ABOVE_MB must be a number of megabytes > 0, got "big"');
});

Deno.test("brief statistics (Polars expressions) unchanged from the JS-array version on the demo dataset", async () => {
  const data = await goldenDemoData();
  const brief = briefMarkdown({ data, exportFiles: [{ name: "x.csv", bytes: 1 }] });
  const sections = brief.slice(brief.indexOf("## Totals"), brief.indexOf("## Read with care"));
  assertEquals(createHash("sha256").update(sections).digest("hex"), golden.briefStatisticsSha256);
});

Deno.test("an XLSX-only export gets upload advice, above the limit what to upload instead; a workbook beside a CSV is sized too", () => {
  const XLSX = "helicone_pricing_data_2026-11-01.xlsx";
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const MB = 1024 * 1024;
  const upload = (input: Omit<Parameters<typeof briefMarkdown>[0], "data">) =>
    briefMarkdown({ data, ...input }).split("\n").filter((l) => l.startsWith("**Upload:**"));
  const above =
    "above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file)";
  // a small workbook alone: upload it
  assertEquals(upload({ exportFiles: [{ name: XLSX, bytes: 2048 }] }), [
    `**Upload:** \`${XLSX}\` (2.0 KB) together with this brief.`,
  ]);
  // a workbook alone above the limit (32.5 MB, ~100k organizations): no trimmed file, and why
  assertEquals(upload({ exportFiles: [{ name: XLSX, bytes: 32.5 * MB }] }), [
    `**Upload:** the workbook \`${XLSX}\` is 32.5 MB, ${above}. This export has no CSV, so no trimmed file: export the CSV (\`deno task export --format csv\`; when it is large the kit writes a trimmed CSV beside it and the brief says which to upload), or upload a segment file (\`deno task export --segments\`), with this brief, or let Claude query the data through the kit's MCP server (\`deno task mcp\`).`,
  ]);
  // a CSV under the limit beside a workbook above it: upload the CSV, not the workbook
  assertEquals(
    upload({ exportFiles: [{ name: CSV, bytes: 2048 }, { name: XLSX, bytes: 32.7 * MB }] }),
    [
      `**Upload:** \`${CSV}\` (2.0 KB) together with this brief. The workbook \`${XLSX}\` (32.7 MB) is ${above}: do not upload it.`,
    ],
  );
  // both above: the trimmed CSV, and the workbook is above it too
  assertEquals(
    upload({
      exportFiles: [{ name: CSV, bytes: 25 * MB }, { name: XLSX, bytes: 54.3 * MB }],
      trimmed: { name: trimmedName, bytes: 10 * MB, rows: 4 },
    }),
    [
      `**Upload:** the full CSV is 25.0 MB, ${above}. Upload \`${trimmedName}\` and this brief instead. The workbook \`${XLSX}\` (54.3 MB) is above it too: do not upload it.`,
    ],
  );
});

Deno.test("an XLSX-only export above the limit with segments: no trimmed CSV; each segment file sized against the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { writeSegmentFiles } = await import("../lib/report/segments.ts");
    const xlsxPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await Deno.writeFile(xlsxPath, new Uint8Array(5000));
    const segments = segmentFrames(frame);
    const segmentPaths = await writeSegmentFiles(segments, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: dir,
      stamp: "2026-11-01",
    });
    const sizes = await Promise.all(segmentPaths.map(async (p) => (await Deno.stat(p)).size));
    // a limit between the smallest and the largest segment file: one fits, one does not
    const limit = Math.min(...sizes);
    ok(Math.max(...sizes) > limit, `segment files of different sizes: ${sizes}`);
    const written = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [xlsxPath],
      segments,
      trimAboveBytes: limit,
    });
    assertEquals(written.trimmedPath, undefined);
    ok(!(await Array.fromAsync(Deno.readDir(dir))).some((e) => e.name.includes("trimmed")));
    const brief = await Deno.readTextFile(written.briefPath);
    ok(
      brief.includes(
        "This export has no CSV, so no trimmed file: export the CSV (`deno task export --format csv`; when it is large the kit writes a trimmed CSV beside it and the brief says which to upload), or upload a segment file under the limit (Segment files, below), with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`).",
      ),
      brief,
    );
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const lines = brief.split("\n");
    ok(lines.includes("| file | segment | rule | organizations | size |"));
    segments.forEach((segment, i) => {
      const size = sizes[i] > limit
        ? `${kb(sizes[i])}, above the ${kb(limit)} limit`
        : kb(sizes[i]);
      // (o5's MRR is unknown: the rules that judge MRR say so beside their count)
      const count = segment.frame.height +
        (segment.notJudged ? ` — ${segment.notJudged.text}` : "");
      ok(
        lines.includes(
          `| \`helicone_pricing_data_2026-11-01_${segment.name}.csv\` | ${segment.title} | ${
            codeSpans(segment.rule)
          } | ${count} | ${size} |`,
        ),
        `${segment.name}: ${size}`,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no MRR known (Stripe skipped): counts over MRR are unknown (–), not 0; partly known they count the known ones", () => {
  const noMrr = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
  );
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const brief = briefMarkdown({
    data: { ...data, frame: noMrr, revenue: { source: "none" } },
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 1024, rows: 4 },
  });
  const lines = brief.split("\n");
  ok(lines.includes("| organizations with MRR > 0, of those with known MRR | – |"), brief);
  ok(lines.includes(`| ${NEGATIVE_LINE} | – |`));
  // By tier: free o1, o2 (1 + 2 seats, 1,000 requests, $3); paying and negative margin unknown
  ok(
    lines.some((l) =>
      l.includes(
        "| paying (mrr > 0, of known mrr) | negative margin (organizations of loss-making customers, spec basis, of known mrr) |",
      )
    ),
  );
  ok(lines.includes("| free | 2 | 3 | 1,000 | 500 | $3.00 | – | 2 | – | – | 0 |"), brief);
  // left out of the trimmed file: o1, whose MRR is not known
  ok(brief.includes("(1 seat, MRR unknown). Counted in the trimmed file"));
  // o1 and o2 both without requests, o1's MRR unknown, o2's $0: seats 1 + 2
  const twoOut = briefMarkdown({
    data: {
      ...data,
      frame: frame.withColumns(
        pl.Series("requests_30d", [0, 0, 20_000, 100_000, 500_000], pl.Float64),
        pl.Series("mrr", [null, 0, 80, 40, null], pl.Float64),
      ),
    },
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 1024, rows: 3 },
  });
  ok(twoOut.includes(
    "left out are the 2 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps (3 seats, $0.00 known MRR, unknown for 1 of them).",
  ));
  // partly known: o4's MRR unknown; pro counts o3 only (MRR 80 > 0, margin 37.5 %)
  const partly = frame.withColumns(
    pl.Series("mrr", [0, 0, 80, null, null], pl.Float64),
    pl.Series("gross_margin_pct", [null, null, 37.5, null, null], pl.Float64),
  );
  const partlyLines = briefMarkdown({ data: { ...data, frame: partly }, exportFiles: [] })
    .split("\n");
  ok(partlyLines.includes("| organizations with MRR > 0, of those with known MRR | 1 |"));
  ok(partlyLines.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $80.00 | 1 | 1 | 0 | 2 |"));
  ok(
    partlyLines.includes(
      "| enterprise | 1 | 10 | 500,000 | 500,000 | $1,000.00 | – | 1 | – | – | 0 |",
    ),
  );
});

/** A kit rule as the brief writes it: each snake_case name a code span. */
function codeSpans(rule: string): string {
  return rule.replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`");
}

Deno.test("By tier: the known families first, then the rest alphabetically, (none) for no tier", () => {
  // o1 free, o2 none, o3 zeta, o4 pro, o5 none, o6 alpha: (none) sorts before the letters
  const mixed = exportFrameFromColumns({
    org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
    tier: ["free", null, "zeta", "pro", null, "alpha"],
    seats: [1, 2, 3, 4, 5, 6],
    requests_30d: [10, 20, 30, 40, 50, 60],
    llm_cost_30d: [1, 2, 3, 4, 5, 6],
    mrr: [0, 10, null, 20, 30, 0],
    is_ptb: [false, true, false, false, true, false],
  });
  const rows = tierSection(mixed).split("\n").slice(2);
  assertEquals(rows.map((row) => row.split(" | ")[0].slice(2)), [
    "free",
    "pro",
    "(none)",
    "alpha",
    "zeta",
  ]);
  // (none): o2 and o5: seats 7, requests 70, median 35, cost $7, MRR $40, both paying and is_ptb
  ok(
    rows.includes("| (none) | 2 | 7 | 70 | 35 | $7.00 | $40.00 | 0 | 2 | 0 | 2 |"),
    rows.join("\n"),
  );
  // zeta: its only MRR unknown
  ok(rows.includes("| zeta | 1 | 3 | 30 | 30 | $3.00 | – | 1 | – | – | 0 |"), rows.join("\n"));
});
