/**
 * Scenario validation: the field that is wrong named, plan names the per-plan table keeps for
 * itself refused, raw tiers dated after every plan version and unmatched organizations warned of.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  compareScenario,
  findBreakeven,
  loadScenarioFile,
  parseScenario,
  type Scenario,
} from "../lib/analysis/scenario/mod.ts";
import { column, frame, SCENARIOS } from "./scenario_fixture.ts";

Deno.test("scenario validation names the field that is wrong", async () => {
  const base = { name: "x", plans: [{ name: "a", flatUsd: 1 }] };
  const error = (value: unknown) => {
    try {
      parseScenario(value, "s.json");
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assertEquals(
    error({ ...base, plans: [{ name: "a", perSeat: 20 }] }),
    "s.json: plans[0].perSeat is not a known field: did you mean perSeatUsd? (known: name, match, keepCurrentMrr, flatUsd, perSeatUsd, includedSeats, flatTiers, perRequest, pctOfLlmCost, addonsIncluded, minimumUsd, meteredPrices)",
  );
  assertEquals(
    error({
      ...base,
      plans: [{
        name: "a",
        perRequest: { tiers: [{ upTo: 10, usdPer1k: 1 }, { upTo: 20, usdPer1k: 1 }] },
      }],
    }),
    "s.json: plans[0].perRequest.tiers[1].upTo must be null: the last tier has no upper bound",
  );
  assertEquals(
    error({ ...base, plans: [{ name: "a", pctOfLlmCost: { percent: "2" } }] }),
    's.json: plans[0].pctOfLlmCost.percent must be a number ≥ 0, got "2": write 2 (a number, in percent: 2 is 2 %)',
  );
  assertEquals(
    error({ ...base, plans: [{ name: "a", keepCurrentMrr: true, flatUsd: 5 }] }),
    "s.json: plans[0].keepCurrentMrr cannot be combined with prices, minimumUsd or addonsIncluded (the current MRR is kept as is)",
  );
  assertEquals(
    error({ ...base, name: "Two Percent" }),
    's.json: name must be lower-case letters, digits, _ or - (it names files), got "Two Percent"',
  );
  const prices =
    "plans[i].flatUsd, plans[i].perSeatUsd, plans[i].minimumUsd, plans[i].flatTiers.tiers[j].usd, plans[i].perRequest.tiers[j].usdPer1k, plans[i].pctOfLlmCost.percent, addonPrices.prompts, addonPrices.experiments or addonPrices.evals";
  assertEquals(
    error({ ...base, breakeven: "plans[0].name" }),
    `s.json: breakeven must name a price: one of ${prices}, got "plans[0].name"`,
  );
  // a field named as a price (usdPer1k) where pricing reads none: meteredPrices is listed only
  const metered = {
    name: "a",
    flatUsd: 1,
    meteredPrices: {
      requests: { includedRequests: 0, mode: "graduated", tiers: [{ upTo: null, usdPer1k: 1 }] },
    },
  };
  assertEquals(
    error({
      ...base,
      plans: [metered],
      breakeven: "plans[0].meteredPrices.requests.tiers[0].usdPer1k",
    }),
    `s.json: breakeven must name a price the scenario charges: scenario pricing does not read meteredPrices (list prices of usage Stripe bills, carried as billed); name one of ${prices}, got "plans[0].meteredPrices.requests.tiers[0].usdPer1k"`,
  );
  // a price's leaf name elsewhere than a price: refused (flatTiers' usd is one, its upTo not)
  assertEquals(
    error({ ...base, breakeven: "plans[0].match.usd" }),
    `s.json: breakeven must name a price: one of ${prices}, got "plans[0].match.usd"`,
  );
  assertEquals(
    error({ ...base, breakeven: "plans[3].flatUsd" }),
    's.json: breakeven names nothing in the scenario: "plans[3].flatUsd"; name one of its prices: plans[0].flatUsd',
  );
  // a flat-fee plan has no seat price: the scenario's own prices are listed, the first 12
  const many = Array.from({ length: 14 }, (_, i) => ({ name: `p${i}`, flatUsd: i }));
  assertEquals(
    error({ ...base, plans: many, breakeven: "plans[0].perSeatUsd" }),
    `s.json: breakeven names nothing in the scenario: "plans[0].perSeatUsd"; name one of its prices: ${
      many.slice(0, 12).map((_, i) => `plans[${i}].flatUsd`).join(", ")
    } (and 2 more)`,
  );
  assertEquals(error({ name: "x", plans: [] }), "s.json: plans must be a non-empty list, got []");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "broken.json"), "{ name: ");
    await rejects(loadScenarioFile(join(dir, "broken.json")), /broken\.json is not valid JSON/);
    await rejects(loadScenarioFile(join(dir, "absent.json")), /absent\.json does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The error parseScenario gives a scenario whose second plan is named `name`, or "no error". */
function planNameError(name: string): string {
  try {
    parseScenario(
      { name: "x", plans: [{ name: "a", flatUsd: 1 }, { name, flatUsd: 2 }] },
      "s.json",
    );
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

Deno.test("plan names the per-plan table and the history give rows of their own (all, (all), (none)) are refused", async () => {
  assertEquals(
    planNameError("all"),
    's.json: plans[1].name "all" is reserved (the per-plan table\'s row of every organization); give the plan another name',
  );
  // organizations with no plan read (none) there (below), not (no plan): a plan's name like another
  assertEquals(planNameError("(no plan)"), "no error");
  // the history's label of every customer's rows: a price-book plan so named read `(all)` in the
  // per-plan table and the export but `(all) plan` in the history, so the two disagreed
  assertEquals(
    planNameError("(all)"),
    's.json: plans[1].name "(all)" is reserved (the history\'s rows of every customer); give the plan another name',
  );
  // and the names the history gives such a plan's rows, `(all) plan`, `(all) plan plan`, …
  assertEquals(
    planNameError("(all) plan"),
    's.json: plans[1].name "(all) plan" is reserved (the history\'s label of a plan named "(all)"); give the plan another name',
  );
  ok(
    planNameError("(all) plan plan").includes(
      '(the history\'s label of a plan named "(all) plan")',
    ),
  );
  assertEquals(planNameError("(all) planner"), "no error");
  // the label of the organizations with no plan (the per-plan table's, the scenario's By plan's,
  // the history's), and of a plan so named
  assertEquals(
    planNameError("(none)"),
    's.json: plans[1].name "(none)" is reserved (the label of organizations with no plan, in the per-plan table and the history); give the plan another name',
  );
  assertEquals(
    planNameError("(none) plan"),
    's.json: plans[1].name "(none) plan" is reserved (the per-plan table\'s and the history\'s label of a plan named "(none)"); give the plan another name',
  );
  // case and surrounding spaces aside: a row "All" beside "all" would read as the same row
  ok(planNameError(" All ").startsWith('s.json: plans[1].name " All " is reserved'));
  // names that only contain them are plans like any other (the built-in book's catch-all)
  assertEquals(planNameError("unknown tier (no plan)"), "no error");
  assertEquals(planNameError("all-inclusive"), "no error");
  await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
});

Deno.test("plan names the per-plan table relabels (all plan, all plan plan, …) are refused, as (none) plan is", () => {
  // the per-plan table (brief, summary sheet, MCP) reads a plan named "all plan" as "all plan
  // plan" (lib/core/no_plan.ts perPlanLabel: "all plan" is the label of a plan named all), while
  // the plan column, the scenario and the history read it "all plan"
  assertEquals(
    planNameError("all plan"),
    's.json: plans[1].name "all plan" is reserved (the per-plan table\'s label of a plan named "all"); give the plan another name',
  );
  ok(
    planNameError("ALL  Plan plan").includes(
      '(the per-plan table\'s label of a plan named "all plan")',
    ),
  );
  assertEquals(planNameError("all planner"), "no error");
  assertEquals(planNameError("all plans"), "no error");
});

Deno.test("a reserved name with characters the Markdown outputs drop is refused naming the name it reads as, not a cut of it", () => {
  // "(none)" and a zero-width space reads (none) in the brief and MCP tables: the label of
  // organizations with no plan, not the label of a plan named "(n" (its last 5 characters cut
  // off as if it ended " plan")
  assertEquals(
    planNameError("(none)\u200b"),
    's.json: plans[1].name "(none)\u200b" is reserved (the label of organizations with no plan, in the per-plan table and the history); give the plan another name',
  );
  assertEquals(
    planNameError("(al\u00adl)"),
    's.json: plans[1].name "(al\u00adl)" is reserved (the history\'s rows of every customer); give the plan another name',
  );
  // and "all" with a zero-width space inside reads all, the per-plan table's row of every
  // organization, as "all" does (it was taken, and read all plan in that table alone)
  assertEquals(
    planNameError("al\u200bl"),
    's.json: plans[1].name "al\u200bl" is reserved (the per-plan table\'s row of every organization); give the plan another name',
  );
  // one reading "(none) plan" is the label of a plan named "(none)", as "(none) plan" is
  assertEquals(
    planNameError("(none)\u00a0plan\u200b"),
    's.json: plans[1].name "(none)\u00a0plan\u200b" is reserved (the per-plan table\'s and the history\'s label of a plan named "(none)"); give the plan another name',
  );
});

Deno.test("a plan name the outputs read as empty, or as another plan's, is refused", () => {
  // only characters the Markdown outputs drop (a zero-width space): a blank row in the brief's and
  // MCP's per-plan tables, as a name of spaces alone would be (refused: a non-empty string)
  assertEquals(
    planNameError("\u200b\u200b"),
    "s.json: plans[1].name has no visible character (only characters the Markdown outputs drop, such as a zero-width space); give the plan a name",
  );
  // "a" and "a" with a zero-width space: two rows reading "a", told apart by nothing shown
  assertEquals(
    planNameError("a\u200b"),
    's.json: plans[1].name repeats "a" as the outputs read it (characters they drop and runs of spaces aside)',
  );
  // case is shown: "A" is another plan
  assertEquals(planNameError("A"), "no error");
});

Deno.test("two plan names written with and without a combining mark for one letter are refused as one", () => {
  // "café" with é as one character (U+00E9) and as e and a combining acute accent (U+0301): the
  // same text to Unicode (canonically equivalent), drawn alike: two rows reading "café"
  const plans = [{ name: "caf\u00e9", flatUsd: 1 }, { name: "cafe\u0301", flatUsd: 2 }];
  let error = "no error";
  try {
    parseScenario({ name: "x", plans }, "s.json");
  } catch (e) {
    error = (e as Error).message;
  }
  assertEquals(
    error,
    's.json: plans[1].name repeats "caf\u00e9" as the outputs read it (characters they drop and runs of spaces aside)',
  );
  // a combining mark on a letter no other plan has is a name of its own: "cafè" is another plan
  assertEquals(planNameError("cafe\u0300"), "no error");
});

Deno.test("the invisible format characters Unicode names beyond the BMP (musical beams, shorthand) are ignored in plan names as a zero-width space is", () => {
  // U+1D173 MUSICAL SYMBOL BEGIN BEAM and U+1BCA0 SHORTHAND FORMAT LETTER OVERLAP are format
  // characters drawn as nothing (Unicode's default ignorables, as U+200B): "a" and one of them
  // reads "a", two rows told apart by nothing shown
  assertEquals(
    planNameError("a\u{1d173}"),
    's.json: plans[1].name repeats "a" as the outputs read it (characters they drop and runs of spaces aside)',
  );
  assertEquals(
    planNameError("(none)\u{1bca0}"),
    's.json: plans[1].name "(none)\u{1bca0}" is reserved (the label of organizations with no plan, in the per-plan table and the history); give the plan another name',
  );
});

Deno.test("a raw tier dated after every plan version the scenario names is warned about, with its count", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  // p26: a pro-20260601 organization, priced by the legacy pro catch-all ($20 a seat)
  const p26 = exportFrameFromColumns({
    org_id: ["p26"],
    org_name: ["P26"],
    tier: ["pro"],
    tier_raw: ["pro-20260601"],
    seats: [2],
    addon_prompts: [0],
    mrr: [79],
  });
  const result = await compareScenario(pl.concat([frame, p26], { how: "diagonal" }), { scenario });
  const perOrg = result.perOrg.filter(pl.col("org_id").eq(pl.lit("p26"))).toRecords()[0];
  assertEquals([perOrg.plan, perOrg.proposed_mrr], ["pro (seat, legacy)", 40]);
  ok(
    result.warnings.includes(
      '1 organization has a raw tier dated after the newest plan version match.tiersRaw names in its family, priced by a plan without tiersRaw (a catch-all): "pro-20260601" (1, plan "pro (seat, legacy)", newest named "pro-20251210"); add a plan matching each new plan version by tiersRaw',
    ),
    result.warnings.join("\n"),
  );
});

Deno.test("organizations no plan matches are priced $0 with a warning", async () => {
  const scenario: Scenario = parseScenario({
    name: "pro_only",
    plans: [{ name: "pro", match: { tiers: ["pro"] }, flatUsd: 30 }],
  });
  const result = await compareScenario(frame, { scenario });
  assertEquals(column(result.perOrg, "plan").filter((p) => p === null).length, 5);
  ok(result.warnings[0].startsWith("5 organizations match no plan and are priced $0"));
  // No breakeven when the parameter moves nobody's price: a prices-nothing plan.
  const nobody = parseScenario({
    name: "nobody",
    plans: [{ name: "x", match: { tiers: ["other"] }, flatUsd: 1 }],
  });
  assertEquals(
    findBreakeven(frame, { scenario: nobody, parameter: "plans[0].flatUsd" }).reason,
    "the parameter changes no comparable organization's price",
  );
});

Deno.test("a scenario that is not an object, and a number too large for JSON, are named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const list = join(dir, "arr.json");
    await Deno.writeTextFile(list, "[]");
    await rejects(loadScenarioFile(list), {
      message: `${list}: the scenario must be an object, got []`,
    });
    const big = join(dir, "big.json");
    await Deno.writeTextFile(big, '{"name":"x","plans":[{"name":"a","minimumUsd":1e400}]}');
    await rejects(loadScenarioFile(big), {
      message: `${big}: plans[0].minimumUsd must be a number ≥ 0, got a number too large`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
