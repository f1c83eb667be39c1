/**
 * `deno task scenario --input` on exports other than the day's own: a segment file (its own output
 * names), a renamed export (read by the manifest beside it) and a 7-day export (usage on a 30-day
 * basis, active users not scaled).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { frame, paying } from "./scenario_cli_fixture.ts";

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
      '  against the price book "current_seat_based" on the same 1 organization: -$39.00 (-97.5 %) from its $40.00, which is +$30.00 from current MRR (discounts, term billing, exchange rates: not this scenario)',
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
      '  against the price book "current_seat_based" on the same 2 organizations: -$231.00 (-96.3 %) from its $240.00, which is +$210.00 from current MRR (discounts, term billing, exchange rates: not this scenario)',
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
