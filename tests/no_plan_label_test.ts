/**
 * One label for organizations with no plan, `(none)` (lib/core/no_plan.ts), wherever an analyst
 * reads a plan: the per-plan table (brief, summary sheet, describe_dataset), the scenario's By
 * plan, the organization tool; a plan literally named `(none)` reads `(none) plan` there (and
 * `(none) plan` one " plan" longer), as in the history, so it is never summed with those without.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { perPlanLabel, perPlanLabelOf, planNameOrNone } from "../lib/core/no_plan.ts";
import { visibleLine } from "../lib/formats/markdown.ts";
import { compareScenario } from "../lib/analysis/scenario/mod.ts";
import { perPlanRows, perPlanTable } from "../lib/economics/per_plan.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { organizationProfile } from "../lib/mcp/organization.ts";
import { organizationOut } from "../lib/mcp/organization_answer.ts";

/**
 * n1 no plan, $1; n2 plan "(none)", $2; n3 plan "(none) plan", $3; p1 and p2 plan pro, $4 and
 * $5: each its own Stripe customer.
 */
const frame = exportFrameFromColumns({
  org_id: ["n1", "n2", "n3", "p1", "p2"],
  org_name: ["N1", "N2", "N3", "P1", "P2"],
  tier: ["free", "pro", "pro", "pro", "pro"],
  plan: [null, "(none)", "(none) plan", "pro", "pro"],
  stripe_customer_id: ["cus_n1", "cus_n2", "cus_n3", "cus_p1", "cus_p2"],
  revenue_source: ["stripe", "stripe", "stripe", "stripe", "stripe"],
  mrr: [1, 2, 3, 4, 5],
  seats: [1, 1, 1, 1, 1],
});

Deno.test("per-plan table: no plan is (none); a plan named (none) reads (none) plan, one named (none) plan reads (none) plan plan", () => {
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  // by name ("(" before "p"), then all: 1 + 2 + 3 + 4 + 5 = 15
  assertEquals(rows.map((r) => [r.plan, r.organizations, r.mrr]), [
    ["(none)", 1, 1],
    ["(none) plan", 1, 2],
    ["(none) plan plan", 1, 3],
    ["pro", 2, 9],
    ["all", 5, 15],
  ]);
});

Deno.test("scenario By plan: organizations no plan matches are (none), after the scenario's plans", async () => {
  // n1 (free) matches no plan: $1 → $0 is not priced; the four pro organizations, $14, at $10 a seat
  const result = await compareScenario(frame.drop("plan"), {
    scenario: {
      name: "seats",
      description: "pro $10 a seat",
      addonPrices: {},
      plans: [{ name: "pro seats", match: { tiers: ["pro"] }, perSeatUsd: 10 }],
    },
  });
  assertEquals(result.byPlan.getColumn("plan").toArray(), ["pro seats", "(none)"]);
  assertEquals(result.byPlan.getColumn("organizations").toArray(), [4, 1]);
});

Deno.test("organization tool: no plan reads (none), counted under (none) in the per-plan table; a plan named (none) under (none) plan", () => {
  const text = (index: number) =>
    organizationOut(organizationProfile(frame, index), { maxChars: 1000, windowDays: 30 })
      .text.split("\n")[0];
  assertEquals(organizationProfile(frame, 0).perPlanTable, { plan: "(none)", organizations: 1 });
  assertEquals(
    text(0),
    `organization "n1" "N1"; tier "free" (1 organization), plan (none) (1 organization, as in describe_dataset's per-plan table)`,
  );
  assertEquals(organizationProfile(frame, 1).perPlanTable, {
    plan: "(none) plan",
    organizations: 1,
  });
  assertEquals(
    text(1),
    `organization "n2" "N2"; tier "pro" (4 organizations), plan "(none)" (1 organization, as in describe_dataset's per-plan table)`,
  );
});

/**
 * Names with characters the Markdown outputs drop (visibleLine: a zero-width space, a soft hyphen,
 * a bidi mark) or read as a space (a control character) read there as `(none)` and `all`: each is
 * relabelled one " plan" longer, in JS (perPlanLabel) and in Polars (perPlanLabelOf) alike.
 */
const hiddenNames = [
  "\u200b(none)",
  "(no\u00adne)",
  "\u200eall",
  "all\u0007",
  "(none)\u200b plan",
  "all \u2060plan",
];

Deno.test("plan labels: a name reading (none) or all once hidden characters are dropped gains a plan, in JS and Polars alike", () => {
  const labels = hiddenNames.map((name) => `${name} plan`);
  assertEquals(hiddenNames.map((name) => perPlanLabel(name)), labels);
  const polars = pl.DataFrame({ plan: hiddenNames }).select(perPlanLabelOf(pl.col("plan")))
    .getColumn("plan").toArray();
  assertEquals(polars, labels);
  // as Markdown reads them, the labels are `(none) plan`, `all plan`, …, none `(none)` or `all`
  assertEquals(labels.map((label) => visibleLine(label)), [
    "(none) plan",
    "(none) plan",
    "all plan",
    "all plan",
    "(none) plan plan",
    "all plan plan",
  ]);
});

Deno.test("plan labels: names with hidden characters elsewhere, or reading otherwise, keep their name", () => {
  const kept = ["pro\u200b", "\u200bnone", "all\u200bplans", "allplan", "(none)x"];
  assertEquals(kept.map((name) => perPlanLabel(name)), kept);
  assertEquals(
    pl.DataFrame({ plan: kept }).select(perPlanLabelOf(pl.col("plan"))).getColumn("plan")
      .toArray(),
    kept,
  );
  assertEquals(planNameOrNone("\u200ball"), "\u200ball");
  assertEquals(planNameOrNone("(none)\u200b"), "(none)\u200b plan");
});

Deno.test("plan labels: a name reading (none) or all but for its case or surrounding spaces gains a plan, in JS and Polars alike", () => {
  // as a price book refuses them (scenario validation: case and surrounding spaces aside)
  const names = ["(NONE)", " (None) ", "ALL", "All Plan", "all PLAN "];
  const labels = names.map((name) => `${name} plan`);
  assertEquals(names.map((name) => perPlanLabel(name)), labels);
  assertEquals(
    pl.DataFrame({ plan: names }).select(perPlanLabelOf(pl.col("plan"))).getColumn("plan")
      .toArray(),
    labels,
  );
});
