/**
 * `deno task scenario` (lib/cli/scenario.ts) on an export whose current MRR is all unknown (made
 * while Stripe failed), a scenario with a plan that prices nobody, and refused scenarios; --input
 * a segment file (its own output names) or a renamed export (read by the manifest beside it).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { noneComparedExport, notComparableExport, SEAT_KEPT } from "./scenario_not_comparable.ts";

/** a1 pro 2 seats, a2 team 5 seats; MRR unknown for both */
const frame = exportFrameFromColumns({
  org_id: ["a1", "a2"],
  org_name: ["A1", "A2"],
  tier: ["pro", "team"],
  tier_raw: ["pro", "team"],
  seats: [2, 5],
  active_users_30d: [2, 5],
  requests_30d: [1_000, 2_000],
  llm_cost_30d: [1, 2],
  llm_cost_ptb_30d: [0, 0],
  llm_cost_byok_30d: [1, 2],
  addons_in_metadata: [null, null],
  addon_prompts: [0, 0],
  usage_charges: [0, 0],
  mrr: [null, null],
});

Deno.test("deno task scenario without known current MRR: current MRR unknown, no breakeven; a plan pricing nobody is warned about", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "seat",
        plans: [
          { name: "everyone", perSeatUsd: 10 },
          { name: "late", match: { tiers: ["pro"] }, flatUsd: 5 },
        ],
        breakeven: "plans[0].perSeatUsd",
      }),
    );
    const code = await scenarioMain([file, "--input", input, "--out-dir", dir]);
    assertEquals(code, 0, errors.join("\n"));
    // nothing to compare: no "proposed $0.00"; a1 2 seats + a2 5 seats at $10 = $70 proposed
    assertEquals(
      logs[0],
      "Scenario seat: current MRR unknown (no organization with known current MRR), no comparison; 2 organizations with unknown current MRR, proposed $70.00",
    );
    assertEquals(
      logs[1],
      "  breakeven plans[0].perSeatUsd: none (no organization with known current MRR)",
    );
    // a2 (team) keeps its unknown current MRR: its proposed MRR is unknown too, and not in the $20
    const kept = join(dir, "kept.json");
    await Deno.writeTextFile(
      kept,
      JSON.stringify({
        name: "kept",
        plans: [
          { name: "contract", match: { tiers: ["team"] }, keepCurrentMrr: true },
          { name: "everyone", perSeatUsd: 10 },
        ],
      }),
    );
    logs.length = 0;
    assertEquals(await scenarioMain([kept, "--input", input, "--out-dir", dir]), 0);
    assertEquals(
      logs[0],
      "Scenario kept: current MRR unknown (no organization with known current MRR), no comparison; 2 organizations with unknown current MRR, proposed $20.00 (1 of them with unknown proposed MRR too, not in it)",
    );
    // by tier: team's one organization has unknown proposed MRR: empty, not $0, and counted
    const keptByTier = parseCsvRecords(
      await Deno.readTextFile(join(dir, "helicone_pricing_scenario_kept_2026-11-01_by_tier.csv")),
    ).records.map((r) => [r.tier, r.proposed_mrr_unknown_current, r.proposed_unknown]);
    assertEquals(keptByTier, [["pro", "20", "0"], ["team", "", "1"], ["all", "20", "1"]]);
    ok(
      errors.includes(
        'warning: seat: plan "late" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "everyone"',
      ),
      errors.join("\n"),
    );
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_seat_2026-11-01.md"),
    );
    ok(
      summary.includes(
        '- plan "late" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "everyone"',
      ),
      summary,
    );
    ok(summary.includes("| current MRR | unknown (no organization with known current MRR) |"));
    ok(
      summary.includes(
        "| proposed MRR | – (no organization with known current MRR: nothing to compare; see the last row) |",
      ),
      summary,
    );
    ok(summary.includes("| change | – |"), summary);
    ok(
      summary.includes(
        "| organizations with unknown current MRR (not above) | 2 (proposed $70.00) |",
      ),
    );
    ok(!summary.includes("$0.00"), summary);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Runs `check` (which expects refused runs) in a temporary folder with the console captured;
 * afterwards nothing was written into the folder's `out`.
 */
async function refusedRuns(
  check: (where: { dir: string; out: string; errors: string[] }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out");
  const { errors, restore } = captureConsole();
  try {
    await check({ dir, out, errors });
    assertEquals(await Array.fromAsync(Deno.readDir(out)).catch(() => []), []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deno task scenario refuses a price past its bound and a long name in one line, writing nothing", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const big = join(dir, "big.json");
    await Deno.writeTextFile(big, '{"name":"big","plans":[{"name":"p","flatUsd":1e308}]}');
    assertEquals(await scenarioMain([big, "--input", input, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${big}: plans[0].flatUsd must be at most 10,000,000 (USD a month), got 1e+308`,
    ]);
    errors.length = 0;
    const long = join(dir, "long.json");
    await Deno.writeTextFile(
      long,
      JSON.stringify({ name: "a".repeat(300), plans: [{ name: "p", flatUsd: 1 }] }),
    );
    assertEquals(await scenarioMain([long, "--input", input, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${long}: name must be at most 64 characters (it names files), got 300`,
    ]);
  });
});

/**
 * stdout's breakeven line of a "p % of all LLM cost" scenario (5 %) over a1 and a2, their current
 * MRR $40 and $100 and their LLM cost `llmCost`.
 */
async function pctOfLlmCostBreakevenLine(llmCost: [number, number]): Promise<string> {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const known = frame.withColumns(
      pl.Series("mrr", [40, 100]),
      pl.Series("llm_cost_30d", llmCost),
    );
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(known, input);
    const file = join(dir, "pct.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "pct",
        plans: [{ name: "everyone", pctOfLlmCost: { percent: 5, basis: "all" } }],
        breakeven: "plans[0].pctOfLlmCost.percent",
      }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    return logs[1];
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deno task scenario: a breakeven past the price's bound reads none, naming the bound, not a price the file would be refused with", async () => {
  // current MRR a1 $40 + a2 $100 = $140: at LLM cost $0.30 + $0.30 = $0.60 it takes p =
  // 23,333.33 %, past the 10,000 % bound
  assertEquals(
    await pctOfLlmCostBreakevenLine([0.3, 0.3]),
    "  breakeven plans[0].pctOfLlmCost.percent: none (proposed MRR stays below current MRR up to the price's bound, 10,000 percent (the most a scenario file takes))",
  );
});

Deno.test("deno task scenario: a breakeven found says its unit on stdout", async () => {
  // current MRR a1 $40 + a2 $100 = $140 against LLM cost $1 + $2 = $3: p % of $3 = $140 at
  // p = 14,000 / 3 = 4,666.67 % (6 significant digits)
  assertEquals(
    await pctOfLlmCostBreakevenLine([1, 2]),
    "  breakeven plans[0].pctOfLlmCost.percent = 4666.67 % of LLM cost (scenario: 5 % of LLM cost)",
  );
});

Deno.test("deno task scenario given a file that is no JSON: what it is, in one line, its bytes never raw on the terminal", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const workbook = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await Deno.writeFile(workbook, new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 8]));
    const utf16 = join(dir, "utf16.json");
    await Deno.writeFile(utf16, new Uint8Array([0xff, 0xfe, 0x7b, 0, 0x7d, 0]));
    const escape = join(dir, "esc.json");
    await Deno.writeTextFile(escape, "x\x1b[31mRED\nSECOND");
    const input_ = "a scenario is a JSON file such as scenarios/per_request.json (an export to " +
      "price is passed with --input)";
    const cases: [string, string | RegExp][] = [
      // the export itself where the scenario goes (--input forgotten)
      [
        workbook,
        `error: ${workbook} is not valid JSON: it is a ZIP file (an XLSX workbook?); ${input_}`,
      ],
      [input, `error: ${input} is not valid JSON: it is an export CSV; ${input_}`],
      [utf16, `error: ${utf16} is not valid JSON: it is UTF-16 text; save it as UTF-8`],
      // the parser's words quote the bytes: the ESC and the newline escaped, the line whole
      [escape, /^error: .*esc\.json is not valid JSON: .*x\\u001b\[31mRED\\nSECOND/],
    ];
    for (const [file, message] of cases) {
      errors.length = 0;
      assertEquals(await scenarioMain([file, "--out-dir", out]), 1);
      assertEquals(errors.length, 1, errors.join("\n"));
      if (typeof message === "string") assertEquals(errors[0], message);
      else ok(message.test(errors[0]), errors[0]);
      ok(!/\p{Cc}/u.test(errors[0]), JSON.stringify(errors[0])); // no control character raw
    }
  });
});

Deno.test("deno task scenario given a folder, or one file twice: said with the fix", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = new URL("../scenarios/per_request.json", import.meta.url).pathname;
    // (was "cannot be read (Is a directory (os error 21): readfile …)", naming no fix)
    assertEquals(await scenarioMain([dir, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${dir} is a folder, not a scenario file; pass a scenario file such as scenarios/per_request.json`,
    ]);
    errors.length = 0;
    // (was "… are both named "per_request" …; rename one")
    const again = `${dirname(scenario)}/./per_request.json`; // (join would drop the ./)
    assertEquals(await scenarioMain([scenario, again, "--out-dir", out]), 1);
    assertEquals(errors, [`error: ${again} is given more than once; give each scenario file once`]);
  });
});

Deno.test("deno task scenario --input a file that does not exist: said with the fix", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = new URL("../scenarios/per_request.json", import.meta.url).pathname;
    const gone = join(dir, "nonexist.csv");
    assertEquals(await scenarioMain([scenario, "--input", gone, "--out-dir", out]), 1);
    // (said only "does not exist")
    assertEquals(errors, [
      `error: ${gone} does not exist; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    ]);
  });
});

Deno.test("deno task scenario --input an export named for a day after today, or before 1970: refused as misnamed", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = new URL("../scenarios/per_request.json", import.meta.url).pathname;
    for (const date of ["2099-01-01", "1960-01-01"]) {
      const misnamed = join(dir, `helicone_pricing_data_${date}.csv`);
      await writeCsvFile(frame, misnamed);
      errors.length = 0;
      assertEquals(await scenarioMain([scenario, "--input", misnamed, "--out-dir", out]), 1);
      // (2099 was priced and written as "data as of 2099-01-01")
      assertEquals(errors, [
        `error: --input ${misnamed}: its as-of date ${date} is ${
          date === "2099-01-01" ? "in the future" : "before 1970-01-01"
        }; rename it to the date it was exported (or fix its manifest)`,
      ]);
    }
  });
});

Deno.test("deno task scenario --input: match.tiersRaw finds a raw tier the CSV wrote with its formula guard", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1's raw tier starts with -: the CSV holds '-legacy-2024 (MRR a1 $10, a2 $20)
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      frame.withColumns(
        pl.Series("tier_raw", ["-legacy-2024", "team"], pl.Utf8),
        pl.Series("mrr", [10, 20], pl.Float64),
      ),
      input,
    );
    ok((await Deno.readTextFile(input)).includes(",'-legacy-2024,"), "guarded in the file");
    const file = join(dir, "legacy.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "legacy",
        plans: [
          { name: "legacy", match: { tiersRaw: ["-legacy-2024"] }, flatUsd: 7 },
          { name: "rest", flatUsd: 100 },
        ],
      }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    // a1 on legacy $7, a2 on rest $100
    ok(logs[0].startsWith("Scenario legacy: current MRR $30.00, proposed $107.00"), logs[0]);
    ok(!errors.some((line) => line.includes("prices no organization")), errors.join("\n"));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

/** $1 per 1,000 requests, none included: the proposed MRR is the requests on a 30-day basis. */
async function perRequestScenario(dir: string): Promise<string> {
  const file = join(dir, "req.json");
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      name: "req",
      plans: [{
        name: "metered",
        perRequest: {
          includedRequests: 0,
          mode: "graduated",
          tiers: [{ upTo: null, usdPer1k: 1 }],
        },
      }],
    }),
  );
  return file;
}

/**
 * a1 $10 and a2 $20 a month, 1,000 and 2,000 requests in the window; company cost 0.5 and 1 (no
 * PTB revenue, none needed: no PTB cost)
 */
const paying = frame.withColumns(
  pl.Series("mrr", [10, 20], pl.Float64),
  pl.Series("ptb_revenue_30d", [0, 0], pl.Float64),
  pl.Series("company_cost_30d", [0.5, 1], pl.Float64),
);

Deno.test("deno task scenario --input a segment file: its suffix stays in the output names, and the line and summary say which part was priced", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const scenario = await perRequestScenario(dir);
    const whole = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    const segment = join(dir, "helicone_pricing_data_2026-11-01_demo_underpriced.csv");
    await writeCsvFile(paying, whole);
    await writeCsvFile(paying.head(1), segment);
    assertEquals(await scenarioMain([scenario, "--input", whole, "--out-dir", dir]), 0);
    const wholeSummary = join(dir, "helicone_pricing_scenario_req_2026-11-01_demo.md");
    const wholeText = await Deno.readTextFile(wholeSummary);
    logs.length = 0;
    assertEquals(
      await scenarioMain([scenario, "--input", segment, "--out-dir", dir]),
      0,
      errors.join("\n"),
    );
    // a1 alone: $10 now, 1,000 requests at $1 per 1,000 = $1; the price book (the built-in
    // current_seat_based) bills its 2 pro seats $20 each, $40: $30 over what a1 pays, and $39
    // over the proposal. Company margin (10 − 0.5) / 10 = 95 % → (1 − 0.5) / 1 = 50 %
    const base = join(dir, "helicone_pricing_scenario_req_2026-11-01_demo_underpriced");
    assertEquals(logs, [
      "Scenario req (DEMO DATA; the underpriced segment only): current MRR $10.00, proposed $1.00 (-90.0 %); 0 pay more, 1 pay less, 0 unchanged",
      '  against the price book "current_seat_based" on the same 1 organization: -$39.00 (-97.5 %) from its $40.00, which is +$30.00 from current MRR (discounts, term billing: not this scenario)',
      "  company margin (1 organization, company cost unchanged): 95.0 % → 50.0 % (-45.0 points)",
      `  ${base}.csv`,
      `  ${base}_by_tier.csv`,
      `  ${base}.md`,
    ]);
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(
      summary.startsWith(
        "# Pricing scenario req, data as of 2026-11-01 (DEMO DATA), the underpriced segment only\n",
      ),
      summary,
    );
    ok(
      summary.includes(
        "Data: export file `helicone_pricing_data_2026-11-01_demo_underpriced.csv` (the underpriced segment only, not the whole company; Underpriced: high usage or LLM cost, low MRR).",
      ),
      summary,
    );
    assertEquals(await Deno.readTextFile(wholeSummary), wholeText, "the whole export's kept");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input a renamed export: window, as-of and demo flag from the manifest beside it; without one, a warning says what was assumed", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const scenario = await perRequestScenario(dir);
    // a 10-day demo export of 2026-11-01, renamed: 3,000 requests in 10 days are 9,000 a month
    const input = join(dir, "pricing_nov.csv");
    await writeCsvFile(paying, input);
    await Deno.writeTextFile(
      join(dir, "pricing_nov.manifest.json"),
      JSON.stringify({ demo: true, as_of: "2026-11-01T00:00:00.000Z", window: { days: 10 } }),
    );
    assertEquals(
      await scenarioMain([scenario, "--input", input, "--out-dir", dir]),
      0,
      errors.join("\n"),
    );
    assertEquals(errors, [
      "warning: window is 10 days: usage priced on a 30-day basis (× 30 / 10)",
    ]);
    const base = join(dir, "helicone_pricing_scenario_req_2026-11-01_demo_10d");
    assertEquals(logs, [
      "Scenario req (DEMO DATA): current MRR $30.00, proposed $9.00 (-70.0 %); 0 pay more, 2 pay less, 0 unchanged",
      "  The data's window is 10 days: its usage (requests, LLM cost) is priced on a 30-day basis (× 30 / 10), as prices are monthly; the per-organization file's requests_30d and llm_cost_30d are the window's own 10-day values, as in the export.",
      // the book: a1's 2 pro seats at $20 and a2's legacy team bundle, $200: $240, $210 over
      // the $30 billed, $231 over the proposal; company cost on a 30-day basis (0.5 + 1) × 3 =
      // 4.5: (30 − 4.5) / 30 = 85 % → (9 − 4.5) / 9 = 50 %
      '  against the price book "current_seat_based" on the same 2 organizations: -$231.00 (-96.3 %) from its $240.00, which is +$210.00 from current MRR (discounts, term billing: not this scenario)',
      "  company margin (2 organizations, company cost unchanged): 85.0 % → 50.0 % (-35.0 points)",
      `  ${base}.csv`,
      `  ${base}_by_tier.csv`,
      `  ${base}.md`,
    ]);
    // without the manifest: priced as 30 days of live data as of its file date, and said so
    await Deno.remove(join(dir, "pricing_nov.manifest.json"));
    const modified = Deno.statSync(input).mtime!.toISOString().slice(0, 10);
    errors.length = 0;
    logs.length = 0;
    assertEquals(await scenarioMain([scenario, "--input", input, "--out-dir", dir]), 0);
    assertEquals(errors, [
      `warning: pricing_nov.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (pricing_nov.manifest.json): assumed live data, a 30-day window and as-of ${modified} (its modification date); keep the export's name, or copy its manifest beside it as pricing_nov.manifest.json`,
    ]);
    ok(logs[0].startsWith("Scenario req: current MRR $30.00, proposed $3.00 (-90.0 %)"), logs[0]);
    // the summary, read after the run's stderr is gone, says what was assumed too: priced as 30
    // days, a 10-day export's usage would read a third of what it is
    const summary = await Deno.readTextFile(
      join(dir, `helicone_pricing_scenario_req_${modified}.md`),
    );
    const listed = summary.split("\n").filter((line) => line.includes("is not named as an export"));
    assertEquals(listed.length, 1, summary);
    ok(listed[0].startsWith("- `pricing_nov.csv` is not named as an export"), listed[0]);
    ok(listed[0].includes("assumed live data, a 30-day window and as-of"), listed[0]);
    // --quiet: nothing but errors
    errors.length = 0;
    logs.length = 0;
    assertEquals(await scenarioMain([scenario, "--input", input, "--out-dir", dir, "--quiet"]), 0);
    assertEquals([errors, logs], [[], []]);
    // the same rows as the demo generator writes them (revenue_source demo): demo data, whatever
    // the name, and not assumed live
    await writeCsvFile(paying.withColumns(pl.lit("demo").alias("revenue_source")), input);
    errors.length = 0;
    logs.length = 0;
    assertEquals(await scenarioMain([scenario, "--input", input, "--out-dir", dir]), 0);
    ok(logs[0].startsWith("Scenario req (DEMO DATA): "), logs[0]);
    ok(errors.length === 1 && !errors[0].includes("live data"), errors.join("\n"));
    ok(errors[0].includes("assumed a 30-day window and as-of"), errors[0]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario on a 7-day export: usage priced on a 30-day basis, said in the summary and stdout; the per-organization file keeps the export's values", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1 7,000 requests and $0.70 of LLM cost in 7 days, a2 14,000 and $1.40; MRR $10 and $20
    const input = join(dir, "helicone_pricing_data_2026-11-01_7d.csv");
    await writeCsvFile(
      frame.withColumns(
        pl.Series("requests_30d", [7_000, 14_000], pl.Int64),
        pl.Series("llm_cost_30d", [0.7, 1.4], pl.Float64),
        pl.Series("mrr", [10, 20], pl.Float64),
      ),
      input,
    );
    const file = join(dir, "per_1k.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "per_1k",
        plans: [{
          name: "everyone",
          perRequest: {
            includedRequests: 0,
            mode: "graduated",
            tiers: [{ upTo: null, usdPer1k: 1 }],
          },
        }],
      }),
    );
    const note =
      "The data's window is 7 days: its usage (requests, LLM cost) is priced on a 30-day basis (× 30 / 7), as prices are monthly; the per-organization file's requests_30d and llm_cost_30d are the window's own 7-day values, as in the export.";
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    // × 30 / 7: a1 30,000 requests → $30, a2 60,000 → $60; current $30 → proposed $90 (+200 %)
    assertEquals(
      logs[0],
      "Scenario per_1k: current MRR $30.00, proposed $90.00 (+200.0 %); 2 pay more, 0 pay less, 0 unchanged",
    );
    assertEquals(logs[1], `  ${note}`);
    const base = join(dir, "helicone_pricing_scenario_per_1k_2026-11-01_7d");
    ok((await Deno.readTextFile(`${base}.md`)).includes(`Proposed revenue is per month. ${note}`));
    // the export's 7-day values under its column names (was 30,000 / 60,000 and $3 / $6)
    const perOrg = pl.readCSV(await Deno.readTextFile(`${base}.csv`));
    assertEquals(perOrg.getColumn("requests_30d").toArray(), [7_000, 14_000]);
    assertEquals(perOrg.getColumn("llm_cost_30d").toArray(), [0.7, 1.4]);
    assertEquals(perOrg.getColumn("proposed_usage").toArray(), [30, 60]);
    // --quiet drops stderr and stdout: the summary still says it
    await Deno.remove(`${base}.md`);
    logs.length = 0;
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(logs, []);
    ok((await Deno.readTextFile(`${base}.md`)).includes(note));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario on a 7-day export: user tiers on active_users_30d are warned of as the window's active users, not scaled", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1 2 and a2 5 members signed in during the 7 days; MRR $10 and $20
    const known = frame.withColumns(pl.Series("mrr", [10, 20], pl.Float64));
    const week = join(dir, "helicone_pricing_data_2026-11-01_7d.csv");
    const month = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(known, week);
    await writeCsvFile(known, month);
    const file = join(dir, "users.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "users",
        plans: [{
          name: "by users",
          flatTiers: {
            metric: "active_users_30d",
            tiers: [{ upTo: 3, usd: 10 }, { upTo: null, usd: 50 }],
          },
        }],
      }),
    );
    const warning =
      `user tiers (flatTiers on active_users_30d) of "by users" judged on the window's 7-day active users (members who signed in during the 7 days) of 2 organizations: they are not scaled to 30 days as usage is, so a 30-day export, counting more of them, can put organizations in other tiers`;
    assertEquals(await scenarioMain([file, "--input", week, "--out-dir", dir]), 0, errors.join());
    // the users as counted, not × 30 / 7 (a1's 2 would be 8.6, $50): a1 $10 (unchanged) + a2 $50
    // (from $20) = $60
    assertEquals(
      logs[0],
      "Scenario users: current MRR $30.00, proposed $60.00 (+100.0 %); 1 pay more, 0 pay less, 1 unchanged",
    );
    ok(errors.includes(`warning: users: ${warning}`), errors.join("\n"));
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_users_2026-11-01_7d.md"),
    );
    ok(
      summary.includes(
        '- user tiers (flatTiers on `active_users_30d`) of "by users" judged on the window\'s 7-day active users',
      ),
      summary,
    );
    // a 30-day export's active users are the tiers' own 30 days: nothing to warn of
    errors.length = 0;
    assertEquals(await scenarioMain([file, "--input", month, "--out-dir", dir]), 0);
    ok(!errors.some((line) => line.includes("user tiers")), errors.join("\n"));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input: organizations sharing a Stripe customer are compared as one", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // a1 pro 2 seats carries cus_1's $40; a2 team 5 seats shares cus_1 (mrr empty): at $10 a
    // seat the customer pays 20 + 50 = $70 for its $40, counted in a1's tier
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      frame.withColumns(
        pl.Series("stripe_customer_id", ["cus_1", "cus_1"], pl.Utf8),
        pl.Series("revenue_source", ["stripe", "shared_customer"], pl.Utf8),
        pl.Series("mrr", [40, null], pl.Float64),
      ),
      input,
    );
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    const read = (name: string) =>
      pl.readCSV(Deno.readTextFileSync(join(dir, name))).toRecords() as Record<string, unknown>[];
    const perOrg = read("helicone_pricing_scenario_seat_2026-11-01.csv");
    assertEquals(
      perOrg.map((r) => [r.org_id, r.current_mrr, r.proposed_mrr, r.delta_usd, r.outcome]),
      [["a1", 40, 20, 30, "pays_more"], ["a2", null, 50, 30, "pays_more"]],
    );
    const byTier = read("helicone_pricing_scenario_seat_2026-11-01_by_tier.csv");
    assertEquals(
      byTier.map((
        r,
      ) => [r.tier, r.organizations, r.current_mrr, r.proposed_mrr, r.unknown_current]),
      [["pro", 2, 40, 70, 0], ["all", 2, 40, 70, 0]],
    );
    // a2 (team, paying) keeps current MRR while a1's row is re-priced: what part of the $40 a2
    // keeps is not known, so cus_1 is not comparable, and the per-tier file says so per tier
    const kept = join(dir, "kept_team.json");
    await Deno.writeTextFile(
      kept,
      JSON.stringify({
        name: "kept_team",
        plans: [
          { name: "kept", match: { tiers: ["team"] }, keepCurrentMrr: true },
          { name: "everyone", perSeatUsd: 10 },
        ],
      }),
    );
    assertEquals(await scenarioMain([kept, "--input", input, "--out-dir", dir]), 0, errors.join());
    const keptByTier = read("helicone_pricing_scenario_kept_team_2026-11-01_by_tier.csv");
    assertEquals(
      keptByTier.map((r) => [
        r.tier,
        r.organizations,
        r.comparable,
        r.current_mrr,
        r.not_comparable,
        r.current_mrr_not_comparable,
      ]),
      [["pro", 2, 0, null, 2, 40], ["all", 2, 0, null, 2, 40]],
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario: the stdout line gives the current MRR of the organizations not comparable", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // tests/scenario_not_comparable.ts: current 90, proposed 50 (−44.4 %); q1, q2 and b1 pay
    // less; m1 and m2 not comparable, cus_8's $500 left out
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(notComparableExport(), input);
    const file = join(dir, "seat_kept.json");
    await Deno.writeTextFile(file, JSON.stringify(SEAT_KEPT));
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    assertEquals(
      logs[0],
      "Scenario seat_kept: current MRR $90.00, proposed $50.00 (-44.4 %); 0 pay more, 3 pay less, 0 unchanged, 2 not comparable (current MRR $500.00 left out)",
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario with none compared: stdout, the summary and the breakeven name the organizations not comparable", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // tests/scenario_not_comparable.ts noneComparedExport: m1 and m2 not comparable (cus_8's $500
    // left out), b1 unknown current, 2 seats × $10 = $20 proposed; nothing compared
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(noneComparedExport(), input);
    const file = join(dir, "seat_kept.json");
    await Deno.writeTextFile(file, JSON.stringify(SEAT_KEPT));
    const args = [file, "--input", input, "--out-dir", dir, "--breakeven", "plans[1].perSeatUsd"];
    assertEquals(await scenarioMain(args), 0, errors.join());
    assertEquals(
      logs[0],
      "Scenario seat_kept: no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR, proposed $20.00",
    );
    // no breakeven, for the same reason (it read "no organization with known current MRR")
    assertEquals(
      logs[1],
      "  breakeven plans[1].perSeatUsd: none (no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR)",
    );
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_seat_kept_2026-11-01.md"),
    );
    ok(
      summary.includes(
        "`plans[1].perSeatUsd` (10 USD per seat per month in the scenario): no breakeven, no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR.",
      ),
      summary,
    );
    ok(
      summary.includes(
        "| current MRR | – (no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR) |",
      ),
      summary,
    );
    ok(
      summary.includes("| proposed MRR | – (nothing to compare; see the last two rows) |"),
      summary,
    );
    ok(summary.includes("| change | – |"), summary);
    ok(
      summary.includes(
        "| organizations with unknown current MRR (not above) | 1 (proposed $20.00) |",
      ),
      summary,
    );
    ok(
      summary.includes("| organizations not comparable (not above) | 2 (current MRR $500.00: "),
      summary,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input: an export CSV saved again by LibreOffice (booleans TRUE/FALSE) prices as the kit's own", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1 $10 cancels at period end, a2 $20 does not: both priced at $10 a seat (20 and 50)
    const original = join(dir, "original", "helicone_pricing_data_2026-11-01.csv");
    await Deno.mkdir(join(dir, "original"));
    await writeCsvFile(
      paying.withColumns(
        pl.Series("cancel_at_period_end", [true, false], pl.Bool),
        pl.Series("is_byok", [true, false], pl.Bool),
      ),
      original,
    );
    await sofficeConvert(original, {
      to: "csv",
      outDir: dir,
      infilter: "CSV:44,34,76,1,,0,false,true,true",
    });
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    ok((await Deno.readTextFile(input)).includes(",TRUE,"), "LibreOffice wrote TRUE");
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    ok(logs[0].startsWith("Scenario seat: current MRR $30.00, proposed $70.00"), logs[0]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input: an export an earlier kit version wrote (f6d6c0c's 41 columns) prices as this version's would; its company margin is unknown, said with the columns it lacks", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // Harbor Bank 391 3 seats $0, Granite Games 32 27 seats $889, Delta Bank 118 1 seat $83.56:
    // at $10 a seat 30 + 270 + 10 = $310 for 0 + 889 + 83.56 = $972.56
    const input = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      new URL("./fixtures/export_columns_f6d6c0c.csv", import.meta.url).pathname,
      input,
    );
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    // (310 − 972.56) ÷ 972.56 = −68.1 %; Harbor Bank pays more, the other two less
    assertEquals(
      logs[0],
      "Scenario seat (DEMO DATA): current MRR $972.56, proposed $310.00 (-68.1 %); 1 pay more, 2 pay less, 0 unchanged",
    );
    // the company margin reads two of the columns added since: said, and the margin left out
    // naming them (the other warnings are the scenario's: an unpriced add-on, usage charges)
    assertEquals(
      errors.filter((line) => line.includes("earlier kit version") || line.includes("margin")),
      [
        "warning: helicone_pricing_data_2026-10-01_demo.csv is an export of an earlier kit version: it has no ptb_revenue_30d, company_cost_30d (added since), read as empty",
        "warning: seat: 3 of the 3 organizations compared are left out of the company margin: 3 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
      ],
    );
    assertEquals(
      logs[2],
      "  company margin: unknown, no company cost or PTB revenue known for the 3 organizations compared (see the warnings)",
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
