/**
 * Pricing scenarios on a nine-organization fixture; every expected number is worked out by hand
 * in the comments from the rows below and the scenario files in scenarios/.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  biggestMovers,
  breakevenPrice,
  compareScenario,
  findBreakeven,
  flatTierUsd,
  loadScenarioFile,
  parseScenario,
  proposedRevenue,
  requestChargeUsd,
  type Scenario,
  writeScenarioFiles,
} from "../lib/analysis/scenario/mod.ts";
import {
  comparableTotalsVarying,
  partsAt,
  priceOrganizations,
} from "../lib/analysis/scenario/pricing.ts";
import { distinctIndex, pricingInputs } from "../lib/analysis/scenario/pricing_inputs.ts";
import { planOfParameter, withPriceParameter } from "../lib/analysis/scenario/parameters.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { captureConsole } from "./console_capture.ts";
import { loadPricingData } from "../lib/export.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

const SCENARIOS = new URL("../scenarios/", import.meta.url).pathname;

/**
 * s1 pro 3 seats, $60 = 3 × $20 (seat only)      s2 pro 0 seats, $20 (one-seat minimum)
 * s3 growth 5 seats + prompts, $150 = 100 + 50    u1 pro 4 seats, $84.50 = 80 + 4.50 usage charges
 * t1 team bundle, $200                            p25 pro-20251210 flat, $79 (prompts included)
 * e1 enterprise contract, $3,000                  f1 free, $0          f2 free, MRR unknown
 */
const frame = exportFrameFromColumns({
  org_id: ["s1", "s2", "s3", "u1", "t1", "p25", "e1", "f1", "f2"],
  org_name: ["S1", "S2", "S3", "U1", "T1", "P25", "E1", "F1", "F2"],
  tier: ["pro", "pro", "growth", "pro", "team", "pro", "enterprise", "free", "free"],
  tier_raw: [
    "pro",
    "pro-20240913",
    "growth",
    "pro-20250202",
    "team-20250130",
    "pro-20251210",
    "enterprise",
    "free",
    null,
  ],
  seats: [3, 0, 5, 4, 12, 4, 40, 1, 2],
  active_users_30d: [3, 0, 5, 4, 12, 4, 40, 1, 2],
  requests_30d: [5_000, 0, 20_000, 40_000, 300_000, 2_500_000, 12_000_000, 0, 60_000],
  llm_cost_30d: [10, 0, 40, 150, 900, 1200, 5000, 0, 120],
  llm_cost_ptb_30d: [0, 0, 40, 50, 0, 1200, 1000, 0, 0],
  llm_cost_byok_30d: [10, 0, 0, 100, 900, 0, 4000, 0, 120],
  addons_in_metadata: [null, null, "prompts", null, null, "prompts", "prompts,evals", null, null],
  addon_prompts: [0, 0, 50, 0, 0, 0, 0, 0, null],
  usage_charges: [0, 0, 0, 4.5, 0, 0, 0, 0, null],
  mrr: [60, 20, 150, 84.5, 200, 79, 3000, 0, null],
});

const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as unknown[];

function close(actual: number, expected: number, what: string, tolerance = 1e-9) {
  ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: expected ${expected}, got ${actual}`,
  );
}

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

Deno.test("plan names the per-plan table gives rows of its own (all, (no plan)) are refused", async () => {
  const error = (name: string) => {
    try {
      parseScenario(
        { name: "x", plans: [{ name: "a", flatUsd: 1 }, { name, flatUsd: 2 }] },
        "s.json",
      );
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assertEquals(
    error("all"),
    's.json: plans[1].name "all" is reserved (the per-plan table\'s row of every organization); give the plan another name',
  );
  assertEquals(
    error("(no plan)"),
    's.json: plans[1].name "(no plan)" is reserved (the per-plan table\'s row of organizations no plan matches); give the plan another name',
  );
  // case and surrounding spaces aside: a row "All" beside "all" would read as the same row
  ok(error(" All ").startsWith('s.json: plans[1].name " All " is reserved'));
  // names that only contain them are plans like any other (the built-in book's catch-all)
  assertEquals(error("unknown tier (no plan)"), "no error");
  assertEquals(error("all-inclusive"), "no error");
  await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
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

/**
 * Metered usage and subscription status. a pro-20251210 $79 + $50.50 usage = $129.50; b
 * pro-20251210 $71.10 (a 10 % discount), no usage; c pro-20251210 trialing, $0; d team-20251210
 * canceled, $0; e free, no subscription, $0; f legacy pro 2 seats $40 + $7.25 usage = $47.25;
 * g legacy pro 3 seats, trialing and canceled, $0. c and e made 30,000 requests.
 */
const metered = exportFrameFromColumns({
  org_id: ["a", "b", "c", "d", "e", "f", "g"],
  org_name: ["A", "B", "C", "D", "E", "F", "G"],
  tier: ["pro", "pro", "pro", "team", "free", "pro", "pro"],
  tier_raw: [
    "pro-20251210",
    "pro-20251210",
    "pro-20251210",
    "team-20251210",
    "free",
    "pro-20240913",
    "pro",
  ],
  seats: [2, 5, 1, 4, 1, 2, 3],
  requests_30d: [90_000, 0, 30_000, 0, 30_000, 0, 0],
  mrr: [129.5, 71.1, 0, 0, 0, 47.25, 0],
  usage_charges: [50.5, 0, 0, 0, null, 7.25, 0],
  subscription_status: [
    "active",
    "active",
    "trialing",
    "canceled",
    null,
    "active",
    "canceled,trialing",
  ],
  cancel_at_period_end: [false, true, null, null, null, false, null],
});

const atOrg = (perOrg: pl.DataFrame, id: string, name: string) =>
  perOrg.filter(pl.col("org_id").eq(pl.lit(id))).getColumn(name).get(0);

Deno.test("current pricing carries the 2025-12-10 plans' usage charges and keeps unpaid subscriptions at $0", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const result = await compareScenario(metered, { scenario: book, priceBook: book });
  // a 79 + 50.50 carried = 129.50 (= current); b 79 (current 71.10: +7.90, the discount);
  // c, d, g $0 (no counted subscription, not $79 / $799 / $60); e free $0; f 2 × 20 + 7.25
  // carried = 47.25 (= current).
  assertEquals(column(result.perOrg, "proposed_mrr"), [129.5, 79, 0, 0, 0, 47.25, 0]);
  assertEquals(column(result.perOrg, "proposed_usage_carried"), [50.5, 0, 0, 0, 0, 7.25, 0]);
  assertEquals(column(result.perOrg, "outcome"), [
    "unchanged",
    "pays_more",
    "unchanged",
    "unchanged",
    "unchanged",
    "unchanged",
    "unchanged",
  ]);
  // current 129.5 + 71.1 + 47.25 = 247.85; proposed 129.5 + 79 + 47.25 = 255.75: +7.90, b's
  // discount alone
  close(result.totals.currentMrrUsd, 247.85, "current");
  close(result.totals.proposedMrrUsd, 255.75, "proposed");
  close(result.totals.deltaUsd, 7.9, "delta", 1e-9);
  // no enterprise or other-tier organization; d, the one team organization, is team-20251210
  assertEquals(result.warnings, [
    'plan "team (bundle, legacy)" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "team 2025-12-10"',
    'usage charges carried as billed into proposed MRR, not re-priced: $57.75 a month of 2 organizations on "pro 2025-12-10", "pro (seat, legacy)" (plans with meteredPrices that price no usage themselves; Stripe bills metered requests and storage, in usage_charges)',
    "3 organizations pay nothing because no subscription of theirs counts (subscription_status trialing, canceled on a paying tier, …): kept at $0, not priced by their plan",
    // the fixture has no company cost: no margin, said with the columns it lacks
    "7 of the 7 organizations compared are left out of the company margin: 7 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
  ]);
  // nobody on a trial leads the increases: b's discount (+7.90) is the only one
  assertEquals(column(biggestMovers(result.perOrg, { outcome: "pays_more", limit: 5 }), "org_id"), [
    "b",
  ]);
});

Deno.test("a free organization whose subscription was canceled is priced as free, not kept at $0", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const twoPercent = await loadScenarioFile(join(SCENARIOS, "two_percent_of_llm_cost.json"));
  // p free, its subscription canceled ($100 LLM cost); q free, never subscribed ($50); r pro
  // trialing ($200); s pro paying $40 ($300)
  const churned = exportFrameFromColumns({
    org_id: ["p", "q", "r", "s"],
    org_name: ["P", "Q", "R", "S"],
    tier: ["free", "free", "pro", "pro"],
    tier_raw: ["free", "free", "pro-20250202", "pro-20250202"],
    seats: [1, 1, 2, 2],
    requests_30d: [1_000, 1_000, 1_000, 1_000],
    llm_cost_30d: [100, 50, 200, 300],
    mrr: [0, 0, 0, 40],
    subscription_status: ["canceled", null, "trialing", "active"],
    cancel_at_period_end: [null, null, null, false],
  });
  const result = await compareScenario(churned, { scenario: twoPercent, priceBook: book });
  // 2 % of LLM cost: p 2 and q 1, both free today; r stays $0 (a trial); s 6
  assertEquals(column(result.perOrg, "proposed_mrr"), [2, 1, 0, 6]);
  assertEquals(column(result.perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "unchanged",
    "pays_less",
  ]);
  close(result.totals.proposedMrrUsd, 9, "proposed");
  ok(
    result.warnings.includes(
      "1 organization pays nothing because no subscription of theirs counts (subscription_status trialing, canceled on a paying tier, …): kept at $0, not priced by their plan",
    ),
    result.warnings.join("\n"),
  );
});

Deno.test("raising pro 2025-12-10 from $79 to $99 reads as +$20 per paying organization", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const raised = withPriceParameter(book, { path: "plans[0].flatUsd", value: 99 });
  const result = await compareScenario(metered, { scenario: raised, priceBook: book });
  // a 99 + 50.50 = 149.50 (+20); b 99 (+27.90: 20 + the 7.90 discount); c still $0 (trialing).
  assertEquals(column(result.perOrg, "proposed_mrr"), [149.5, 99, 0, 0, 0, 47.25, 0]);
  const pro = result.perOrg.filter(pl.col("plan").eq(pl.lit("pro 2025-12-10")));
  // plan: current 129.5 + 71.1 + 0 = 200.60, proposed 149.5 + 99 + 0 = 248.50: +47.90, which is
  // the preset's +7.90 plus 2 × $20
  close(pro.getColumn("delta_usd").sum(), 47.9, "pro 2025-12-10 delta");
  // the same metered prices as the book: no "not re-priced" warning
  ok(!result.warnings.some((w) => w.startsWith("meteredPrices of")));
});

Deno.test("metered prices that differ from the price book are named as not re-priced", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  // (set by hand: a breakeven parameter may not name a meteredPrices price, which nothing charges)
  const cheaper = structuredClone(book);
  cheaper.plans[0].meteredPrices!.requests!.tiers[0].usdPer1k = 0.5;
  const result = await compareScenario(metered, { scenario: cheaper, priceBook: book });
  // a's usage is carried as billed all the same: $129.50
  assertEquals(atOrg(result.perOrg, "a", "proposed_mrr"), 129.5);
  assertEquals(
    result.warnings.filter((w) => w.startsWith("meteredPrices of")),
    [
      'meteredPrices of "pro 2025-12-10" differ from what their organizations are billed on (the price book): they are not re-priced; the organizations\' usage charges are carried as billed',
    ],
  );
  // without a price book nothing is compared
  const alone = await compareScenario(metered, { scenario: cheaper });
  ok(!alone.warnings.some((w) => w.startsWith("meteredPrices of")));
});

Deno.test("a plan without meteredPrices that prices no usage leaves usage charges out, and says so", async () => {
  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const scenario = structuredClone(book);
  delete scenario.plans[2].meteredPrices; // pro (seat, legacy)
  const result = await compareScenario(metered, { scenario, priceBook: book });
  // f: 2 × 20 = 40 against 47.25: −7.25, its usage charges
  assertEquals(atOrg(result.perOrg, "f", "proposed_mrr"), 40);
  assertEquals(atOrg(result.perOrg, "f", "delta_usd"), -7.25);
  ok(result.warnings.includes(
    'usage charges left out of proposed MRR: $7.25 a month of 1 organization on "pro (seat, legacy)" (in current MRR as usage_charges; these plans list no meteredPrices and price no usage), so they read as paying that much less',
  ));
});

Deno.test("a scenario pricing usage itself replaces usage charges; free orgs stay priced, trials at $0", async () => {
  const scenario = await loadScenarioFile(join(SCENARIOS, "per_request.json"));
  const result = await compareScenario(metered, { scenario });
  // e free, no subscription: (30,000 − 10,000) / 1,000 × $0.50 = $10; c the same usage but
  // trialing: $0. a: 80,000 billable requests × $0.50 / 1,000 = $40 (no carried usage).
  assertEquals(atOrg(result.perOrg, "e", "proposed_mrr"), 10);
  assertEquals(atOrg(result.perOrg, "c", "proposed_mrr"), 0);
  assertEquals(atOrg(result.perOrg, "a", "proposed_mrr"), 40);
  assertEquals(atOrg(result.perOrg, "a", "proposed_usage_carried"), 0);
  // a's 50.50 and f's 7.25 on the "usage" plan: 57.75 replaced
  ok(result.warnings.includes(
    'usage charges replaced by the scenario\'s own usage prices: $57.75 a month of current MRR of 2 organizations on "usage" (perRequest or pctOfLlmCost)',
  ));
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

Deno.test("a founder's changes: 5 % of LLM cost with a $49 floor, and team merged into pro at $23 a seat", async () => {
  const floor = parseScenario({
    name: "pct_floor",
    description: "5 % of LLM cost, at least $49 a month; free stays free",
    addonPrices: {},
    plans: [
      { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
      {
        name: "pct",
        pctOfLlmCost: { percent: 5, basis: "all" },
        minimumUsd: 49,
        addonsIncluded: true,
      },
    ],
    breakeven: "plans[1].minimumUsd",
  });
  const priced = await compareScenario(frame, { scenario: floor });
  // 5 % of s1 10, s2 0, s3 40, u1 150, t1 900, p25 1200, e1 5000 = 0.5, 0, 2, 7.5, 45, 60, 250:
  // the first five are raised to $49; f1, f2 free at $0.
  assertEquals(column(priced.perOrg, "proposed_mrr"), [49, 49, 49, 49, 49, 60, 250, 0, 0]);
  assertEquals(column(priced.perOrg, "proposed_minimum_topup"), [
    48.5,
    49,
    47,
    41.5,
    4,
    0,
    0,
    0,
    0,
  ]);
  // comparable (all but f2): current 3,593.50, proposed 5 × 49 + 60 + 250 + 0 = 555
  close(priced.totals.proposedMrrUsd, 555, "floor proposed");
  close(priced.totals.deltaUsd, -3038.5, "floor delta");
  close(priced.totals.changePct!, -3038.5 / 3593.5 * 100, "floor change %");
  // only s2 pays more ($20 → $49); f1 $0 → $0 unchanged; the other six pay less
  assertEquals(
    [priced.totals.paysMore, priced.totals.paysLess, priced.totals.unchanged],
    [1, 6, 1],
  );
  // breakeven floor m: above e1's 250 every pct organization pays m, 7m = 3,593.50 → m = 513.357…
  close(priced.breakeven!.value!, 3593.5 / 7, "floor breakeven", 1e-6);

  const book = await loadScenarioFile(join(SCENARIOS, "current_seat_based.json"));
  const merged = parseScenario({
    ...book,
    name: "team_into_pro",
    plans: [
      ...book.plans.slice(0, 2),
      { ...book.plans[2], match: { tiers: ["pro", "growth", "team"] }, perSeatUsd: 23 },
      ...book.plans.slice(4),
    ],
  });
  const result = await compareScenario(frame, { scenario: merged });
  // s1 3 × 23 = 69; s2 0 seats → the $20 minimum; s3 5 × 23 + prompts 50 = 165; u1 4 × 23 + 4.50
  // carried = 96.5; t1 12 × 23 = 276 (was the $200 bundle); p25 $79; e1 kept; f1, f2 free.
  assertEquals(column(result.perOrg, "proposed_mrr"), [69, 20, 165, 96.5, 276, 79, 3000, 0, 0]);
  assertEquals(column(result.perOrg, "plan")[4], "pro (seat, legacy)");
  // 69 + 20 + 165 + 96.5 + 276 + 79 + 3000 + 0 = 3,705.50: +112 (+3.117 %)
  close(result.totals.proposedMrrUsd, 3705.5, "merged proposed");
  close(result.totals.changePct!, 112 / 3593.5 * 100, "merged change %");
  assertEquals(
    [result.totals.paysMore, result.totals.paysLess, result.totals.unchanged],
    [4, 0, 4],
  );
  const team = result.byTier.filter(pl.col("tier").eq(pl.lit("team")));
  assertEquals([column(team, "current_mrr"), column(team, "proposed_mrr")], [[200], [276]]);
  // breakeven seat price p: 3p + 20 + (5p + 50) + (4p + 4.5) + 12p + 79 + 3000 = 3,593.50 →
  // 24p = 440, p = 18.33…
  close(result.breakeven!.value!, 440 / 24, "merged breakeven", 1e-6);
});
