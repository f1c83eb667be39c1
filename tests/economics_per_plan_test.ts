/**
 * lib/economics/ per-plan unit economics: every cell of the per-plan table by hand, MRR per seat,
 * unknown MRR, counts over MRR, mrr_to_list_pct and unknown tiers.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { compareText } from "../lib/core/text_order.ts";
import {
  economicsFixture,
  economicsFrameWithF,
  frameWithSharedCustomer,
  revenue,
} from "./economics_fixture.ts";
import { closeList, column, planRows } from "./economics_frames.ts";

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
  // by name without an order: the same rows, `all` last (in the kit's one order of text, not
  // the machine's locale's: under LC_ALL=th_TH.UTF-8, "pro 2025-12-10" sorted first)
  const byName = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
  assertEquals(
    byName.map((r) => r.plan),
    [...first.slice(0, -1).map((r) => r.plan).sort(compareText), "all"],
  );
  for (const row of byName) assertEquals(row, first.find((r) => r.plan === row.plan));
  // a frame derived from it (one organization fewer) has its own sums
  const fewer = perPlanRows(
    perPlanTable(frame.tail(frame.height - 1), { windowDays: 30, planOrder: order }),
  );
  assertEquals(fewer.at(-1)!.organizations, first.at(-1)!.organizations! - 1);
});

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
  const { economicsBriefLines } = await import("../lib/economics/report.ts");
  const { headlineKpis } = await import("../lib/economics/headline_margins.ts");
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
    headlineKpis(f, {
      windowDays: 30,
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    }).find((k) => k.label === "Paying organizations")!;
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
  // a alone with known MRR ($79, paying): one organization, said so
  const oneKnown = frame.withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("a"))).then(pl.col("mrr")).otherwise(pl.lit(null))
      .cast(pl.Float64).alias("mrr"),
  );
  assertEquals([paying(oneKnown).value, paying(oneKnown).basis], [
    1,
    "MRR > 0, of the 1 organization with MRR on its own row (5 with unknown MRR: empty mrr, not counted)",
  ]);
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

Deno.test("per-plan margin_all_pct is unknown where a counted organization's LLM cost is (not a margin over the partial cost sum)", async () => {
  const { default: pl } = await import("nodejs-polars");
  const frame = await economicsFrameWithF();
  // b's LLM cost unknown (NaN or infinite from a query: read as empty); its company cost stays
  // known, so only the spec basis is affected
  const rows = await planRows(
    frame.withColumns(
      pl.when(pl.col("org_id").eq(pl.lit("b"))).then(pl.lit(null)).otherwise(pl.col("llm_cost_30d"))
        .cast(pl.Float64).alias("llm_cost_30d"),
    ),
  );
  const row = (plan: string) => rows.find((r) => r.plan === plan)!;
  // legacy pro is b + f: MRR 200 + 40 against LLM cost unknown + 40. Over f's $40 alone it would
  // read (240 − 40) / 240 = 83.3 % (the full sum 12 + 40 gave 18,800 / 240 = 78.3 %)
  const legacy = row("pro (seat, legacy)");
  assertEquals([legacy.mrr, legacy.margin_all_pct], [240, null]);
  // the company basis does not read llm_cost_30d: revenue 200 + (40 + 25) = 265 against company
  // cost (0 + 1) + (20 + 4) = 25, as before
  ok(Math.abs(legacy.margin_company_pct! - 24000 / 265) < 1e-9, `${legacy.margin_company_pct}`);
  // all counts b too: unknown (over the others it would be (3,519 − 2,371) / 3,519 = 32.6 %)
  assertEquals(row("all").margin_all_pct, null);
  // a plan without b keeps its margin: pro 2025-12-10 is a, (79 − 30) / 79
  ok(Math.abs(row("pro 2025-12-10").margin_all_pct! - 4900 / 79) < 1e-9);
});
