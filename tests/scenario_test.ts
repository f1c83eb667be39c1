/**
 * Pricing scenarios on a nine-organization fixture (tests/scenario_fixture.ts); every expected
 * number is worked out by hand in the comments from its rows and the scenario files in scenarios/.
 * Validation and its warnings are in scenario_checks_test.ts, `deno task scenario`'s files in
 * scenario_files_test.ts, the 2025-12-10 plans' usage charges in scenario_metered_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  breakevenPrice,
  compareScenario,
  findBreakeven,
  flatTierUsd,
  loadScenarioFile,
  parseScenario,
  proposedRevenue,
  requestChargeUsd,
} from "../lib/analysis/scenario/mod.ts";
import {
  comparableTotalsVarying,
  partsAt,
  priceOrganizations,
} from "../lib/analysis/scenario/pricing.ts";
import { distinctIndex, pricingInputs } from "../lib/analysis/scenario/pricing_inputs.ts";
import { planOfParameter, withPriceParameter } from "../lib/analysis/scenario/parameters.ts";
import { loadPricingData } from "../lib/export.ts";
import { close, column, frame, SCENARIOS } from "./scenario_fixture.ts";

Deno.test("current seat-based scenario reproduces current MRR, usage charges carried as billed", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const perOrg = proposedRevenue(frame, scenario);
  // s1 3 × $20 = 60; s2 0 seats → $20 minimum; s3 5 × 20 + prompts 50 = 150; u1 4 × 20 = 80
  // + 4.50 usage charges carried (legacy request overages: meteredPrices {}) = 84.50; t1 bundle
  // 200; p25 flat 79 (add-ons included); e1 kept 3,000; f1 0; f2 free 0.
  assertEquals(column(perOrg, "proposed_mrr"), [60, 20, 150, 84.5, 200, 79, 3000, 0, 0]);
  assertEquals(column(perOrg, "proposed_usage_carried"), [0, 0, 0, 4.5, 0, 0, 0, 0, 0]);
  assertEquals(column(perOrg, "plan"), [
    "pro (seat, legacy)",
    "pro (seat, legacy)",
    "pro (seat, legacy)",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "enterprise (contract)",
    "free",
    "free",
  ]);
  // Every organization with known MRR: proposed = current exactly (no discounts here).
  const known = perOrg.filter(pl.col("org_id").neq(pl.lit("f2")));
  assertEquals(column(known, "proposed_mrr"), column(known, "current_mrr"));
  assertEquals(new Set(column(known, "outcome")), new Set(["unchanged"]));
  assertEquals(column(perOrg.filter(pl.col("org_id").eq(pl.lit("f2"))), "outcome"), [
    "unknown_current",
  ]);
});

Deno.test("current seat-based on the demo: only growth pays less, the unlisted price docs/analysis.md names", async () => {
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    quiet: true,
    log: () => {},
  });
  const scenario = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const { perOrg } = await compareScenario(data.frame, { scenario });
  // the demo bills growth seats $30 each for the first five, $25 after; the book $20 a seat
  const less = perOrg.filter(pl.col("outcome").eq(pl.lit("pays_less")));
  ok(less.height > 0);
  assertEquals(new Set(column(less, "tier")), new Set(["growth"]));
  for (const row of less.toRecords()) {
    const seats = Math.max(1, row.seats as number);
    const listed = 20 * seats;
    const billed = seats <= 5 ? 30 * seats : 150 + 25 * (seats - 5);
    close(
      (row.current_mrr as number) - (row.proposed_mrr as number),
      billed - listed,
      String(row.org_id),
      1e-6,
    );
  }
  // and the doc, and the scenario's own description, say so rather than "reproduces current MRR"
  const docs = await Deno.readTextFile(new URL("../docs/analysis.md", import.meta.url));
  ok(docs.includes("the book prices growth as legacy pro, $20 a seat"));
  ok(scenario.description.includes("the growth tier's seats on a graduated price"));
});

Deno.test("current seat-based totals, tiers and breakeven seat price", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const result = await compareScenario(frame, { scenario });
  // Comparable = every org but f2: current 60+20+150+84.5+200+79+3000+0 = 3,593.50; proposed
  // the same (u1's 4.50 carried).
  assertEquals(result.totals, {
    organizations: 9,
    comparable: 8,
    currentMrrUsd: 3593.5,
    proposedMrrUsd: 3593.5,
    deltaUsd: 0,
    changePct: 0,
    paysMore: 0,
    paysLess: 0,
    unchanged: 8,
    unknownCurrent: 1,
    notComparable: 0,
    currentMrrNotComparableUsd: 0,
    proposedMrrUnknownCurrentUsd: 0,
    proposedUnknown: 0,
  });
  // pro tier: s1, s2, u1, p25 → current and proposed 60+20+84.5+79 = 243.5.
  const pro = result.byTier.filter(pl.col("tier").eq(pl.lit("pro")));
  assertEquals(column(pro, "current_mrr"), [243.5]);
  assertEquals(column(pro, "proposed_mrr"), [243.5]);
  assertEquals(column(result.byTier, "tier"), [
    "free",
    "pro",
    "team",
    "growth",
    "enterprise",
    "all",
  ]);
  assertEquals(column(result.byTier, "unknown_current"), [1, 0, 0, 0, 0, 1]);
  // Breakeven of plans[2].perSeatUsd = p (above $20/3 no minimum bites):
  // s1 3p + s2 20 + s3 (5p + 50) + u1 (4p + 4.5) + 200 + 79 + 3000 = 12p + 3353.5 = 3593.5 →
  // p = 20: today's price.
  close(result.breakeven!.value!, 20, "seat breakeven");
  assertEquals(result.breakeven!.scenarioValue, 20);
  // the fixture has no team-20251210 organization, and every tier has a plan (the catch-all and
  // enterprise keep current MRR: matching nobody, they are not warned about)
  assertEquals(result.warnings, [
    'plan "team 2025-12-10" prices no organization in this data: no organization fits its match',
    // the fixture has no revenue_source: nothing says why f2's mrr is empty
    "1 organization has unknown current MRR, left out of the totals: mrr empty, no revenue_source saying why",
    'usage charges carried as billed into proposed MRR, not re-priced: $4.50 a month of 1 organization on "pro (seat, legacy)" (plans with meteredPrices that price no usage themselves; Stripe bills metered requests and storage, in usage_charges)',
    // the fixture has no company cost: no margin, said with the columns it lacks
    "8 of the 8 organizations compared are left out of the company margin: 8 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
  ]);
});

Deno.test("two percent of LLM cost, and the percentage that breaks even", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "two_percent_of_llm_cost.json"));
  const result = await compareScenario(frame, { scenario });
  // 2 % of 10, 0, 40, 150, 900, 1200, 5000, 0, 120:
  const expected = [0.2, 0, 0.8, 3, 18, 24, 100, 0, 2.4];
  (column(result.perOrg, "proposed_mrr") as number[]).forEach((v, i) =>
    close(v, expected[i], `proposed ${i}`)
  );
  // Comparable LLM cost 10+0+40+150+900+1200+5000+0 = 7,300 → proposed $146 vs $3,593.50.
  close(result.totals.proposedMrrUsd, 146, "proposed total");
  close(result.totals.deltaUsd, 146 - 3593.5, "delta");
  assertEquals(result.totals.paysLess, 7); // all paying orgs; f1 0 → 0 unchanged
  assertEquals(result.totals.unchanged, 1);
  close(result.totals.proposedMrrUnknownCurrentUsd, 2.4, "f2 proposed");
  // 7300 × x / 100 = 3593.5 → x = 3593.5 / 73 = 49.226…
  close(result.breakeven!.value!, 3593.5 / 73, "percent breakeven");
  close(
    breakevenPrice(frame, { scenario, parameter: "plans[0].pctOfLlmCost.percent" }),
    3593.5 / 73,
    "same",
  );
});

Deno.test("per-request scenario: included volume, graduated tiers, minimum, add-ons", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "per_request.json"));
  const result = await compareScenario(frame, { scenario });
  // usage plan (min $20, add-ons at price), 10k included, $0.50 / 1k to 1M, $0.30 to 10M:
  // s1 5k ≤ 10k → 0, minimum → 20;           s2 0 → 20
  // s3 10k × 0.5/1k = 5 → 20 + prompts 50 = 70; u1 30k × 0.5/1k = 15 → 20
  // t1 290k × 0.5/1k = 145;                   p25 990k × 0.5/1k + 1.5M × 0.3/1k = 495 + 450 = 945 + 50 = 995
  // e1 kept 3,000; f1 free 0; f2 free 50k × 0.5/1k = 25 (add-ons included on free)
  const expected = [20, 20, 70, 20, 145, 995, 3000, 0, 25];
  (column(result.perOrg, "proposed_mrr") as number[]).forEach((v, i) =>
    close(v, expected[i], `proposed ${i}`)
  );
  assertEquals(column(result.perOrg, "proposed_minimum_topup").slice(0, 4), [20, 20, 15, 5]);
  // comparable proposed 20+20+70+20+145+995+3000+0 = 4,270; current 3,593.50 → +676.50
  close(result.totals.proposedMrrUsd, 4270, "proposed");
  close(result.totals.deltaUsd, 676.5, "delta");
  assertEquals(
    [result.totals.paysMore, result.totals.paysLess, result.totals.unchanged],
    [1, 4, 3], // p25 more; s1 s3 u1 t1 less; s2 e1 f1 same
  );
  // Even at $0 per 1k the minimums and p25's second band give 3,650 > 3,593.50: no breakeven.
  assertEquals(result.breakeven!.value, null);
  assertEquals(result.breakeven!.reason, "proposed MRR exceeds current MRR even at a price of 0");
  throws(
    () => breakevenPrice(frame, { scenario, parameter: "plans[2].perRequest.tiers[0].usdPer1k" }),
    /no breakeven for plans\[2\]\.perRequest\.tiers\[0\]\.usdPer1k: proposed MRR exceeds/,
  );
  // On s1, u1, t1 alone (current 60 + 84.5 + 200 = 344.5), with rate r:
  // 20 + max(20, 30r) + max(20, 290r); past r = 2/3 that is 20 + 320r = 344.5 → r = 1.0140625.
  const three = frame.filter(pl.col("org_id").isIn(["s1", "u1", "t1"]));
  close(
    breakevenPrice(three, { scenario, parameter: "plans[2].perRequest.tiers[0].usdPer1k" }),
    1.0140625,
    "rate breakeven",
  );
});

Deno.test("breakeven totals priced once outside the varying plan are the full totals, float for float", async () => {
  const inputs = pricingInputs(frame);
  for (
    const [file, parameter] of [
      ["per_request.json", "plans[2].perRequest.tiers[0].usdPer1k"],
      ["per_request.json", "plans[2].minimumUsd"],
      ["current_seat_based.json", "plans[2].perSeatUsd"],
      ["two_percent_of_llm_cost.json", "plans[0].pctOfLlmCost.percent"],
      ["per_request.json", "addonPrices.prompts"], // no plan: every organization each time
    ]
  ) {
    const scenario = await loadScenarioFile(join(SCENARIOS, file));
    const totalOf = comparableTotalsVarying(inputs, {
      scenario,
      varyingPlan: planOfParameter(parameter),
    });
    for (const value of [0, 0.37, 1, 20, 1234.5]) {
      const version = withPriceParameter(scenario, { path: parameter, value });
      // every organization priced, the comparable ones' totals summed in organization order
      const { total } = priceOrganizations(inputs, version);
      let full = 0;
      total.forEach((t, i) => {
        // NaN: unknown (current MRR unknown, or kept and unknown)
        if (!Number.isNaN(inputs.currentMrr[i])) full += Number.isNaN(t) ? 0 : t;
      });
      assertEquals(totalOf(version), full, `${parameter}=${value}`);
    }
  }
  assertEquals(planOfParameter("plans[12].flatTiers.tiers[0].usd"), 12);
  assertEquals(planOfParameter("addonPrices.evals"), null);
});

Deno.test("request charges: graduated, volume, included volume beyond the first band", () => {
  const tiers = [
    { upTo: 1_000_000, usdPer1k: 0.5 },
    { upTo: 10_000_000, usdPer1k: 0.3 },
    { upTo: null, usdPer1k: 0.15 },
  ];
  const graduated = { includedRequests: 10_000, mode: "graduated" as const, tiers };
  // 990k × 0.5/1k + 9M × 0.3/1k + 2M × 0.15/1k = 495 + 2700 + 300
  close(requestChargeUsd(12_000_000, graduated), 3495, "graduated 12M");
  assertEquals(requestChargeUsd(10_000, graduated), 0);
  // volume: 2.5M falls in the $0.30 band → (2.5M − 10k) × 0.3/1k = 747
  close(requestChargeUsd(2_500_000, { ...graduated, mode: "volume" }), 747, "volume");
  // included 1.5M: only [1.5M, 2M] is billed, in the second band → 500k × 0.3/1k = 150
  close(requestChargeUsd(2_000_000, { ...graduated, includedRequests: 1_500_000 }), 150, "incl");
  const flat = {
    metric: "seats" as const,
    tiers: [{ upTo: 5, usd: 49 }, { upTo: 20, usd: 199 }, { upTo: null, usd: 499 }],
  };
  assertEquals([5, 6, 50].map((seats) => flatTierUsd(seats, flat)), [49, 199, 499]);
});

Deno.test("flat tiers, included seats and a PTB-only percentage in one scenario", () => {
  const scenario = parseScenario({
    name: "mixed",
    addonPrices: { prompts: 10 },
    plans: [
      {
        name: "paid",
        match: { tiers: ["pro", "growth", "team"] },
        perSeatUsd: 10,
        includedSeats: 3,
        flatTiers: {
          metric: "requests_30d",
          tiers: [{ upTo: 50_000, usd: 0 }, { upTo: null, usd: 100 }],
        },
        pctOfLlmCost: { percent: 10, basis: "ptb" },
      },
      { name: "rest", keepCurrentMrr: true },
    ],
  });
  const proposed = column(proposedRevenue(frame, scenario), "proposed_mrr");
  // s1: 0 extra seats, 5k requests → $0, PTB 0 → 0            s2: 0
  // s3: 2 × 10 = 20, 20k → 0, 10 % × 40 = 4, prompts 10 → 34    u1: 1 × 10 + 0 + 10 % × 50 = 15
  // t1: 9 × 10 = 90 + 100 (300k > 50k) + 0 = 190                p25: 10 + 100 + 120 + 10 = 240
  // e1, f1, f2 keep current: 3000, 0, unknown
  assertEquals(proposed, [0, 0, 34, 15, 190, 240, 3000, 0, null]);
});

Deno.test("no breakeven, not 0, for a price that moves nobody where the totals already meet", () => {
  // one pro organization, 2 seats, $40 current MRR; the pro plan prices it 2 × $20 = $40, so
  // proposed = current whatever plan "x" (matching nobody) charges: no price of x breaks even
  const one = exportFrameFromColumns({
    org_id: ["a"],
    org_name: ["A"],
    tier: ["pro"],
    tier_raw: ["pro"],
    seats: [2],
    addon_prompts: [0],
    mrr: [40],
  });
  const scenario = parseScenario({
    name: "met",
    plans: [
      { name: "pro", match: { tiers: ["pro"] }, perSeatUsd: 20 },
      { name: "x", match: { tiers: ["other"] }, perSeatUsd: 20 },
    ],
  });
  const nobody = findBreakeven(one, { scenario, parameter: "plans[1].perSeatUsd" });
  assertEquals([nobody.value, nobody.reason, nobody.currentMrrUsd], [
    null,
    "the parameter changes no comparable organization's price",
    40,
  ]);
  // the pro plan's own price does move it: 20 a seat is its breakeven
  assertEquals(findBreakeven(one, { scenario, parameter: "plans[0].perSeatUsd" }).value, 20);
});

Deno.test("pricing reads text once per distinct value: each row's index, nulls a value of their own", () => {
  const frame = pl.DataFrame({
    tier: ["pro", null, "free", "pro", null, "pro"],
    raw: ["pro-1", null, "free", "pro-2", null, "pro-1"],
  });
  const { index, values } = distinctIndex(frame, [pl.col("tier"), pl.col("raw")]);
  // first appearance order: (pro, pro-1), (null, null), (free, free), (pro, pro-2)
  assertEquals([...index], [0, 1, 2, 3, 1, 0]);
  assertEquals(values.getColumn("tier").toArray(), ["pro", null, "free", "pro"]);
  assertEquals(values.getColumn("raw").toArray(), ["pro-1", null, "free", "pro-2"]);
  const empty = distinctIndex(frame.head(0), [pl.col("tier")]);
  assertEquals([empty.index.length, empty.values.height], [0, 0]);
});

Deno.test("an unknown current MRR under a plan that keeps it: total unknown (NaN in the columns, null in parts)", () => {
  const frame = exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["enterprise", "enterprise"],
    seats: [3, 3],
    mrr: [null, 120],
  });
  const scenario = parseScenario({
    name: "keep",
    plans: [{ name: "contract", keepCurrentMrr: true }],
  });
  const priced = priceOrganizations(pricingInputs(frame), scenario);
  assertEquals(Number.isNaN(priced.total[0]), true);
  assertEquals(partsAt(priced, 0).total, null);
  assertEquals(partsAt(priced, 1), {
    plan: 0,
    base: 120,
    usage: 0,
    minimumTopup: 0,
    addons: 0,
    carriedUsage: 0,
    total: 120,
  });
  const perOrg = proposedRevenue(frame, scenario);
  assertEquals(perOrg.getColumn("proposed_mrr").toArray(), [null, 120]);
  assertEquals(perOrg.getColumn("outcome").toArray(), ["unknown_current", "unchanged"]);
  assertEquals(perOrg.getColumn("plan").toArray(), ["contract", "contract"]);
});

Deno.test("per-tier totals: known tiers in order, then the rest by name, a missing tier as (none)", async () => {
  const frame = exportFrameFromColumns({
    org_id: ["a", "b", "c", "d", "e"],
    tier: ["pro", null, "beta", "free", null],
    seats: [1, 1, 1, 1, 1],
    mrr: [20, 5, null, 0, 7],
  });
  const scenario = parseScenario({
    name: "flat",
    plans: [{ name: "everyone", flatUsd: 10, addonsIncluded: true }],
  });
  const { byTier } = await compareScenario(frame, { scenario });
  assertEquals(byTier.getColumn("tier").toArray(), ["free", "pro", "(none)", "beta", "all"]);
  assertEquals(byTier.getColumn("organizations").toArray(), [1, 1, 2, 1, 5]);
  // (none): b and e, current 5 + 7 = 12, proposed 10 + 10 = 20, both pay more
  // beta has no organization with a known current MRR: no comparison (empty), not $0
  assertEquals(byTier.getColumn("current_mrr").toArray(), [0, 20, 12, null, 32]);
  assertEquals(byTier.getColumn("proposed_mrr").toArray(), [10, 10, 20, null, 40]);
  assertEquals(byTier.getColumn("delta_usd").toArray(), [10, -10, 8, null, 8]);
  assertEquals(byTier.getColumn("comparable").toArray(), [1, 1, 2, 0, 4]);
  assertEquals(byTier.getColumn("pays_more").toArray(), [1, 0, 2, 0, 3]);
  assertEquals(byTier.getColumn("pays_less").toArray(), [0, 1, 0, 0, 1]);
  // beta's one organization has unknown MRR: out of the comparable totals, its $10 kept apart
  assertEquals(byTier.getColumn("unknown_current").toArray(), [0, 0, 0, 1, 1]);
  assertEquals(byTier.getColumn("proposed_mrr_unknown_current").toArray(), [0, 0, 0, 10, 10]);
});

Deno.test("per-tier totals: a tier named (none) reads (none) plan, apart from a missing tier", async () => {
  // a on "(none)" $20, b with no tier $5: two rows, where both read "(none)"
  const frame = exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["(none)", null],
    seats: [1, 1],
    mrr: [20, 5],
  });
  const scenario = parseScenario({ name: "flat", plans: [{ name: "everyone", flatUsd: 10 }] });
  const { byTier } = await compareScenario(frame, { scenario });
  assertEquals(byTier.select("tier", "current_mrr").rows(), [
    ["(none)", 5],
    ["(none) plan", 20],
    ["all", 25],
  ]);
});
