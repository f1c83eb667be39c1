/**
 * lib/economics/: cost model, price book (plan, list_price_mrr), company cost and margin, on a
 * five-organization fixture; every expected number is worked out by hand in the comments.
 */
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import type pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import {
  addEconomicsColumns,
  costModelFromEnv,
  costModelInWords,
  loadPriceBook,
  PTB_REVENUE_NOT_READ,
} from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  economicsFixture,
  economicsFixturePtbNotRead,
  economicsFrameWithF,
  frameWithLosingSharedCustomer,
  frameWithPtbTiming,
  frameWithSharedCustomer,
  freePlanOfTwo,
  revenue,
} from "./economics_fixture.ts";
import type { CustomerRevenue } from "../lib/revenue/types.ts";

const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray() as unknown[];

function closeList(actual: unknown[], expected: (number | null)[], what: string) {
  assertEquals(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as number | null;
    if (e === null) assertEquals(a, null, `${what}[${i}]`);
    else ok(a !== null && Math.abs(a - e) < 1e-9, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

Deno.test("plan and list_price_mrr come from the price book (the current-pricing scenario)", async () => {
  const book = await loadPriceBook();
  const { frame } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: book,
    revenue: revenue({}),
    windowDays: 30,
  });
  assertEquals(column(frame, "plan"), [
    "pro 2025-12-10",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "enterprise (contract)",
    "free",
  ]);
  // a $79 flat, add-ons included; b 3 × $20 + prompts $50 + evals $100 = $210; c bundle $200;
  // d contract: no list price; e free $0.
  assertEquals(column(frame, "list_price_mrr"), [79, 210, 200, null, 0]);
});

Deno.test("list prices are priced once per distinct input combination, the same as per organization", async () => {
  const { parseScenario, partsAt, priceOrganizations, pricingInputs } = await import(
    "../lib/analysis/scenario/mod.ts"
  );
  // every priced feature: per request with a minimum, % of PTB cost with a minimum, per seat
  // above included seats plus flat tiers on active users, add-ons, a contract; no catch-all plan
  const scenario = parseScenario({
    name: "every_feature",
    addonPrices: { prompts: 50, evals: 100 },
    plans: [
      {
        name: "metered",
        match: { tiersRaw: ["pro-20251210"] },
        perRequest: {
          includedRequests: 1000,
          mode: "graduated",
          tiers: [{ upTo: 10_000, usdPer1k: 1 }, { upTo: null, usdPer1k: 0.5 }],
        },
        minimumUsd: 30,
      },
      {
        name: "pct",
        match: { tiers: ["team"] },
        flatUsd: 10,
        pctOfLlmCost: { percent: 10, basis: "ptb" },
        minimumUsd: 100,
      },
      {
        name: "tiered",
        match: { tiers: ["pro"] },
        perSeatUsd: 5,
        includedSeats: 2,
        flatTiers: {
          metric: "active_users_30d",
          tiers: [{ upTo: 5, usd: 50 }, { upTo: null, usd: 90 }],
        },
      },
      { name: "contract", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
    ],
  }, "every_feature.json");
  // the fixture's a–e, then g (legacy pro, no raw tier, prompts billed only) and h (b's inputs
  // again with other usage)
  const extra = exportFrameFromColumns({
    org_id: ["g", "h"],
    org_name: ["G", "H"],
    tier: ["pro", "pro"],
    tier_raw: [null, "pro"],
    seats: [8, 3],
    active_users_30d: [6, 3],
    requests_30d: [10, 99_999],
    llm_cost_30d: [1, 7],
    llm_cost_ptb_30d: [1, 7],
    llm_cost_byok_30d: [0, 0],
    addons_in_metadata: [null, "prompts,evals"],
    addon_prompts: [50, 50],
    mrr: [0, 10],
    revenue_source: ["no_customer", "stripe"],
  });
  const frame = (await import("nodejs-polars")).default.concat([economicsFixture(), extra]);
  const { frame: priced } = addEconomicsColumns(frame, {
    costModel: costModelFromEnv({}),
    priceBook: { file: "every_feature.json", scenario, sha256: "built in this test" },
    revenue: revenue({}),
    windowDays: 30,
  });
  assertEquals(column(priced, "plan"), [
    "metered",
    "tiered",
    "pct",
    "contract",
    null,
    "tiered",
    "tiered",
  ]);
  // a: usage 9,000 / 1000 × $1 + 10,000 / 1000 × $0.50 = $14, top-up to the $30 minimum $16,
  //    prompts $50 → 80
  // b: 1 seat above 2 × $5 + 3 active users ≤ 5 → $50, prompts + evals $150 → 205
  // c: $10 + 10 % of $300 PTB cost = $30 usage, top-up to the $100 minimum $60 → 100
  // d: contract, e: no plan → empty
  // g: 6 seats above 2 × $5 + 6 active users → $90, prompts (billed) $50 → 170; h as b → 205
  assertEquals(column(priced, "list_price_mrr"), [80, 205, 100, null, null, 170, 205]);
  const byOrganization = priceOrganizations(pricingInputs(frame), scenario);
  const perOrganization = Array.from({ length: frame.height }, (_, i) => partsAt(byOrganization, i))
    .map((
      p,
    ) =>
      p.plan < 0 || scenario.plans[p.plan].keepCurrentMrr
        ? null
        : p.base + p.usage + p.minimumTopup + p.addons
    );
  assertEquals(column(priced, "list_price_mrr"), perOrganization);
});

const PER_REQUEST_BOOK = new URL("../scenarios/per_request.json", import.meta.url).pathname;

/**
 * Under scenarios/per_request.json (first 10,000 requests free, then $0.50 / $0.30 / $0.15 per
 * 1,000 to 1M / 10M / beyond; paid tiers at least $20 plus add-ons at list; free orgs pay their
 * requests above the allowance): u1 pro-20251210, 22,583 requests, $100 MRR ($79 recurring + $21
 * usage); u2 legacy pro, 169,599 requests, $90; u3 legacy pro with prompts, 2,000,000 requests,
 * $900 ($850 recurring + $50 usage); f1 free, 12,000 requests; e1 enterprise, $3,000.
 */
function perRequestFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["u1", "u2", "u3", "f1", "e1"],
    org_name: ["U1", "U2", "U3", "F1", "E1"],
    tier: ["pro", "pro", "pro", "free", "enterprise"],
    tier_raw: ["pro-20251210", "pro", "pro", "free", "enterprise"],
    stripe_customer_id: ["cus_a", "cus_b", "cus_c", null, "cus_d"],
    seats: [3, 2, 5, 1, 40],
    requests_30d: [22_583, 169_599, 2_000_000, 12_000, 500_000],
    llm_cost_30d: [5, 20, 200, 1, 100],
    llm_cost_ptb_30d: [0, 0, 0, 0, 0],
    llm_cost_byok_30d: [5, 20, 200, 1, 100],
    addons_in_metadata: [null, null, "prompts", null, null],
    addon_prompts: [0, 0, 50, 0, 0],
    mrr: [100, 90, 900, 0, 3000],
    mrr_recurring: [79, 90, 850, 0, 3000],
    usage_charges: [21, 0, 50, 0, 0],
    revenue_source: ["stripe", "stripe", "stripe", "no_customer", "stripe"],
  });
}

Deno.test("list_price_mrr holds the usage a plan prices, raised to the plan's minimum", async () => {
  const { planEconomics } = await import("../lib/economics/report.ts");
  const book = await loadPriceBook({ PRICING_PRICE_BOOK: PER_REQUEST_BOOK });
  const { frame } = addEconomicsColumns(perRequestFrame(), {
    costModel: costModelFromEnv({}),
    priceBook: book,
    revenue: revenue({}),
    windowDays: 30,
  });
  assertEquals(column(frame, "plan"), [
    "usage",
    "usage",
    "usage",
    "free_allowance",
    "enterprise_contracts",
  ]);
  // u1: 12,583 requests above the allowance × $0.50 / 1,000 = $6.2915, raised to the $20 minimum
  // u2: 159,599 × $0.50 / 1,000 = $79.7995 (above the minimum)
  // u3: 990,000 × $0.50 / 1,000 = $495 + 1,000,000 × $0.30 / 1,000 = $300 → $795, prompts $50
  // f1: 2,000 × $0.50 / 1,000 = $1 (add-ons included, no minimum); e1: contract, no list price
  closeList(column(frame, "list_price_mrr"), [20, 79.7995, 845, 1, null], "list_price_mrr");
  const usage = planEconomics(frame, { book, windowDays: 30 }).find((r) => r.plan === "usage")!;
  ok(Math.abs(usage.list_price_mrr! - 944.7995) < 1e-9, `${usage.list_price_mrr}`);
  // the list prices hold usage, so the MRR set against them does too: (100 + 90 + 900) / 944.7995
  ok(
    Math.abs(usage.mrr_to_list_pct! - 109_000 / 944.7995) < 1e-9,
    `${usage.mrr_to_list_pct}`,
  );
});

Deno.test("list_price_mrr leaves out metered usage the price book says Stripe bills", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { planEconomics } = await import("../lib/economics/report.ts");
  const book = await loadPriceBook();
  // u1 under the built-in book: pro 2025-12-10, $79 flat; its $21 of usage charges are billed by
  // Stripe under meteredPrices, not a list price
  const frame = addEconomicsColumns(perRequestFrame().filter(pl.col("org_id").eq(pl.lit("u1"))), {
    costModel: costModelFromEnv({}),
    priceBook: book,
    revenue: revenue({}),
    windowDays: 30,
  }).frame;
  assertEquals(column(frame, "list_price_mrr"), [79]);
  // recurring $79 of list $79: 100 % (the $21 of usage is in neither)
  const pro = planEconomics(frame, { book, windowDays: 30 })[0];
  assertEquals([pro.plan, pro.mrr_to_list_pct], ["pro 2025-12-10", 100]);
});

Deno.test("the price book in words names every price a plan has", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { parseScenario } = await import("../lib/analysis/scenario/mod.ts");
  const { priceBookInWords } = await import("../lib/economics/price_book.ts");
  const perRequest = await loadPriceBook({ PRICING_PRICE_BOOK: PER_REQUEST_BOOK });
  const usageWords =
    "for every organization no plan above matched: requests: first 10,000 free, then $0.50 per 1,000 to 1,000,000, $0.30 per 1,000 to 10,000,000, $0.15 per 1,000 beyond (graduated); at least $20; add-ons prompts $50, experiments $50, evals $100";
  assertEquals(priceBookInWords(perRequest)[2], ["usage", usageWords]);
  assertEquals(
    priceBookInWords(perRequest)[1][1],
    "for tier free: requests: first 10,000 free, then $0.50 per 1,000 to 1,000,000, $0.30 per 1,000 to 10,000,000, $0.15 per 1,000 beyond (graduated); add-ons included",
  );
  // the brief prints the same line
  const { frame } = addEconomicsColumns(perRequestFrame(), {
    costModel: costModelFromEnv({}),
    priceBook: perRequest,
    revenue: revenue({}),
    windowDays: 30,
  });
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: perRequest,
    ptbRevenueRead: true,
    windowDays: 30,
  });
  ok(lines.includes(`- **usage**: ${usageWords}`), lines.join("\n"));
  const twoPercent = await loadPriceBook({
    PRICING_PRICE_BOOK: new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url)
      .pathname,
  });
  assertEquals(priceBookInWords(twoPercent), [[
    "two_percent",
    "for every organization no plan above matched: 2 % of LLM cost (all traffic); add-ons included",
  ]]);
  // the other kinds: seats above an allowance, flat tiers (LLM cost bands in USD), a volume
  // request price without allowance, a percentage of pass-through-billed cost
  const every = parseScenario({
    name: "every_kind",
    addonPrices: { evals: 100 },
    plans: [
      {
        name: "seats",
        match: { tiers: ["team"] },
        perSeatUsd: 12.5,
        includedSeats: 3,
        flatTiers: {
          metric: "llm_cost_30d",
          tiers: [{ upTo: 1000, usd: 10 }, { upTo: null, usd: 40 }],
        },
      },
      {
        name: "volume",
        match: { tiers: ["pro"] },
        flatTiers: {
          metric: "requests_30d",
          tiers: [{ upTo: 50_000, usd: 0 }, { upTo: null, usd: 25 }],
        },
        perRequest: {
          mode: "volume",
          tiers: [{ upTo: 100_000, usdPer1k: 2 }, { upTo: null, usdPer1k: 1.25 }],
        },
        pctOfLlmCost: { percent: 7.5, basis: "ptb" },
        minimumUsd: 30,
        addonsIncluded: true,
      },
    ],
  }, "every_kind.json");
  assertEquals(
    priceBookInWords({ file: "every_kind.json", scenario: every, sha256: "built in this test" }),
    [
      [
        "seats",
        "for tier team: $12.5 per seat a month above 3 seats; a month flat by llm_cost_30d: $10 to $1,000, $40 beyond; add-ons evals $100",
      ],
      [
        "volume",
        "for tier pro: a month flat by requests_30d: $0 to 50,000, $25 beyond; requests: $2 per 1,000 to 100,000, $1.25 per 1,000 beyond (volume); 7.5 % of LLM cost (pass-through-billed traffic); at least $30; add-ons included",
      ],
    ],
  );
});

Deno.test("raw tiers match the price book's tiersRaw as the tier family reads them: case, spaces, _", async () => {
  const { tierFamily } = await import("../lib/frame/tiers.ts");
  const raws = ["Pro-20251210", " pro-20251210", "team_20251210", "PRO_20240913"];
  const { frame } = addEconomicsColumns(
    exportFrameFromColumns({
      org_id: ["v1", "v2", "v3", "v4"],
      org_name: ["V1", "V2", "V3", "V4"],
      tier: raws.map(tierFamily),
      tier_raw: raws,
      seats: [3, 3, 3, 3],
      addon_prompts: [0, 0, 0, 0],
    }),
    {
      costModel: costModelFromEnv({}),
      priceBook: await loadPriceBook(),
      revenue: revenue({}),
      windowDays: 30,
    },
  );
  assertEquals(column(frame, "tier"), ["pro", "pro", "team", "pro"]);
  // the 2025-12-10 plans' $79 and $799 flat, not the legacy 3 × $20 = $60 and $200 bundle; a
  // legacy raw tier in capitals stays legacy
  assertEquals(column(frame, "plan"), [
    "pro 2025-12-10",
    "pro 2025-12-10",
    "team 2025-12-10",
    "pro (seat, legacy)",
  ]);
  assertEquals(column(frame, "list_price_mrr"), [79, 79, 799, 60]);
});

Deno.test("the export warns of plans pricing nobody and of raw tiers dated after the book's plan versions", async () => {
  const { parseScenario } = await import("../lib/analysis/scenario/mod.ts");
  const { tierFamily } = await import("../lib/frame/tiers.ts");
  // two pro-20260601 and one Team_2026-06-01 (newer than the book's 2025-12-10 versions, priced
  // by the legacy catch-alls); pro-20240913 and pro (older, undated: what the catch-alls are for)
  const raws = [
    "pro-20251210",
    "pro-20260601",
    "pro-20260601",
    "Team_2026-06-01",
    "pro-20240913",
    "pro",
    "free",
  ];
  const frame = exportFrameFromColumns({
    org_id: raws.map((_, i) => `o${i}`),
    org_name: raws.map((_, i) => `O${i}`),
    tier: raws.map(tierFamily),
    tier_raw: raws,
    seats: raws.map(() => 1),
    addon_prompts: raws.map(() => 0),
  });
  const economics = (scenario: Awaited<ReturnType<typeof loadPriceBook>>["scenario"]) =>
    addEconomicsColumns(frame, {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0" }),
      priceBook: { file: "book.json", scenario, sha256: "built in this test" },
      revenue: revenue({ cus_a: 0 }),
      windowDays: 30,
    });
  const { frame: priced, warnings } = economics((await loadPriceBook()).scenario);
  assertEquals(column(priced, "plan").slice(1, 4), [
    "pro (seat, legacy)",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
  ]);
  assertEquals(warnings, [
    'plan "team 2025-12-10" prices no organization in this data: no organization fits its match',
    '3 organizations have a raw tier dated after the newest plan version match.tiersRaw names in its family, priced by a plan without tiersRaw (a catch-all): "pro-20260601" (2, plan "pro (seat, legacy)", newest named "pro-20251210"), "Team_2026-06-01" (1, plan "team (bundle, legacy)", newest named "team-20251210"); add a plan matching each new plan version by tiersRaw',
  ]);
  // a plan an earlier, broader one shadows (the newer pro tier still named: "pro new" names
  // pro-20251210; team has no dated plan version here, so Team_2026-06-01 is not named)
  const shadowing = parseScenario({
    name: "shadowing",
    plans: [
      { name: "pro any", match: { tiers: ["pro"] }, flatUsd: 30 },
      { name: "pro new", match: { tiers: ["pro"], tiersRaw: ["pro-20251210"] }, flatUsd: 79 },
      { name: "others", flatUsd: 0 },
    ],
  }, "shadowing.json");
  assertEquals(economics(shadowing).warnings, [
    'plan "pro new" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "pro any"',
    '2 organizations have a raw tier dated after the newest plan version match.tiersRaw names in its family, priced by a plan without tiersRaw (a catch-all): "pro-20260601" (2, plan "pro any", newest named "pro-20251210"); add a plan matching each new plan version by tiersRaw',
  ]);
});

Deno.test("a price book's breakeven, a scenario-only field, is not read: a plan inserted before it", async () => {
  const { loadScenarioFile } = await import("../lib/analysis/scenario/mod.ts");
  const builtIn = JSON.parse(
    await Deno.readTextFile(new URL("../scenarios/current_seat_based.json", import.meta.url)),
  );
  // a new plan version first: breakeven plans[2].perSeatUsd now names team 2025-12-10, no seat price
  builtIn.plans.unshift({
    name: "pro 2026-06-01",
    match: { tiersRaw: ["pro-20260601"] },
    flatUsd: 99,
    addonsIncluded: true,
  });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/book.json`;
    await Deno.writeTextFile(file, JSON.stringify(builtIn));
    const book = await loadPriceBook({ PRICING_PRICE_BOOK: file });
    assertEquals(book.scenario.breakeven, undefined);
    const { frame } = addEconomicsColumns(economicsFixture(), {
      costModel: costModelFromEnv({}),
      priceBook: book,
      revenue: revenue({}),
      windowDays: 30,
    });
    assertEquals(column(frame, "list_price_mrr"), [79, 210, 200, null, 0]);
    // as a scenario the file still needs a breakeven that names a price
    await rejects(loadScenarioFile(file), {
      message:
        `${file}: breakeven names nothing in the scenario: "plans[2].perSeatUsd"; name one of its prices: plans[0].flatUsd, plans[1].flatUsd, plans[2].flatUsd, plans[3].perSeatUsd, plans[3].minimumUsd, plans[4].flatUsd, plans[6].flatUsd, addonPrices.prompts, addonPrices.experiments, addonPrices.evals`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("company cost and company-basis margin with infrastructure cost and PTB revenue", async () => {
  const { frame, warnings, ptbRevenueRead } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    revenue: revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 }),
    windowDays: 30,
  });
  ok(ptbRevenueRead);
  // the fixture has no team-20251210 organization
  assertEquals(warnings, [
    'plan "team 2025-12-10" prices no organization in this data: no organization fits its match',
  ]);
  // e has no Stripe customer: PTB revenue 0.
  assertEquals(column(frame, "ptb_revenue_30d"), [25, 0, 250, 600, 0]);
  // PTB cost + requests / 1000 × $0.50: a 10 + 10; b 0 + 1; c 300 + 50; d 500 + 500; e 1 + 0.25
  closeList(column(frame, "company_cost_30d"), [20, 1, 350, 1000, 1.25], "company_cost_30d");
  // a (79 + 25 − 20) / 104; b (200 − 1) / 200; c (200 + 250 − 350) / 450; d 2600 / 3600;
  // e denominator 0 + 0 → empty
  closeList(
    column(frame, "gross_margin_company_pct"),
    [84 / 104 * 100, 99.5, 100 / 450 * 100, 2600 / 3600 * 100, null],
    "gross_margin_company_pct",
  );
});

Deno.test("unread PTB revenue and unset infrastructure cost are said, margins empty where unknown", async () => {
  const { frame, warnings, ptbRevenueRead } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: revenue({}),
    windowDays: 30,
  });
  ok(!ptbRevenueRead);
  assertEquals(column(frame, "ptb_revenue_30d"), [null, null, null, null, null]);
  // No infrastructure cost: company cost = PTB cost.
  closeList(column(frame, "company_cost_30d"), [10, 0, 300, 500, 1], "company_cost_30d");
  // Only b (no PTB cost) has a margin: (200 + 0 − 0) / 200.
  closeList(
    column(frame, "gross_margin_company_pct"),
    [null, 100, null, null, null],
    "gross_margin_company_pct",
  );
  ok(warnings.some((w) => w.startsWith("infrastructure cost not set")), warnings.join("\n"));
  ok(warnings.includes(PTB_REVENUE_NOT_READ));
});

Deno.test("cost model settings: bad values are one-line errors naming the setting", () => {
  assertEquals(costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: " " }), {
    infraUsdPer1kRequests: null,
    infraUsdPerGbStored: null,
  });
  throws(
    () => costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "-1" }),
    /^UserError: PRICING_INFRA_USD_PER_1K_REQUESTS must be a number of USD from 0 to 1,000 per 1,000 requests/,
  );
  // past the bound (a typo's 1e24 read as a margin of −4.7e+25 %; 1e307 emptied company_cost_30d)
  for (
    const [name, unit] of [
      ["PRICING_INFRA_USD_PER_1K_REQUESTS", "per 1,000 requests"],
      ["PRICING_INFRA_USD_PER_GB_STORED", "per GB stored a month"],
    ]
  ) {
    throws(
      () => costModelFromEnv({ [name]: "999999999999999999999999" }),
      {
        message:
          `${name} must be a number of USD from 0 to 1,000 ${unit} (e.g. 0.05), got "999999999999999999999999"`,
      },
    );
    assertEquals(Object.values(costModelFromEnv({ [name]: "1000" })).includes(1000), true);
  }
  throws(
    () => costModelFromEnv({ PRICING_INFRA_USD_PER_GB_STORED: "lots" }),
    /PRICING_INFRA_USD_PER_GB_STORED must be a number/,
  );
});

Deno.test("cost model in words: settings print as plain decimals, never with an exponent", () => {
  // String(0.0000001) is "1e-7": the brief, workbook and MCP printed "$1e-7 per 1,000 requests"
  const words = costModelInWords(costModelFromEnv({
    PRICING_INFRA_USD_PER_1K_REQUESTS: "0.0000001",
    PRICING_INFRA_USD_PER_GB_STORED: "0.00000025",
  }));
  ok(words.includes("Infrastructure: $0.0000001 per 1,000 requests in the window."), words[1]);
  ok(words.some((line) => line.startsWith("Storage: $0.00000025 per GB set")), words[2]);
  ok(!words.some((line) => /\de-\d/.test(line)), words.join("\n"));
});

Deno.test("the price book's metered prices are validated like the rest of a scenario", async () => {
  const { parseScenario } = await import("../lib/analysis/scenario/mod.ts");
  const book = await loadPriceBook();
  const pro = book.scenario.plans[0];
  assertEquals(pro.meteredPrices?.requests?.includedRequests, 10_000);
  assertEquals(pro.meteredPrices?.storagePerGb?.[0], { upToGb: 30, usdPerGb: 3.25 });
  throws(
    () =>
      parseScenario(
        {
          name: "s",
          plans: [{ name: "p", meteredPrices: { storagePerGb: [{ upToGb: 5, usdPerGb: 1 }] } }],
        },
        "s.json",
      ),
    /^UserError: s\.json: plans\[0\]\.meteredPrices\.storagePerGb\[0\]\.upTo must be null/,
  );
});

Deno.test("an export writes the cost model and the price book's SHA-256 into its manifest and appends the new columns to the CSV", async () => {
  const { runExport } = await import("../lib/export.ts");
  const { SPEC_COLUMN_NAMES } = await import("../lib/frame/columns.ts");
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      outDir,
      formats: ["csv"],
      charts: false,
      log: () => {},
      env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "0.02" },
    });
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    // the price book's bytes, hashed here: an edit of the file after the export shows in MCP
    const { createHash } = await import("node:crypto");
    const bookBytes = await Deno.readFile(
      new URL("../scenarios/current_seat_based.json", import.meta.url),
    );
    assertEquals(manifest.cost_model, {
      infra_usd_per_1k_requests: 0.02,
      infra_usd_per_gb_stored: null,
      ptb_revenue_read: true,
      price_book: "current_seat_based.json",
      price_book_path: fileURLToPath(
        new URL("../scenarios/current_seat_based.json", import.meta.url),
      ),
      price_book_sha256: createHash("sha256").update(bookBytes).digest("hex"),
    });
    const header = (await Deno.readTextFile(result.csvPath!)).split("\r\n")[0].split(",");
    assertEquals(header.slice(0, SPEC_COLUMN_NAMES.length), [...SPEC_COLUMN_NAMES]);
    assertEquals(header.slice(-5), [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("per-plan unit economics: every cell by hand", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const book = await loadPriceBook();
  const rows = perPlanRows(
    perPlanTable(await economicsFrameWithF(), {
      windowDays: 30,
      planOrder: book.scenario.plans.map((p) => p.name),
    }),
  );
  const expected: Record<string, (number | null)[]> = {
    // organizations, paying, seats, mrr, arpa, mrr/seat, mrr/1k, llm/1k, company llm/1k,
    // ptb share, margin all, margin company, gross profit company (the company margin's
    // numerator, USD), negative all, negative company, list, mrr/list
    // a: 79 / 4 seats; 79 / 20 (k requests); 30 / 20; 10 / 20; 10 / 30; (79 − 30) / 79;
    //    (79 + 25 − 20) / 104 (company cost 10 + 20 × 0.5), $84 of it
    "pro 2025-12-10": [
      1,
      1,
      4,
      79,
      79,
      19.75,
      3.95,
      1.5,
      0.5,
      100 / 3,
      4900 / 79,
      8400 / 104,
      84,
      0,
      0,
      79,
      100,
    ],
    // b + f: mrr 200 + 40, seats 5, requests 10k, cost 12 + 40, PTB 0 + 20;
    //   company: revenue 200 + (40 + 25) = 265, cost (0 + 1) + (20 + 4) = 25; list 210 + 40
    //   against recurring MRR 200 + 30 (f's $10 usage charges have no list price): 92 %
    "pro (seat, legacy)": [
      2,
      2,
      5,
      240,
      120,
      48,
      24,
      5.2,
      2,
      2000 / 52,
      18800 / 240,
      24000 / 265,
      240,
      0,
      0,
      250,
      92,
    ],
    // c: (200 − 300) / 200 = −50 %: negative on the spec basis; company (450 − 350) / 450, $100
    "team (bundle, legacy)": [
      1,
      1,
      10,
      200,
      200,
      20,
      2,
      3,
      3,
      100,
      -50,
      10000 / 450,
      100,
      1,
      0,
      200,
      100,
    ],
    // d: no list price → list and mrr/list empty; company 3,600 − 1,000 = $2,600
    "enterprise (contract)": [
      1,
      1,
      50,
      3000,
      3000,
      60,
      3,
      2,
      0.5,
      25,
      100000 / 3000,
      260000 / 3600,
      2600,
      0,
      0,
      null,
      null,
    ],
    // e: no paying organization → arpa, mrr/seat (no paying seat) and both margins empty; list
    //   $0 → mrr/list empty; but what it costs is known: $0 revenue − (PTB 1 + 500 × 0.5 / 1,000)
    "free": [1, 0, 1, 0, null, null, 0, 2, 2, 100, null, null, -1.25, 0, 0, 0, null],
    // all (the headline's margins): mrr 3,519, seats 70, requests 1,130,500, cost 2,383 (e's $1
    //   included), PTB 831; company revenue 104 + 265 + 450 + 3600 + 0 = 4,419, cost 20 + 25 +
    //   350 + 1000 + 1.25 (e: PTB 1 + 500 × 0.5 / 1,000) = 1,396.25; list 79 + 250 + 200 + 0 =
    //   529 against recurring mrr 79 + 230 + 200 + 0 = 509; seats of paying organizations 70 − e's 1;
    //   gross profit 4,419 − 1,396.25 = 3,022.75, the plans' 84 + 240 + 100 + 2,600 − 1.25
    "all": [
      6,
      5,
      70,
      3519,
      3519 / 5,
      3519 / 69,
      3519 / 1130.5,
      2383 / 1130.5,
      831 / 1130.5,
      83100 / 2383,
      113600 / 3519,
      302275 / 4419,
      3022.75,
      1,
      0,
      529,
      50900 / 529,
    ],
  };
  assertEquals(rows.map((r) => r.plan), Object.keys(expected));
  const columns = [
    "organizations",
    "paying_organizations",
    "seats",
    "mrr",
    "arpa",
    "mrr_per_seat",
    "mrr_per_1k_requests",
    "llm_cost_per_1k_requests",
    "company_llm_cost_per_1k_requests",
    "ptb_cost_share_pct",
    "margin_all_pct",
    "margin_company_pct",
    "gross_profit_company_usd",
    "negative_margin_all",
    "negative_margin_company",
    "list_price_mrr",
    "mrr_to_list_pct",
  ] as const;
  for (const row of rows) {
    closeList(columns.map((c) => row[c] as number | null), expected[row.plan], row.plan);
  }
});

Deno.test("per-plan table of one frame read again: the same table in each plan order, another frame its own", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const frame = await economicsFrameWithF();
  const order = (await loadPriceBook()).scenario.plans.map((p) => p.name);
  const first = perPlanRows(perPlanTable(frame, { windowDays: 30, planOrder: order }));
  // the sums are kept for the frame (chart worker, summary sheet and brief read it in turn)
  assertEquals(perPlanRows(perPlanTable(frame, { windowDays: 30, planOrder: order })), first);
  // by name without an order: the same rows, `all` last
  const byName = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  assertEquals(
    byName.map((r) => r.plan),
    [...first.slice(0, -1).map((r) => r.plan).sort((a, b) => a.localeCompare(b)), "all"],
  );
  for (const row of byName) assertEquals(row, first.find((r) => r.plan === row.plan));
  // a frame derived from it (one organization fewer) has its own sums
  const fewer = perPlanRows(
    perPlanTable(frame.tail(frame.height - 1), { windowDays: 30, planOrder: order }),
  );
  assertEquals(fewer.at(-1)!.organizations, first.at(-1)!.organizations! - 1);
});

Deno.test("the brief leads its economics with the company-cost margin, per-plan rows, price book and cost model, escaped", async () => {
  const { briefMarkdown } = await import("../lib/report/brief.ts");
  const book = await loadPriceBook();
  const frame = await economicsFrameWithF();
  // A price-book plan name is file text: rename one so it carries Markdown.
  const evil = structuredClone(book);
  evil.scenario.plans[3].name = "team | *bundle* <b>";
  const { default: pl } = await import("nodejs-polars");
  const renamed = frame.withColumns(
    pl.when(pl.col("plan").eq(pl.lit("team (bundle, legacy)"))).then(pl.lit("team | *bundle* <b>"))
      .otherwise(pl.col("plan")).alias("plan"),
  );
  const markdown = briefMarkdown({
    data: {
      frame: renamed,
      asOf: new Date("2026-11-01T00:00:00Z"),
      windowDays: 30,
      demo: false,
      warnings: [],
      revenue: { source: "stripe" },
      economics: {
        costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
        priceBook: evil,
        ptbRevenueRead: true,
        windowDays: 30,
      },
    },
    exportFiles: [],
  });
  // Headline over every org with known revenue (e included): company (4,419 − 1,396.25) / 4,419
  // = 68.40 %, before the spec basis (3,519 − 2,383) / 3,519 = 32.28 %.
  const company = markdown.indexOf("| Gross margin, company cost | 68.4 % |");
  const spec = markdown.indexOf("| Gross margin, all LLM cost (spec) | 32.3 % |");
  ok(company > 0 && spec > company, markdown.slice(0, 3000));
  ok(markdown.includes("| pro (seat, legacy) | 2 | 2 | 5 | $240.00 | $120.00 | $48.00 |"));
  ok(markdown.includes("| team \\| \\*bundle\\* &lt;b> | 1 | 1 | 10 | $200.00 |"));
  ok(markdown.includes("- **team \\| \\*bundle\\* &lt;b>**: for tier team: $200 a month flat"));
  // whom each plan prices: legacy pro holds growth too
  ok(markdown.includes("- **pro (seat, legacy)**: for tier pro or growth: $20 per seat a month"));
  ok(markdown.includes("- Infrastructure: $0.5 per 1,000 requests in the window."));
  // The price book's lines are long: none is cut short.
  ok(markdown.includes("$0.00002 beyond per request (graduated); storage: $3.25/GB to 30 GB"));
  // Stripe's metered prices are said to be outside the list price (they read as part of it)
  ok(
    markdown.includes("; metered, billed by Stripe as usage (not in `list_price_mrr`): requests: "),
  );
  ok(!markdown.includes("<b>"));
  ok(!markdown.includes("Window of "), "a 30-day brief says nothing of a basis");
});

Deno.test("the brief's economics on another window say the margins' 30-day basis", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const frame = await economicsFrameWithF();
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 7,
  });
  ok(
    lines.includes(
      "Window of 7 days: every margin and per-request ratio here sets the window's LLM cost, PTB revenue and requests on a 30-day basis (× 30 / 7) against monthly MRR and list prices; the Totals' sums are the window's own.",
    ),
    lines.join("\n"),
  );
});

Deno.test("demo data: both margins plausible, no plan's LLM cost above its MRR", async () => {
  const { loadPricingData } = await import("../lib/export.ts");
  const { companyMargins, planEconomics } = await import("../lib/economics/report.ts");
  const data = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    log: () => {},
  });
  const margins = companyMargins(data.frame, { windowDays: data.windowDays });
  ok(margins.specPct! > 0 && margins.specPct! < 60, `spec margin ${margins.specPct}`);
  ok(margins.companyPct! > 60 && margins.companyPct! < 100, `company ${margins.companyPct}`);
  for (
    const plan of planEconomics(data.frame, {
      book: data.economics.priceBook,
      windowDays: data.windowDays,
    })
  ) {
    if (plan.margin_all_pct === null) continue;
    ok(plan.margin_all_pct > -50, `${plan.plan}: spec margin ${plan.margin_all_pct}`);
  }
  // The demo has every traffic kind: gateway-only, mixed and BYOK-only organizations.
  const column = (name: string) => data.frame.getColumn(name).toArray() as number[];
  const ptb = column("ptb_requests_30d");
  const byok = column("byok_requests_30d");
  ok(ptb.some((p, i) => p > 0 && byok[i] === 0));
  ok(ptb.some((p, i) => p > 0 && byok[i] > 0));
  ok(ptb.some((p, i) => p === 0 && byok[i] > 0));
});

Deno.test("admin summary: the company-cost margin and the per-plan rows, by hand", async () => {
  const { pricingSummary } = await import("../lib/server/summary.ts");
  const { reportHtml } = await import("../lib/server/summary_html.ts");
  const frame = await economicsFrameWithF();
  const book = await loadPriceBook();
  const data = {
    asOf: new Date("2026-11-01T00:00:00Z"),
    windowDays: 30,
    demo: false,
    warnings: [],
    economics: { costModel: costModelFromEnv({}), priceBook: book, ptbRevenueRead: true },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const summary = pricingSummary(data, { frame, segment: null });
  // (4,419 − 1,396.25) / 4,419 over every organization with known revenue (e's $1.25 included)
  ok(Math.abs(summary.companyMarginPct! - 3022.75 / 4419 * 100) < 1e-9);
  // the spec's card: (3,519 − 2,383) / 3,519
  ok(Math.abs(summary.grossMarginPct! - 1136 / 3519 * 100) < 1e-9);
  assertEquals(summary.plans.map((p) => p.plan), [
    "pro 2025-12-10",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "enterprise (contract)",
    "free",
    "all",
  ]);
  const html = reportHtml(summary, []);
  ok(html.indexOf('data-stat="gross_margin_company"') < html.indexOf('data-stat="gross_margin"'));
  ok(
    html.includes(
      '<tr data-plan="pro (seat, legacy)"><td class="name" title="pro (seat, legacy)"><span dir="auto">pro (seat, legacy)</span></td><td class="num">2</td>',
    ),
  );
});

/** The per-plan rows of a frame in the built-in price book's order. */
async function planRows(frame: pl.DataFrame) {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const order = (await loadPriceBook()).scenario.plans.map((p) => p.name);
  return perPlanRows(perPlanTable(frame, { windowDays: 30, planOrder: order }));
}

Deno.test("per-plan mrr_per_seat prices the seats of paying organizations only, as arpa counts them", async () => {
  const { default: pl } = await import("nodejs-polars");
  // f on a trial: its mrr $0 (and its $10 usage with it), its 2 seats still in the plan's seats
  const trial = (await economicsFrameWithF()).withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("f"))).then(pl.lit(0)).otherwise(pl.col("mrr"))
      .cast(pl.Float64).alias("mrr"),
  );
  const rows = await planRows(trial);
  const pro = rows.find((r) => r.plan === "pro (seat, legacy)")!;
  // b alone pays: $200 over its 3 seats and 1 paying organization (not $40: over b's 3 + f's 2)
  assertEquals([pro.seats, pro.mrr, pro.paying_organizations, pro.arpa], [5, 200, 1, 200]);
  ok(Math.abs(pro.mrr_per_seat! - 200 / 3) < 1e-9, `${pro.mrr_per_seat}`);
  // all: a 79 + b 200 + c 200 + d 3,000 = 3,479 over a 4 + b 3 + c 10 + d 50 = 67 paying seats
  // (e's 1 free seat and f's 2 left out of the 70)
  const all = rows.at(-1)!;
  assertEquals([all.seats, all.mrr], [70, 3479]);
  ok(Math.abs(all.mrr_per_seat! - 3479 / 67) < 1e-9, `${all.mrr_per_seat}`);
});

Deno.test("per-plan mrr: unknown where no organization's MRR is known, the known part's sum otherwise", async () => {
  const { default: pl } = await import("nodejs-polars");
  const frame = await economicsFrameWithF();
  // Stripe skipped: every mrr empty → every row's mrr, arpa and mrr/seat empty, never $0
  const none = await planRows(frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr")));
  for (const row of none) {
    assertEquals([row.mrr, row.arpa, row.mrr_per_seat], [null, null, null], row.plan);
  }
  // b's MRR unknown: legacy pro keeps f's $40 (f alone is known), all 3,519 − 200 = 3,319
  const partial = await planRows(
    frame.withColumns(
      pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit(null)).otherwise(pl.col("mrr"))
        .cast(pl.Float64).alias("mrr"),
    ),
  );
  assertEquals(partial.find((r) => r.plan === "pro (seat, legacy)")!.mrr, 40);
  assertEquals(partial.at(-1)!.mrr, 3319);
});

Deno.test("counts over MRR (paying, negative margins) are unknown where no organization's MRR is known, of the known ones otherwise", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { economicsBriefLines, headlineKpis } = await import("../lib/economics/report.ts");
  const frame = await economicsFrameWithF();
  // Stripe skipped: mrr and both margins empty for every organization
  const empty = (names: string[]) => names.map((n) => pl.lit(null).cast(pl.Float64).alias(n));
  const none = frame.withColumns(
    ...empty(["mrr", "mrr_recurring", "gross_margin_pct", "gross_margin_company_pct"]),
  );
  for (const row of await planRows(none)) {
    assertEquals(
      [row.paying_organizations, row.negative_margin_all, row.negative_margin_company],
      [null, null, null],
      row.plan,
    );
  }
  const paying = (f: pl.DataFrame) =>
    headlineKpis(f, { windowDays: 30 }).find((k) => k.label === "Paying organizations")!;
  assertEquals(paying(none), {
    label: "Paying organizations",
    value: null,
    unit: "count",
    basis: "not known: no organization's MRR is known (empty mrr)",
  });
  const lines = economicsBriefLines(none, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  }).join("\n").split("\n");
  ok(
    lines.some((line) => line.includes("| Paying organizations | – | not known: ")),
    lines.join("\n"),
  );
  // the per-plan rows' count cells: organizations counted, paying and negative margins "–"
  const cells = (start: string) => lines.find((line) => line.startsWith(start))!.split(" | ");
  const header = cells("| plan |");
  const all = cells("| all |");
  const cell = (name: string) => all[header.indexOf(`\`${name}\``)];
  assertEquals(
    ["organizations", "paying_organizations", "negative_margin_all", "negative_margin_company"]
      .map(cell),
    ["6", "–", "–", "–"],
  );
  // every organization known: the headline's basis as before; a, b, c, d, f pay (e is free at $0)
  assertEquals([paying(frame).value, paying(frame).basis], [5, "MRR > 0"]);
  // b's MRR unknown: legacy pro counts f alone (paying, margin (40 − 40) / 40 = 0 not negative);
  // all: a, c, d, f pay, c's margin (200 − 300) / 200 < 0 the one negative
  const partly = frame.withColumns(
    ...["mrr", "mrr_recurring", "gross_margin_pct", "gross_margin_company_pct"].map((name) =>
      pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit(null)).otherwise(pl.col(name))
        .cast(pl.Float64).alias(name)
    ),
  );
  const rows = await planRows(partly);
  const legacy = rows.find((r) => r.plan === "pro (seat, legacy)")!;
  assertEquals([legacy.organizations, legacy.paying_organizations, legacy.negative_margin_all], [
    2,
    1,
    0,
  ]);
  assertEquals([rows.at(-1)!.paying_organizations, rows.at(-1)!.negative_margin_all], [4, 1]);
  assertEquals([paying(partly).value, paying(partly).basis], [
    4,
    "MRR > 0, of the 5 organizations with MRR on their own row (1 with unknown MRR: empty mrr, not counted)",
  ]);
  // b's empty mrr as a shared_customer row's (its customer's revenue on another row) and e's
  // unknown: the two kinds said apart, 4 with MRR on their own row (a, c, d, f), all 4 paying
  const sharedAndUnknown = partly.withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit("shared_customer"))
      .otherwise(pl.col("revenue_source")).alias("revenue_source"),
    pl.when(pl.col("org_id").eq(pl.lit("e"))).then(pl.lit(null)).otherwise(pl.col("mrr"))
      .cast(pl.Float64).alias("mrr"),
  );
  assertEquals([paying(sharedAndUnknown).value, paying(sharedAndUnknown).basis], [
    4,
    "MRR > 0, of the 4 organizations with MRR on their own row (1 sharing a Stripe customer whose revenue another organization's row carries, 1 with unknown MRR: empty mrr, not counted)",
  ]);
});

Deno.test("headline company margin: '–' with the reason when PTB revenue was not read and an organization had PTB cost", async () => {
  const { companyMargins, headlineKpis } = await import("../lib/economics/report.ts");
  const { frame } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "10" }),
    priceBook: await loadPriceBook(),
    revenue: revenue({}), // PTB revenue not read
    windowDays: 30,
  });
  // a, c, d and e (MRR 0, known) had PTB cost; only b has none: a margin over b alone would be
  // (200 − 2,000 × 10 / 1,000) / 200 = 90 %, not the company's
  const margins = companyMargins(frame, { windowDays: 30 });
  assertEquals(margins.companyPct, null);
  assertEquals(margins.ptbRevenueUnknown, 4);
  const [company] = headlineKpis(frame, { windowDays: 30 });
  assertEquals(company.value, null);
  assertEquals(
    company.basis,
    "not known: PTB revenue not read (the warnings say why) and 4 organizations with known MRR had PTB cost",
  );
  // read (every customer has a value): known again, the basis the formula
  const read = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 }),
    windowDays: 30,
  }).frame;
  // (79 + 25 + 200 + 450 + 3,600 + 0) − (10 + 0 + 300 + 500 + 1) = 4,354 − 811 over 4,354
  ok(Math.abs(companyMargins(read, { windowDays: 30 }).companyPct! - 3543 / 4354 * 100) < 1e-9);
});

Deno.test("a shared customer's other organization: its cost counts in the headline and per-plan margins", async () => {
  const { companyMargins } = await import("../lib/economics/report.ts");
  const frame = await frameWithSharedCustomer();
  assertEquals(column(frame, "ptb_revenue_30d").at(-1), null); // on b's row
  const margins = companyMargins(frame, { windowDays: 30 });
  // company: revenue 4,419 as without g, cost 1,396.25 + 6 = 1,402.25
  ok(Math.abs(margins.companyPct! - 3016.75 / 4419 * 100) < 1e-9, `${margins.companyPct}`);
  // spec: MRR 3,519, LLM cost 2,383 + 8 = 2,391
  ok(Math.abs(margins.specPct! - 1128 / 3519 * 100) < 1e-9, `${margins.specPct}`);
  assertEquals(margins.mrr, 3519);
  // the admin page's cards: the same two margins
  const { pricingSummary } = await import("../lib/server/summary.ts");
  const summary = pricingSummary(
    {
      asOf: new Date("2026-11-01T00:00:00Z"),
      windowDays: 30,
      demo: false,
      warnings: [],
      economics: { costModel: costModelFromEnv({}), priceBook: await loadPriceBook() },
    } as unknown as Parameters<typeof pricingSummary>[0],
    { frame, segment: null },
  );
  assertEquals([summary.grossMarginPct, summary.companyMarginPct], [
    margins.specPct,
    margins.companyPct,
  ]);
  const pro = (await planRows(frame)).find((r) => r.plan === "pro (seat, legacy)")!;
  // b + f + g: spec (240 − (12 + 40 + 8)) / 240; company (265 − (1 + 24 + 6)) / 265
  assertEquals([pro.organizations, pro.paying_organizations, pro.mrr], [3, 2, 240]);
  ok(Math.abs(pro.margin_all_pct! - 75) < 1e-9, `${pro.margin_all_pct}`);
  ok(Math.abs(pro.margin_company_pct! - 234 / 265 * 100) < 1e-9, `${pro.margin_company_pct}`);
});

Deno.test("a shared customer's other organization counts in the per-plan ratios with its customer's revenue", async () => {
  const { default: pl } = await import("nodejs-polars");
  const frame = await frameWithSharedCustomer();
  // list prices: b 3 × 20 + 50 + 100 = 210, f 2 × 20 = 40, g 1 × 20 = 20
  assertEquals(column(frame, "list_price_mrr").slice(1, 2), [210]);
  assertEquals(column(frame, "list_price_mrr").slice(5), [40, 20]);
  const rows = await planRows(frame);
  const pro = rows.find((r) => r.plan === "pro (seat, legacy)")!;
  // b + f + g: $240 over 3 + 2 + 1 = 6 seats and 2,000 + 8,000 + 4,000 = 14,000 requests (g's
  // customer, b's, pays for it too; without g: $48 a seat, $24 per 1,000 requests)
  assertEquals([pro.organizations, pro.seats, pro.mrr], [3, 6, 240]);
  ok(Math.abs(pro.mrr_per_seat! - 40) < 1e-9, `${pro.mrr_per_seat}`);
  ok(Math.abs(pro.mrr_per_1k_requests! - 240 / 14) < 1e-9, `${pro.mrr_per_1k_requests}`);
  // recurring MRR b 200 + f 30 against list b 210 + g 20 + f 40 (without g's list: 230 / 250)
  ok(Math.abs(pro.mrr_to_list_pct! - 230 / 270 * 100) < 1e-9, `${pro.mrr_to_list_pct}`);
  // all: MRR 3,519 over the paying customers' a 4 + b 3 + c 10 + d 50 + f 2 + g 1 = 70 seats (e's
  // 1 free seat not priced); recurring 79 + 200 + 200 + 30 = 509 against list 79 + 210 + 200 + 40
  // + 20 = 549 (d has none)
  const all = rows.at(-1)!;
  ok(Math.abs(all.mrr_per_seat! - 3519 / 70) < 1e-9, `${all.mrr_per_seat}`);
  ok(Math.abs(all.mrr_to_list_pct! - 509 / 549 * 100) < 1e-9, `${all.mrr_to_list_pct}`);

  // g on a team plan: it still counts with b, in b's plan (the team row is c's alone)
  const gOnTeam = await frameWithSharedCustomer({ tier: "team", tierRaw: "team" });
  assertEquals(column(gOnTeam, "plan").at(-1), "team (bundle, legacy)");
  const apart = await planRows(gOnTeam);
  const proApart = apart.find((r) => r.plan === "pro (seat, legacy)")!;
  const team = apart.find((r) => r.plan === "team (bundle, legacy)")!;
  assertEquals([proApart.organizations, proApart.seats, team.organizations, team.seats], [
    3,
    6,
    1,
    10,
  ]);
  ok(Math.abs(proApart.margin_all_pct! - 75) < 1e-9, `${proApart.margin_all_pct}`);
  ok(Math.abs(proApart.mrr_per_seat! - 40) < 1e-9, `${proApart.mrr_per_seat}`);
  // c alone: (200 − 300) / 200
  ok(Math.abs(team.margin_all_pct! - -50) < 1e-9, `${team.margin_all_pct}`);

  // b's revenue unknown (not converted): g's seats, requests and cost count nowhere; pro is f's
  const unknown = await planRows(
    frame.withColumns(
      pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit(null)).otherwise(pl.col("mrr"))
        .cast(pl.Float64).alias("mrr"),
    ),
  );
  const proUnknown = unknown.find((r) => r.plan === "pro (seat, legacy)")!;
  // f: (40 − 40) / 40 (counting g's $8 it read −20 %); $40 over 2 seats
  ok(Math.abs(proUnknown.margin_all_pct!) < 1e-9, `${proUnknown.margin_all_pct}`);
  ok(Math.abs(proUnknown.mrr_per_seat! - 20) < 1e-9, `${proUnknown.mrr_per_seat}`);
});

Deno.test("per-plan negative margins count the organizations of loss-making customers, a shared customer judged as one", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const { segmentFrame } = await import("../lib/report/segments.ts");
  // p's own row reads (50 − 30) / 50 = 40 % (company 100 %), q's none (mrr empty); their customer
  // cus_x: (50 − 90) / 50 = −80 % spec, (50 + 0 − 60) / 50 = −20 % company: p and q both count,
  // in p's plan. s: (40 − 60) / 40 = −50 % spec, company cost $0: 100 %.
  const frame = await frameWithLosingSharedCustomer();
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  const counts = (plan: string) => {
    const row = rows.find((r) => r.plan === plan)!;
    return [row.organizations, row.negative_margin_all, row.negative_margin_company];
  };
  assertEquals(counts("pro 2025-12-10"), [2, 2, 2]);
  assertEquals(rows.find((r) => r.plan === "pro 2025-12-10")!.margin_all_pct, -80);
  assertEquals(counts("pro (seat, legacy)"), [1, 1, 0]);
  assertEquals(counts("all"), [3, 3, 2]);
  // the negative_margin segment's count
  assertEquals(segmentFrame(frame, { name: "negative_margin" }).frame.height, 3);
});

Deno.test("a shared customer's PTB revenue not read and its other organization's PTB cost: the company margin is not known", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { companyMargins } = await import("../lib/economics/report.ts");
  const { withEconomics } = await import("./economics_fixture.ts");
  // a–e and g (on b's customer, PTB cost $4), PTB revenue not read: b's own PTB cost is 0, but
  // its customer's PTB revenue pays for g's too
  const g = exportFrameFromColumns({
    org_id: ["g"],
    org_name: ["G"],
    tier: ["pro"],
    tier_raw: ["pro"],
    stripe_customer_id: ["cus_b"],
    seats: [1],
    active_users_30d: [1],
    requests_30d: [4_000],
    llm_cost_30d: [8],
    llm_cost_ptb_30d: [4],
    llm_cost_byok_30d: [4],
    addon_prompts: [0],
    mrr: [null],
    revenue_source: ["shared_customer"],
  });
  const base = economicsFixture();
  const frame = await withEconomics(pl.concat([base.select(...g.columns), g]), revenue({}));
  const pro = (await planRows(frame)).find((r) => r.plan === "pro (seat, legacy)")!;
  // counting b's $200 against g's $4 it read 98 %
  assertEquals(pro.margin_company_pct, null);
  ok(Math.abs(pro.margin_all_pct! - (200 - 20) / 200 * 100) < 1e-9, `${pro.margin_all_pct}`);
  // the headline: a, c, d, e and g had PTB cost with PTB revenue not read
  assertEquals(companyMargins(frame, { windowDays: 30 }).ptbRevenueUnknown, 5);
});

Deno.test("mrr_to_list_pct counts paying organizations only: a trial is not a 0 % price", async () => {
  const { default: pl } = await import("nodejs-polars");
  const frame = await economicsFrameWithF();
  // h: a trialing pro-20251210 organization, MRR 0 against list $79
  const h = frame.filter(pl.col("org_id").eq(pl.lit("a"))).withColumns(
    pl.lit("h").alias("org_id"),
    pl.lit(0).cast(pl.Float64).alias("mrr"),
    pl.lit(0).cast(pl.Float64).alias("mrr_recurring"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_company_pct"),
  );
  const rows = await planRows(pl.concat([frame, h]));
  const pro = rows.find((r) => r.plan === "pro 2025-12-10")!;
  // a pays 79 of 79: 100 % (counting h it would read 79 / 158 = 50 %); list sums both: 158
  assertEquals([pro.organizations, pro.paying_organizations, pro.mrr], [2, 1, 79]);
  assertEquals([pro.list_price_mrr, pro.mrr_to_list_pct], [158, 100]);
  // all: recurring 509 / 529 as before h (e, free at $0 list, never counted), list 529 + 79
  const all = rows.at(-1)!;
  assertEquals(all.list_price_mrr, 608);
  ok(Math.abs(all.mrr_to_list_pct! - 50900 / 529) < 1e-9, `${all.mrr_to_list_pct}`);
});

Deno.test("the brief prints the per-plan columns' definitions, mrr_to_list_pct's basis among them", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { PER_PLAN_COLUMNS } = await import("../lib/economics/per_plan.ts");
  const lines = economicsBriefLines(await economicsFrameWithF(), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  });
  for (const [name, definition] of PER_PLAN_COLUMNS) {
    ok(lines.includes(`- \`${name}\`: ${definition}`), name);
  }
  ok(lines.some((line) => line.startsWith("- `mrr_to_list_pct`: ") && line.includes("mrr > 0")));
  // what the count counts: organizations, a shared customer judged as one, as the segment
  ok(lines.includes(
    "- `negative_margin_all`: organizations of Stripe customers with negative gross margin, spec basis (mrr > 0 and llm_cost_30d > mrr): a customer several organizations share is judged as one, its organizations' llm_cost_30d summed against its mrr, and all of them count, in the plan of its revenue row, as the negative_margin segment counts them (empty when no mrr is known, and when a customer with mrr > 0 has an organization whose llm_cost_30d is unknown, NaN or infinite: its sign cannot be told)",
  ));
});

Deno.test("an unknown tier is priced as no plan, not free: no list price, its own per-plan row, a warning", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { addMetricColumns } = await import("../lib/frame/metrics.ts");
  const partner = exportFrameFromColumns({
    org_id: ["p"],
    org_name: ["P"],
    tier: ["other"],
    tier_raw: ["partner-2026"],
    stripe_customer_id: [null],
    seats: [5],
    active_users_30d: [5],
    requests_30d: [1_000],
    llm_cost_30d: [30],
    llm_cost_ptb_30d: [0],
    llm_cost_byok_30d: [30],
    addon_prompts: [0],
    mrr: [300],
    revenue_source: ["stripe"],
  });
  const base = economicsFixture();
  const { frame, warnings } = addEconomicsColumns(
    addMetricColumns(pl.concat([base.select(...partner.columns), partner]), { windowDays: 30 }),
    {
      costModel: costModelFromEnv({}),
      priceBook: await loadPriceBook(),
      revenue: revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 }),
      windowDays: 30,
    },
  );
  assertEquals(column(frame, "plan").at(-1), "unknown tier (no plan)");
  assertEquals(column(frame, "list_price_mrr").at(-1), null);
  ok(
    warnings.includes(
      '1 organization with an unknown tier (tier "other"): priced as no plan (plan "unknown tier (no plan)", list_price_mrr empty; in the per-plan table a row of their own, except where they share a Stripe customer: under the plan of the row carrying its revenue)',
    ),
    warnings.join("\n"),
  );
  const rows = await planRows(frame);
  const free = rows.find((r) => r.plan === "free")!;
  assertEquals([free.organizations, free.paying_organizations, free.mrr], [1, 0, 0]);
  const unknown = rows.find((r) => r.plan === "unknown tier (no plan)")!;
  assertEquals([unknown.organizations, unknown.mrr, unknown.list_price_mrr], [1, 300, null]);
  assertEquals(unknown.mrr_to_list_pct, null);
  // the current-pricing scenario keeps its MRR (no list price), not −100 %
  const { compareScenario } = await import("../lib/analysis/scenario/mod.ts");
  const comparison = await compareScenario(frame, { scenario: (await loadPriceBook()).scenario });
  const p = comparison.perOrg.filter(pl.col("org_id").eq(pl.lit("p"))).toRecords()[0];
  assertEquals([p.plan, p.current_mrr, p.proposed_mrr, p.change_pct], [
    "unknown tier (no plan)",
    300,
    300,
    0,
  ]);
  assertEquals(comparison.warnings.filter((w) => w.includes("no plan")), []);
});

Deno.test("the spec margin is not a bound on the company margin: little BYOK cost, infrastructure set", async () => {
  const { frame } = addEconomicsColumns(
    exportFrameFromColumns({
      org_id: ["x"],
      org_name: ["X"],
      tier: ["pro"],
      tier_raw: ["pro"],
      stripe_customer_id: ["cus_a"],
      seats: [1],
      active_users_30d: [1],
      requests_30d: [1_000],
      llm_cost_30d: [150],
      llm_cost_ptb_30d: [150],
      llm_cost_byok_30d: [0],
      addon_prompts: [0],
      mrr: [100],
      gross_margin_pct: [-50],
      revenue_source: ["stripe"],
    }),
    {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.2" }),
      priceBook: await loadPriceBook(),
      revenue: revenue({ cus_a: 0 }),
      windowDays: 30,
    },
  );
  // spec (100 − 150) / 100 = −50 %; company (100 + 0 − (150 + 0.2)) / 100 = −50.2 %
  closeList(column(frame, "gross_margin_company_pct"), [-50.2], "gross_margin_company_pct");
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  ok(!readme.includes("worst case"));
  for (const file of ["../lib/mcp/economics.ts", "../lib/report/charts.ts"]) {
    ok(!(await Deno.readTextFile(new URL(file, import.meta.url))).includes("worst case"), file);
  }
});

/**
 * Free plan: g PTB revenue $10 against company cost $30; h PTB cost $5, PTB revenue $0; k BYOK
 * only, $0.50 infrastructure, no Stripe customer (PTB revenue not needed). Pro: p $100 = $60
 * recurring + $40 usage, list $79; q trialing ($0), list $79, PTB cost $10.
 */
function marginFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["g", "h", "k", "p", "q"],
    plan: ["free", "free", "free", "pro", "pro"],
    seats: [1, 1, 1, 2, 2],
    requests_30d: [1000, 1000, 1000, 1000, 1000],
    mrr: [0, 0, 0, 100, 0],
    mrr_recurring: [0, 0, 0, 60, 0],
    list_price_mrr: [0, 0, 0, 79, 79],
    ptb_revenue_30d: [10, 0, null, 0, 0],
    llm_cost_30d: [30, 5, 2, 20, 10],
    llm_cost_ptb_30d: [30, 5, 0, 0, 10],
    company_cost_30d: [30, 5, 0.5, 1, 10],
    gross_margin_pct: [null, null, null, 80, null],
    gross_margin_company_pct: [-200, null, null, 99, null],
    revenue_source: ["stripe", "stripe", "no_customer", "stripe", "stripe"],
  });
}

Deno.test("per-plan margins count every organization with known revenue, so all is the headline", async () => {
  const { companyMargins } = await import("../lib/economics/report.ts");
  const frame = marginFrame();
  const rows = await planRows(frame);
  const free = rows.find((r) => r.plan === "free")!;
  const pro = rows.find((r) => r.plan === "pro")!;
  const all = rows.at(-1)!;
  // free, company: (10 − (30 + 5 + 0.5)) / 10 = −255 % (g alone, the old basis: −200 %);
  // spec: no MRR, no margin
  ok(Math.abs(free.margin_company_pct! - -255) < 1e-9, `${free.margin_company_pct}`);
  assertEquals(free.margin_all_pct, null);
  // pro: spec (100 − 30) / 100 = 70 % (q's trial cost counts; p alone 80 %); company
  // (100 + 0 − 11) / 100 = 89 %
  ok(Math.abs(pro.margin_all_pct! - 70) < 1e-9, `${pro.margin_all_pct}`);
  ok(Math.abs(pro.margin_company_pct! - 89) < 1e-9, `${pro.margin_company_pct}`);
  // pro mrr_to_list_pct: p's recurring 60 of list 79 (not 100 with its usage, 126.6 %)
  ok(Math.abs(pro.mrr_to_list_pct! - 6000 / 79) < 1e-9, `${pro.mrr_to_list_pct}`);
  // all: spec (100 − 67) / 100 = 33 %; company (110 − 46.5) / 110; both the headline's
  ok(Math.abs(all.margin_all_pct! - 33) < 1e-9, `${all.margin_all_pct}`);
  ok(Math.abs(all.margin_company_pct! - 6350 / 110) < 1e-9, `${all.margin_company_pct}`);
  // the company margins' numerators in dollars: free 10 − 35.5, pro 100 − 11, all 110 − 46.5
  assertEquals(
    rows.map((r) => [r.plan, r.gross_profit_company_usd]),
    [["free", -25.5], ["pro", 89], ["all", 63.5]],
  );
  const headline = companyMargins(frame, { windowDays: 30 });
  assertEquals([all.margin_all_pct, all.margin_company_pct], [
    headline.specPct,
    headline.companyPct,
  ]);
});

Deno.test("a plan's company margin is unknown where PTB revenue was not read and it had PTB cost, as the headline", async () => {
  const { default: pl } = await import("nodejs-polars");
  const { companyMargins } = await import("../lib/economics/report.ts");
  // r: pro, $50, PTB cost $4, PTB revenue not read
  const r = exportFrameFromColumns({
    org_id: ["r"],
    plan: ["pro"],
    seats: [1],
    requests_30d: [1000],
    mrr: [50],
    mrr_recurring: [50],
    list_price_mrr: [79],
    ptb_revenue_30d: [null],
    llm_cost_30d: [4],
    llm_cost_ptb_30d: [4],
    company_cost_30d: [4],
    revenue_source: ["stripe"],
  });
  const frame = pl.concat([marginFrame(), r]);
  const rows = await planRows(frame);
  const pro = rows.find((row) => row.plan === "pro")!;
  assertEquals(pro.margin_company_pct, null);
  // and so is its gross profit (r's $4 PTB cost against no PTB revenue read), and all's
  assertEquals([pro.gross_profit_company_usd, rows.at(-1)!.gross_profit_company_usd], [null, null]);
  // spec basis needs no PTB revenue: (150 − 34) / 150
  ok(Math.abs(pro.margin_all_pct! - 11600 / 150) < 1e-9, `${pro.margin_all_pct}`);
  // free is untouched; all is unknown, as the headline
  ok(Math.abs(rows.find((row) => row.plan === "free")!.margin_company_pct! - -255) < 1e-9);
  assertEquals(rows.at(-1)!.margin_company_pct, null);
  assertEquals(companyMargins(frame, { windowDays: 30 }).companyPct, null);
});

Deno.test("PTB timing: a plan pulled down by PTB cost without PTB revenue in the window is warned of, by how many", async () => {
  const { frame, warnings } = await frameWithPtbTiming();
  const { NO_CUSTOMER_WHY } = await import("../lib/economics/ptb_timing.ts");
  const timing = warnings.filter((w) => w.startsWith("plan ") && w.includes("PTB cost"));
  const why =
    "PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB";
  assertEquals(timing, [
    // free: e (no customer, PTB cost $1, revenue $0), g ($30, $0) and h ($10, $25). Revenue 25;
    // cost e 1 + 0.25, g 30 + 1, h 10 + 1 = 43.25: (25 − 43.25) / 25 = −73.0 %. Timing is g alone
    // (e has no Stripe customer to have bought credits with): its customers' PTB cost 40 − revenue
    // 25 = 15, 60 points of the revenue. No MRR: no margin without PTB.
    `plan "free": company margin -73.0 % counts PTB cost of 1 organization with no PTB revenue in the window ($30.00 of the plan's $41.00 PTB cost, against $25.00 PTB revenue, 30-day basis): ${why}; with PTB left out on both sides there is no margin: the plan has no MRR`,
    // … and e's $1, 4 points of the revenue, on its own: without it (25 − 42.25) / 25 = −69.0 %
    `plan "free": company margin -73.0 % counts PTB cost of 1 organization without a Stripe customer ($1.00 of the plan's $41.00 PTB cost, 30-day basis): PTB ${NO_CUSTOMER_WHY}, not timing; without their PTB cost the margin is -69.0 %`,
    // a: revenue 79, cost 10 + 20 × 0.5 = 20: (79 − 20) / 79 = 74.7 %; without PTB (79 − 10) / 79
    // = 87.3 %. team (c: $300 cost, $250 revenue) and enterprise (d: $500, $600): every
    // organization bought credits in the window, no warning.
    `plan "pro 2025-12-10": company margin 74.7 % counts PTB cost of 1 organization with no PTB revenue in the window ($10.00 of the plan's $10.00 PTB cost, against $0.00 PTB revenue, 30-day basis): ${why}; with PTB left out on both sides the margin is 87.3 %`,
  ]);

  // under the per-plan table the brief names the plans, each cause apart, and points to the
  // warnings for their figures and to the cost model for why: each said once
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  });
  const paragraph = lines.find((line) => line.startsWith("PTB timing "))!;
  assertEquals(
    paragraph,
    "PTB timing (why PTB revenue and PTB cost can differ in a window: Cost model, below): it pulls down the company margin of **free** and **pro 2025-12-10** (the warnings give the figures). Not timing: the company margin of **free** counts PTB cost of organizations without a Stripe customer, which no PTB revenue can be on record for (the warnings give the figures and why).",
  );
  // the why is the cost model's, wherever it is printed (brief, workbook, notebook, MCP), and
  // the brief's only one
  const cash = "PTB revenue (`ptb_revenue_30d`) is cash in the window";
  ok(costModelInWords(costModelFromEnv({})).some((line) => line.startsWith(cash)));
  ok(lines.some((line) => line.startsWith(`- ${cash}`)));
  ok(
    !lines.some((line) => line.includes("PTB carries no markup") && !line.startsWith(`- ${cash}`)),
  );
  ok(!lines.some((line) => line.includes(NO_CUSTOMER_WHY)), "the warning's why, not repeated");
});

Deno.test("PTB timing: isPtbWarning knows the run's PTB warnings, as any version of the kit stored them, and no other text", async () => {
  const { isPtbWarning } = await import("../lib/economics/ptb_timing.ts");
  const { warnings, warningKinds } = await frameWithPtbTiming();
  const ptb = warnings.filter((w) => w.startsWith("plan ") && w.includes("PTB cost"));
  // today's: both timing warnings (a plan without MRR, one with) and the no-customer one, each
  // with its kind (what a manifest stores), the run's other warnings with none (other)
  assertEquals(ptb.length, 3, warnings.join("\n"));
  assertEquals(
    ptb.map((w) => [w.includes("most likely timing"), warningKinds.get(w)]),
    ptb.map((w) =>
      w.includes("most likely timing") ? [true, "ptb_timing"] : [false, "ptb_no_customer"]
    ),
  );
  assertEquals(ptb.filter((w) => warningKinds.get(w) === "ptb_timing").length, 2);
  assertEquals(warningKinds.size, 3);
  for (const w of ptb) ok(isPtbWarning(w), w);
  for (const w of warnings.filter((w) => !ptb.includes(w))) ok(!isPtbWarning(w), w);
  // as kits before dcefbab wrote the timing one (git log -p -S timing -- lib/economics/ptb_timing.ts)
  const why =
    "PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB";
  const head = (plan: string, pct: string, organizations: string) =>
    `plan ${plan}: company margin ${pct} counts PTB cost of ${organizations} with no PTB revenue in the window ($1,302.48 of the plan's $1,302.48 PTB cost, against $0.00 PTB revenue, 30-day basis): ${why}; `;
  // 2dc6567: toFixed(1), no thousands separator; "– (no MRR)"
  const first = head('"free"', "-1250.0 %", "1,042 organizations") +
    "with PTB left out on both sides the margin is – (no MRR)";
  ok(isPtbWarning(first), first);
  ok(
    isPtbWarning(
      head('"free"', "-104.2 %", "42 organizations") +
        "with PTB left out on both sides the margin is 33.1 %",
    ),
  );
  // 5513c9a: formatPct, "there is no margin: the plan has no MRR"; a quoted plan name
  ok(
    isPtbWarning(
      head('"a \\"b\\""', "-5,933.5 %", "1 organization") +
        "with PTB left out on both sides there is no margin: the plan has no MRR",
    ),
  );
  // not one: another ending, a word added, a plural that is not the kit's, an unquoted plan
  for (
    const w of [
      head('"free"', "-104.2 %", "42 organizations") +
      "with PTB left out on both sides the margin is unknown",
      `${first} (edited)`,
      `note: ${first}`,
      head('"free"', "-104.2 %", "1 organizations") +
      "with PTB left out on both sides the margin is 33.1 %",
      head("free", "-104.2 %", "42 organizations") +
      "with PTB left out on both sides the margin is 33.1 %",
      'plan "free": company margin -104.2 %',
    ]
  ) ok(!isPtbWarning(w), w);
});

Deno.test("PTB timing: worked out once per frame and window; the export frame reads the metrics stage's plans", async () => {
  const { ptbTimingPlans, sharePtbTimingPlans } = await import("../lib/economics/ptb_timing.ts");
  // the metrics stage's frame: its warnings worked the plans out (free and pro 2025-12-10)
  const { frame } = await frameWithPtbTiming();
  const plans = ptbTimingPlans(frame, 30);
  assertEquals(plans.map((p) => p.plan), ["free", "pro 2025-12-10"]);
  ok(ptbTimingPlans(frame, 30) === plans, "the same frame and window: not worked out again");
  ok(Object.isFrozen(plans) && plans.every((p) => Object.isFrozen(p)), "shared rows are frozen");
  // the export frame: the same rows, its columns in another order (lib/export.ts selects them)
  const columns = [...frame.columns].reverse();
  const exported = frame.select(...columns);
  sharePtbTimingPlans(frame, exported);
  ok(ptbTimingPlans(exported, 30) === plans, "the export frame reads the metrics stage's plans");
  // … which are what working them out on such a frame gives
  const fresh = ptbTimingPlans(frame.select(...columns), 30);
  ok(fresh !== plans);
  assertEquals(fresh, plans);
  // another window is its own (PTB cost × 30 / 7 on a 30-day basis): worked out for it
  const week = ptbTimingPlans(exported, 7);
  ok(week !== ptbTimingPlans(exported, 30));
  ok(ptbTimingPlans(exported, 7) === week);
  // nothing worked out for the source: nothing handed on (worked out when read)
  const other = frame.select(...columns);
  const unread = frame.select(...frame.columns);
  sharePtbTimingPlans(unread, other);
  assertEquals(ptbTimingPlans(other, 30), plans);
});

Deno.test("PTB timing: none without PTB cost lacking revenue, nor when PTB revenue was not read", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { ptbTimingPlans } = await import("../lib/economics/ptb_timing.ts");
  // every organization of economicsFrameWithF with PTB cost bought credits in the window, but e
  // (free, no customer: $1 PTB cost, revenue 0) whose plan has no revenue, so no margin to pull
  const frame = await economicsFrameWithF();
  assertEquals(ptbTimingPlans(frame, 30), []);
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
    windowDays: 30,
  });
  ok(lines.some((line) => line.endsWith("no plan's company margin is pulled down by it.")));
  // PTB revenue not read: empty ptb_revenue_30d, the company margins of the plans with PTB cost
  // are empty, nothing to warn of
  const notRead = await frameWithPtbTiming({ ptbRead: false });
  assertEquals(column(notRead.frame, "ptb_revenue_30d"), Array(7).fill(null));
  ok(
    !notRead.warnings.some((w) => w.startsWith("plan ") && w.includes("PTB cost")),
    notRead.warnings.join("\n"),
  );
});

Deno.test("PTB timing: PTB cost of organizations without a Stripe customer is not timing, and is warned of on its own", async () => {
  const { ptbTimingPlans, ptbTimingWarnings, NO_CUSTOMER_WHY } = await import(
    "../lib/economics/ptb_timing.ts"
  );
  // a free plan of two: x has no Stripe customer and PTB cost $30 (none of it can have been
  // bought: Helicone's checkout creates the customer first); y bought $25 of credits in the
  // window and spent $10. No infrastructure cost.
  const free = freePlanOfTwo({
    org_id: ["x", "y"],
    stripe_customer_id: [null, "cus_y"],
    requests_30d: [3_000, 1_000],
  });
  const rev = revenue({});
  rev.byCustomer.set("cus_y", { customerId: "cus_y", ptbRevenueUsd30d: 25 } as CustomerRevenue);
  const { frame, warnings } = addEconomicsColumns(free, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
  });
  // revenue 25 (y's credits), cost 30 + 10 = 40: (25 − 40) / 25 = −60 %. y's credits cover its
  // own usage: no timing. Without x's $30: (25 − 10) / 25 = 60 %.
  const [plan] = ptbTimingPlans(frame, 30);
  assertEquals(
    { ...plan, companyPct: Math.round(plan.companyPct * 1e9) / 1e9 },
    {
      plan: "free",
      organizations: 0,
      theirPtbCost: 0,
      withoutCustomer: 1,
      withoutCustomerPtbCost: 30,
      ptbCost: 40,
      ptbRevenue: 25,
      companyPct: -60,
      withoutPtbPct: null,
      withoutCustomerCostPct: 60,
      timing: false,
      noCustomer: true,
    },
  );
  assertEquals(ptbTimingWarnings(frame, 30), [{
    kind: "ptb_no_customer",
    text:
      `plan "free": company margin -60.0 % counts PTB cost of 1 organization without a Stripe customer ($30.00 of the plan's $40.00 PTB cost, 30-day basis): PTB ${NO_CUSTOMER_WHY}, not timing; without their PTB cost the margin is 60.0 %`,
  }]);
  ok(warnings.includes(ptbTimingWarnings(frame, 30)[0].text), warnings.join("\n"));
  ok(!warnings.some((w) => w.includes("most likely timing")), warnings.join("\n"));
});

Deno.test("PTB revenue not read: a plan with PTB cost has no company-basis loss count, and the brief says timing cannot be told", async () => {
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const frame = await economicsFixturePtbNotRead();
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  const company = Object.fromEntries(rows.map((r) => [r.plan, r.negative_margin_company]));
  // b (legacy pro) has no PTB cost: its $200 against its infrastructure cost is judged, no loss;
  // a, c, d and e had PTB cost with no PTB revenue read: their plans' counts are unknown (a 0
  // read as "none loses money" beside a margin of –), and so is all's
  assertEquals(company, {
    "enterprise (contract)": null,
    "team (bundle, legacy)": null,
    "pro 2025-12-10": null,
    "pro (seat, legacy)": 0,
    free: null,
    all: null,
  });
  // the spec basis is judged as before: c ($300 > $200) is the one loss
  assertEquals(
    rows.map((r) => r.negative_margin_all),
    rows.map((r) => r.plan === "team (bundle, legacy)" || r.plan === "all" ? 1 : 0),
  );
  const lines = economicsBriefLines(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: false,
    windowDays: 30,
  });
  ok(
    lines.some((line) =>
      line.endsWith(
        "PTB revenue was not read, so whether a plan's company margin is pulled down by it cannot be told: those with PTB cost have none (–).",
      )
    ),
  );
  ok(!lines.some((line) => line.includes("no plan's company margin is pulled down by it.")));
});

Deno.test("per plan: a contract plan has no list price when a free organization shares its customer (not the free plan's $0)", async () => {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  // g: free, on d's enterprise customer (cus_d): counted in the enterprise row with its $0 free
  // list price; the enterprise plan itself has none, so its list_price_mrr stays unknown
  const frame = await frameWithSharedCustomer({ tier: "free", tierRaw: "free", customer: "cus_d" });
  const rows = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  const listOf = (plan: string) => rows.find((r) => r.plan === plan)!.list_price_mrr;
  assertEquals(rows.find((r) => r.plan === "enterprise (contract)")!.organizations, 2);
  assertEquals(listOf("enterprise (contract)"), null);
  // free keeps its own $0 (e alone now), and all sums every list price: a 79 + b 210 + c 200 +
  // f 40 + e 0 + g 0 = 529 (before: the enterprise row's $0.00 came from g)
  assertEquals(listOf("free"), 0);
  assertEquals(listOf("pro (seat, legacy)"), 250); // b 210 + f 40
  assertEquals(listOf("all"), 529);
});

Deno.test("per plan: a shared customer counts in its paying organization's plan, not its newest's", async () => {
  const { attachRevenue } = await import("../lib/revenue/columns.ts");
  const { addMetricColumns } = await import("../lib/frame/metrics.ts");
  // Export order, newest first. cus_eur: the newer "Euro GmbH Labs" (pro, 3 seats, 1,000
  // requests, $10) and "Euro GmbH" (enterprise, 15 seats, 90,000 requests, $270), $3,000 a
  // month. cus_two: a newer free "staging" org (1 seat, 100 requests, $1) and "Two" on
  // pro-20251210 (5 seats, 5,000 requests, $20), $179. "Solo": pro alone, 2 seats, $40, $4.
  const base = exportFrameFromColumns({
    org_id: ["labs", "staging", "solo", "eu", "two"],
    org_name: ["Euro GmbH Labs", "staging", "Solo", "Euro GmbH", "Two"],
    tier: ["pro", "free", "pro", "enterprise", "pro"],
    tier_raw: ["pro", "free", "pro", "enterprise", "pro-20251210"],
    stripe_customer_id: ["cus_eur", "cus_two", "cus_solo", "cus_eur", "cus_two"],
    seats: [3, 1, 2, 15, 5],
    active_users_30d: [3, 1, 2, 15, 5],
    requests_30d: [1_000, 100, 400, 90_000, 5_000],
    llm_cost_30d: [10, 1, 4, 270, 20],
    llm_cost_ptb_30d: [0, 0, 0, 0, 0],
    llm_cost_byok_30d: [10, 1, 4, 270, 20],
    addon_prompts: [0, 0, 0, 0, 0],
  });
  const paid = (customerId: string, mrr: number) =>
    ({
      customerId,
      mrr,
      mrrRecurring: mrr,
      baseSubscription: mrr,
      usageCharges: 0,
      addonPrompts: 0,
      addonOther: 0,
      subscriptionStatus: "active",
      ptbRevenueUsd30d: 0,
    }) as CustomerRevenue;
  const rev = revenue({});
  rev.byCustomer = new Map(
    [paid("cus_eur", 3000), paid("cus_two", 179), paid("cus_solo", 40)].map((c) => [
      c.customerId,
      c,
    ]),
  );
  const withRevenue = attachRevenue(base, rev);
  const frame = addEconomicsColumns(addMetricColumns(withRevenue.frame, { windowDays: 30 }), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
    ptbRevenueAttached: true,
  }).frame;
  assertEquals(column(frame, "mrr"), [null, null, 40, 3000, 179]);
  const rows = await planRows(frame);
  const row = (plan: string) => rows.find((r) => r.plan === plan);
  // enterprise: Euro GmbH with its Labs, $3,000 over 18 seats, (3,000 − 280) / 3,000
  const enterprise = row("enterprise (contract)")!;
  assertEquals([enterprise.organizations, enterprise.seats, enterprise.mrr], [2, 18, 3000]);
  ok(Math.abs(enterprise.margin_all_pct! - 2720 / 3000 * 100) < 1e-9);
  ok(Math.abs(enterprise.mrr_per_seat! - 3000 / 18) < 1e-9);
  // legacy pro: Solo alone, $40 over 2 seats, (40 − 4) / 40
  const pro = row("pro (seat, legacy)")!;
  assertEquals([pro.organizations, pro.seats, pro.mrr, pro.mrr_per_seat], [1, 2, 40, 20]);
  ok(Math.abs(pro.margin_all_pct! - 90) < 1e-9);
  // pro 2025-12-10: Two with its staging org, $179 over 6 seats, (179 − 21) / 179
  const dated = row("pro 2025-12-10")!;
  assertEquals([dated.organizations, dated.paying_organizations, dated.seats, dated.arpa], [
    2,
    1,
    6,
    179,
  ]);
  ok(Math.abs(dated.margin_all_pct! - 158 / 179 * 100) < 1e-9);
  // free: nobody (the staging org counts with its customer's paying one)
  assertEquals(row("free")?.paying_organizations ?? 0, 0);
});

Deno.test("the unit-economics figures read as the brief's other numbers: percentages of 1,000 or more with a thousands separator", async () => {
  const { formatKpi } = await import("../lib/economics/report.ts");
  assertEquals(formatKpi(-6067.84, "percent"), "-6,067.8 %");
  assertEquals(formatKpi(96.62, "percent"), "96.6 %");
  assertEquals(formatKpi(null, "percent"), "–");
});
