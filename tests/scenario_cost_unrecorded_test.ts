/**
 * A scenario priced on a share of LLM cost (pctOfLlmCost) over organizations that sent requests
 * with no cost recorded (requests_cost_unknown_30d; of them, ptb_requests_cost_unknown_30d the
 * pass-through ones): their LLM cost on the plan's basis is short of those requests' cost, so
 * their proposed MRR is a lower bound; one warning per plan says so. Numbers worked by hand from
 * four organizations.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { compareScenario } from "../lib/analysis/scenario/mod.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";

/**
 * a pro: 1,000 requests without a cost, 400 of them pass-through; b pro: 30 BYOK requests without
 * a cost; c pro trialing (kept at $0: not priced); t team: 5 pass-through requests without a
 * cost, priced per seat.
 */
const FRAME = exportFrameFromColumns({
  org_id: ["a", "b", "c", "t"],
  org_name: ["A", "B", "C", "T"],
  tier: ["pro", "pro", "pro", "team"],
  tier_raw: ["pro", "pro", "pro", "team"],
  seats: [1, 1, 1, 2],
  mrr: [20, 20, 0, 200],
  subscription_status: ["active", "active", "trialing", "active"],
  cancel_at_period_end: [false, false, null, false],
  llm_cost_30d: [100, 50, 10, 40],
  llm_cost_ptb_30d: [60, 0, 10, 40],
  llm_cost_byok_30d: [40, 50, 0, 0],
  requests_cost_unknown_30d: [1000, 30, 70, 5],
  ptb_requests_cost_unknown_30d: [400, 0, 70, 5],
});

const scenario = (basis: "all" | "ptb" | "byok") => ({
  name: "share",
  description: "pro pays a share of LLM cost, team per seat",
  addonPrices: {},
  plans: [
    { name: "pro share", match: { tiers: ["pro"] }, pctOfLlmCost: { percent: 5, basis } },
    { name: "team seats", match: { tiers: ["team"] }, perSeatUsd: 100 },
  ],
});

const warning = (requests: string, organizations: string, column: string) =>
  `plan "pro share" charges 5 % of LLM cost (basis ${
    column === "ptb_requests_cost_unknown_30d" ? "ptb" : "all"
  }), but ${organizations} of its organizations sent ${requests} with no cost recorded (${column}): their LLM cost lacks those requests' cost, so their proposed MRR is a lower bound`;

Deno.test("a share of LLM cost over requests without a cost: a lower bound, one warning a plan", async () => {
  // all: a's 1,000 and b's 30; c is kept at $0 and t's plan charges per seat
  const all = await compareScenario(FRAME, { scenario: scenario("all") });
  assertEquals(
    all.warnings.filter((w) => w.includes("no cost recorded")),
    [warning("1,030 requests", "2", "requests_cost_unknown_30d")],
  );
  // ptb: a's 400 pass-through ones only
  const ptb = await compareScenario(FRAME, { scenario: scenario("ptb") });
  assertEquals(
    ptb.warnings.filter((w) => w.includes("no cost recorded")),
    [warning("400 requests", "1", "ptb_requests_cost_unknown_30d")],
  );
  // the breakeven of the plan's percent: an upper bound, said
  const breakeven = await compareScenario(FRAME, {
    scenario: scenario("all"),
    breakeven: "plans[0].pctOfLlmCost.percent",
  });
  assertEquals(breakeven.warnings.filter((w) => w.includes("no cost recorded")), [
    `${
      warning("1,030 requests", "2", "requests_cost_unknown_30d")
    }, and the breakeven of plans[0].pctOfLlmCost.percent an upper bound`,
  ]);
  // the same price named as the breakeven also reads it (plans.0…: pathParts), found the same
  const dotted = await compareScenario(FRAME, {
    scenario: scenario("all"),
    breakeven: "plans.0.pctOfLlmCost.percent",
  });
  assertEquals(dotted.breakeven?.value, breakeven.breakeven?.value);
  assertEquals(
    dotted.warnings.filter((w) => w.includes("no cost recorded")),
    breakeven.warnings.filter((w) => w.includes("no cost recorded")),
  );
  // a per-seat plan alone: nothing said
  const seats = await compareScenario(FRAME, {
    scenario: { ...scenario("all"), plans: [scenario("all").plans[1]] },
  });
  assertEquals(seats.warnings.filter((w) => w.includes("no cost recorded")), []);
});

Deno.test("deno task scenario --input: the lower-bound warning on stderr, a 7-day export's count the window's own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scenario_cost_unrecorded_test_" });
  const { errors, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(FRAME, input);
    const file = join(dir, "share.json");
    await Deno.writeTextFile(file, JSON.stringify(scenario("all")));
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0);
    const expected = `warning: share: ${
      warning("1,030 requests", "2", "requests_cost_unknown_30d")
    }`;
    ok(errors.includes(expected), errors.join("\n"));
    // 7 days: the LLM cost is priced × 30 / 7, but the count is the window's 1,030 (× 30 / 7:
    // 4,414, requests never sent)
    errors.length = 0;
    const week = join(dir, "helicone_pricing_data_2026-11-01_7d.csv");
    await writeCsvFile(FRAME, week);
    assertEquals(await scenarioMain([file, "--input", week, "--out-dir", dir]), 0);
    const own = `warning: share: ${
      warning(
        "1,030 requests in the 7-day window itself (its count, not on the 30-day basis)",
        "2",
        "requests_cost_unknown_30d",
      )
    }`;
    ok(errors.includes(own), errors.join("\n"));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
