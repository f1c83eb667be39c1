/**
 * `deno task scenario` and writeScenarioFiles: files from an export, every scenario checked before
 * writing (all files or none), one-line errors, a 15-day export on a 30-day basis, a read-only
 * folder.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import {
  compareScenario,
  loadScenarioFile,
  writeScenarioFiles,
} from "../lib/analysis/scenario/mod.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { captureConsole } from "./console_capture.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { frame, SCENARIOS } from "./scenario_fixture.ts";

Deno.test("deno task scenario: files from an export, one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const code = await scenarioMain([
      join(SCENARIOS, "current_seat_based.json"),
      "--input",
      input,
      "--out-dir",
      dir,
    ]);
    assertEquals(code, 0, errors.join("\n"));
    const base = join(dir, "helicone_pricing_scenario_current_seat_based_2026-11-01");
    const { records } = parseCsvRecords(await Deno.readTextFile(`${base}.csv`));
    assertEquals(records.map((r) => r.proposed_mrr), [
      "60",
      "20",
      "150",
      "84.5",
      "200",
      "79",
      "3000",
      "0",
      "0",
    ]);
    // u1's usage charges read from the file and carried
    assertEquals([records[3].proposed_usage_carried, records[3].delta_usd], ["4.5", "0"]);
    const byTier = parseCsvRecords(await Deno.readTextFile(`${base}_by_tier.csv`)).records;
    assertEquals(byTier.at(-1), {
      tier: "all",
      organizations: "9",
      comparable: "8",
      current_mrr: "3593.5",
      proposed_mrr: "3593.5",
      delta_usd: "0",
      change_pct: "0",
      pays_more: "0",
      pays_less: "0",
      unchanged: "8",
      unknown_current: "1",
      proposed_mrr_unknown_current: "0",
      proposed_unknown: "0",
      not_comparable: "0",
      current_mrr_not_comparable: "0",
      // no company cost in the fixture: the eight compared are left out of the margin
      margin_organizations: "0",
      margin_unknown: "8",
      company_cost: "",
      current_margin_company_pct: "",
      proposed_margin_company_pct: "",
      margin_change_pts: "",
      margin_ptb_requests_cost_unknown: "0",
    });
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(summary.includes("| current MRR | $3,593.50 |"));
    // what it does not model is said before any figure, so none reads as a forecast
    const notModelled = summary.indexOf("Not modelled: how customers respond.");
    ok(notModelled > 0 && notModelled < summary.indexOf("## Totals"), summary);
    ok(summary.includes("(no churn, no price elasticity, no new customers)"), summary);
    ok(summary.includes("`plans[2].perSeatUsd` = **20**"), summary);
    ok(summary.includes("usage charges carried as billed into proposed MRR"), summary);
    ok(
      logs[0].startsWith("Scenario current_seat_based: current MRR $3,593.50, proposed $3,593.50"),
      logs[0],
    );

    errors.length = 0;
    assertEquals(
      await scenarioMain([join(SCENARIOS, "per_request.json"), "--input", `${base}.csv`]),
      1,
    );
    assertEquals(errors.length, 1);
    ok(errors[0].startsWith(`error: ${base}.csv is not a pricing-kit export: its header lacks`));
    errors.length = 0;
    assertEquals(await scenarioMain(["--input", input]), 1);
    assertEquals(errors, [
      "error: no scenario file: pass one such as scenarios/per_request.json (see --help)",
    ]);
    assertEquals(await scenarioMain(["--help"]), 0);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario checks every scenario before writing: all files or none", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  const run = async (args: string[]) => {
    errors.length = 0;
    return await scenarioMain(args);
  };
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const out = join(dir, "out");
    const seat = join(SCENARIOS, "current_seat_based.json");
    const pct = join(SCENARIOS, "two_percent_of_llm_cost.json");
    // plans[2] is current_seat_based's per-seat plan; two_percent_of_llm_cost has one plan only
    const common = ["--input", input, "--out-dir", out];
    assertEquals(await run([seat, pct, "--breakeven", "plans[2].perSeatUsd", ...common]), 1);
    assertEquals(errors, [
      `error: ${pct}: --breakeven names nothing in the scenario: "plans[2].perSeatUsd"; name one of its prices: plans[0].pctOfLlmCost.percent`,
    ]);
    assertEquals(await run([seat, pct, "--breakeven", "plans[0].name", ...common]), 1);
    ok(errors[0].startsWith(`error: ${seat}: --breakeven must name a price`), errors[0]);
    // current_seat_based's plans[0] lists metered request prices it never charges
    const metered = "plans[0].meteredPrices.requests.tiers[0].usdPer1k";
    assertEquals(await run([seat, "--breakeven", metered, ...common]), 1);
    assertEquals(errors.length, 1);
    ok(
      errors[0].startsWith(
        `error: ${seat}: --breakeven must name a price the scenario charges: scenario pricing does not read meteredPrices`,
      ),
      errors[0],
    );
    // the same name twice: their files would overwrite each other
    const twin = join(dir, "twin.json");
    const parsed = JSON.parse(await Deno.readTextFile(pct));
    await Deno.writeTextFile(twin, JSON.stringify({ ...parsed, name: "current_seat_based" }));
    assertEquals(await run([seat, twin, ...common]), 1);
    assertEquals(errors, [
      `error: ${seat} and ${twin} are both named "current_seat_based" (the name names the output files); rename one`,
    ]);
    assertEquals(await Deno.stat(out).catch(() => null), null, "nothing written");

    // A file where a later scenario's output goes: publishing fails, none of the files appear.
    await Deno.mkdir(out);
    const blocked = "helicone_pricing_scenario_two_percent_of_llm_cost_2026-11-01.md";
    await Deno.mkdir(join(out, blocked));
    assertEquals(await run([seat, pct, "--quiet", ...common]), 1);
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].includes(`${blocked} exists and is not a file; move it away`), errors[0]);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), [blocked]);
    await Deno.remove(join(out, blocked));
    assertEquals(await run([seat, pct, ...common]), 0, errors.join("\n"));
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "helicone_pricing_scenario_current_seat_based_2026-11-01.csv",
      "helicone_pricing_scenario_current_seat_based_2026-11-01.md",
      "helicone_pricing_scenario_current_seat_based_2026-11-01_by_tier.csv",
      "helicone_pricing_scenario_two_percent_of_llm_cost_2026-11-01.csv",
      "helicone_pricing_scenario_two_percent_of_llm_cost_2026-11-01.md",
      "helicone_pricing_scenario_two_percent_of_llm_cost_2026-11-01_by_tier.csv",
    ]);

    // --out-dir a file, empty values: one line each, before any data is read
    for (
      const [args, message] of [
        [
          [seat, "--input", input, "--out-dir", input],
          `error: --out-dir ${input} is a file, not a folder; pass a folder (made if missing)`,
        ],
        [
          [seat, "--input", input, "--out-dir", ""],
          "error: --out-dir needs a value, got an empty one (see --help)",
        ],
        [
          [seat, "--input", "", "--out-dir", out],
          "error: --input needs a value, got an empty one (see --help)",
        ],
      ] as const
    ) {
      assertEquals(await run([...args]), 1);
      assertEquals(errors, [message]);
    }
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario on a 15-day export prices its usage on a 30-day basis, files named with the window", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // the same organizations' usage over 15 days: half of each 30-day figure
    const usage = ["requests_30d", "llm_cost_30d", "llm_cost_ptb_30d", "llm_cost_byok_30d"];
    const half = frame.withColumns(
      ...usage.map((name) => pl.col(name).cast(pl.Float64).div(2).alias(name)),
    );
    const month = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const fortnight = join(dir, "helicone_pricing_data_2026-11-01_15d.csv");
    await writeCsvFile(frame, month);
    await writeCsvFile(
      half.withColumns(pl.col("requests_30d").cast(pl.Int64)), // whole requests (all even)
      fortnight,
    );
    const proposed = async (input: string, base: string) => {
      const args = [join(SCENARIOS, "per_request.json"), "--input", input, "--out-dir", dir];
      assertEquals(await scenarioMain(args), 0, errors.join("\n"));
      const path = join(dir, `helicone_pricing_scenario_per_request_${base}.csv`);
      return parseCsvRecords(await Deno.readTextFile(path)).records.map((r) => r.proposed_mrr);
    };
    const monthly = await proposed(month, "2026-11-01");
    assertEquals(await proposed(fortnight, "2026-11-01_15d"), monthly);
    ok(
      errors.includes("warning: window is 15 days: usage priced on a 30-day basis (× 30 / 15)"),
      errors.join("\n"),
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "a scenario's files into a read-only folder: one line naming the folder as chosen, with that fix; nothing written",
  async (folder) => {
    await folder.readOnly();
    const scenario = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
    const outDir = join(folder.dir, "scenarios");
    await rejects(
      writeScenarioFiles(await compareScenario(frame, { scenario }), {
        chosenBy: { named: "outDir", otherwise: "set outDir" },
        outDir,
        context: { dataLabel: "fixture", asOf: new Date("2026-11-01T00:00:00Z"), demo: false },
      }),
      {
        name: "UserError",
        message: `outDir ${outDir} is not writable (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or set outDir to another folder`,
      },
    );
    assertEquals([...Deno.readDirSync(folder.dir)], []);
  },
);
