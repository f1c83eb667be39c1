/**
 * The Markdown brief: every column of the column table is described, the questions and pointers,
 * the numbers it quotes, its distributions, money and segments, matched against the
 * five-organization fixture (tests/brief_fixture.ts; arithmetic in the comments). Totals and By
 * tier: brief_totals_test.ts; the trimmed CSV and upload advice: brief_trimmed_csv_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import pl from "nodejs-polars";
import { golden, goldenDemoData } from "./fixtures/golden_demo.ts";
import { COLUMNS, unitInWords } from "../lib/frame/columns.ts";
import {
  briefMarkdown,
  DATA_IS_DATA,
  HISTORY_COMPARE,
  PRICE_CHANGE_TOOLS,
  quantile,
  SUGGESTED_QUESTIONS,
  suggestedQuestions,
} from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { segmentFrames } from "../lib/report/segments.ts";
import { distributionSection, PAYING_MRR_LABEL } from "../lib/report/brief_distributions.ts";
import { totalsSection } from "../lib/report/brief_sections.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { HELP as SCENARIO_HELP } from "../lib/cli/scenario.ts";
import { HELP as COMPARE_HELP } from "../lib/cli/compare.ts";
import { TOOLS as MCP_TOOLS } from "./mcp_client.ts";
import { codeSpans, CSV, data, frame, NEGATIVE_LINE } from "./brief_fixture.ts";

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

Deno.test("one organization is counted in the singular in Scope and Files", () => {
  const one = briefMarkdown({
    data: { ...data, frame: frame.head(1) },
    exportFiles: [{ name: CSV, bytes: 2048 }],
  }).split("\n");
  ok(one.includes(`- 1 organization, one row each, ${COLUMNS.length} columns.`));
  ok(one.includes(`- \`${CSV}\`: 2.0 KB, 1 organization`), one.join("\n").slice(0, 2000));
  ok(!one.some((line) => line.includes("1 organizations")));
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
    "11. PTB vs BYOK: should gateway-only customers (`has_gateway_only`) be priced differently? Their `gross_margin_company_pct` is an upper bound where `ptb_requests_cost_unknown_30d` is above 0 (pass-through requests with no cost recorded).",
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
    "- Money is USD. Per month: `mrr`, `base_subscription`, `usage_charges`, `addon_prompts`, `mrr_recurring`, `addon_other`, `list_price_mrr`, `unbilled_usage_usd` and `usage_discounts`. Totals for the 7-day window, not per month: `llm_cost_30d`, `llm_cost_ptb_30d`, `llm_cost_byok_30d`, `ptb_revenue_30d` and `company_cost_30d` (`ptb_revenue_30d` is the PTB revenue received in the window); all time: `ptb_spend_all_time`. Ratios per seat or request and percentages are as their units say (Columns).";
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
  ok(DATA_IS_DATA.includes("`' =1+2` was entered as ` =1+2`"));
  // said there once: no shorter repeat in Read with care leaving out the spaces, NUL and `'` cases
  const beforeColumns = brief.slice(0, brief.indexOf("## Columns"));
  assertEquals(beforeColumns.split("carries a leading").length - 1, 1);
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

Deno.test("brief statistics (Polars expressions) unchanged from the JS-array version on the demo dataset", async () => {
  const data = await goldenDemoData();
  const brief = briefMarkdown({ data, exportFiles: [{ name: "x.csv", bytes: 1 }] });
  const sections = brief.slice(brief.indexOf("## Totals"), brief.indexOf("## Read with care"));
  assertEquals(createHash("sha256").update(sections).digest("hex"), golden.briefStatisticsSha256);
});
