/**
 * lib/economics/ price book: plan and list_price_mrr priced from scenarios (current pricing and
 * per-request), the book in words, raw tier matching and the export's price-book warnings; every
 * expected number is worked out by hand in the comments.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import type pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { economicsFixture, revenue } from "./economics_fixture.ts";
import { closeList, column } from "./economics_frames.ts";

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

const PER_REQUEST_BOOK = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));

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
    PRICING_PRICE_BOOK: fileURLToPath(
      new URL("../scenarios/two_percent_of_llm_cost.json", import.meta.url),
    ),
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

Deno.test("the built-in price book in words: per-request prices in fractions of a cent, legacy metered usage without list prices", async () => {
  const { priceBookInWords } = await import("../lib/economics/price_book.ts");
  const words = Object.fromEntries(priceBookInWords(await loadPriceBook()));
  // $0.70 per 1,000 is $0.0007 a request (not "$0"), ... $0.02 per 1,000 is $0.00002
  assertEquals(
    words["pro 2025-12-10"],
    "for tier_raw pro-20251210: $79 a month flat; add-ons included; metered, billed by Stripe as usage (not in list_price_mrr): requests: first 10,000 free, then $0.0007 to 30,000, $0.00035 to 90,000, $0.000175 to 250,000, $0.0000875 to 800,000, $0.00004375 to 2,500,000, $0.00002 beyond per request (graduated); storage: $3.25/GB to 30 GB, $2/GB to 80 GB, $1.25/GB to 200 GB, $0.75/GB to 450 GB, $0.5/GB beyond",
  );
  // an empty meteredPrices: Stripe bills usage at prices the book does not list
  assertEquals(
    words["team (bundle, legacy)"],
    "for tier team: $200 a month flat; add-ons prompts $50, experiments $50, evals $100; metered usage billed by Stripe (list prices not known)",
  );
});

Deno.test("a plan matching tiers and raw tiers both is said to need both; a price under $1 keeps its digits", async () => {
  const { parseScenario } = await import("../lib/analysis/scenario/mod.ts");
  const { priceBookInWords } = await import("../lib/economics/price_book.ts");
  const scenario = parseScenario({
    name: "both",
    plans: [{
      name: "narrow",
      match: { tiers: ["pro"], tiersRaw: ["pro-2026"] },
      perSeatUsd: 0.125,
      addonsIncluded: true,
    }],
  }, "both.json");
  assertEquals(priceBookInWords({ file: "both.json", scenario, sha256: "built in this test" }), [[
    "narrow",
    "for tier pro and tier_raw pro-2026: $0.125 per seat a month; add-ons included",
  ]]);
});

Deno.test("a price book naming a plan (all), the history's label of every customer, is refused in one line", async () => {
  // the per-plan table and the export would read "(all)", the history "(all) plan": refused
  // instead, so one plan never reads two ways
  const builtIn = JSON.parse(
    await Deno.readTextFile(new URL("../scenarios/current_seat_based.json", import.meta.url)),
  );
  builtIn.plans[0].name = "(all)";
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/book.json`;
    await Deno.writeTextFile(file, JSON.stringify(builtIn));
    await rejects(loadPriceBook({ PRICING_PRICE_BOOK: file }), {
      message:
        `PRICING_PRICE_BOOK: ${file}: plans[0].name "(all)" is reserved (the history's rows of every customer); give the plan another name (or unset it for the built-in price book)`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
