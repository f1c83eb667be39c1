/**
 * `deno task scenario` (lib/cli/scenario.ts) on an export whose current MRR is all unknown (made
 * while Stripe failed), a scenario with a plan that prices nobody, and refused scenarios.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";

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
    ok(logs[0].startsWith("Scenario seat: current MRR unknown, proposed $0.00"), logs[0]);
    assertEquals(
      logs[1],
      "  breakeven plans[0].perSeatUsd: none (no organization with known current MRR)",
    );
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
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario refuses a price past its bound and a long name in one line, writing nothing", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out");
  const { errors, restore } = captureConsole();
  try {
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
    const written = await Array.fromAsync(Deno.readDir(out)).catch(() => []);
    assertEquals(written, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
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
