/**
 * lib/economics/unbilled_usage.ts: metered request usage above a plan's included amount that
 * Stripe billed nothing for (unbilled_usage_usd), its warning and its note under the per-plan
 * table; every expected number is worked out by hand in the comments from the built-in price
 * book's 2025-12-10 request bands (first 10,000 free, then $0.70 / 1,000 to 30,000, $0.35 to
 * 90,000, $0.175 to 250,000, $0.0875 to 800,000, …).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import type { PriceBook } from "../lib/economics/types.ts";
import { requestChargeExpr, unbilledUsage } from "../lib/economics/unbilled_usage.ts";
import { requestChargeUsd } from "../lib/analysis/scenario/pricing.ts";
import type { PerRequestPricing } from "../lib/analysis/scenario/model.ts";
import { perPlanRunNotes, perPlanRunNotesText } from "../lib/economics/run_notes.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { columnDef } from "../lib/frame/columns.ts";
import { revenue } from "./economics_fixture.ts";
import { closeList, column } from "./economics_frames.ts";

/**
 * p1 pro-20251210, monthly, usage_charges 0, 50,000 requests: 20,000 × $0.70 / 1,000 = $14 +
 *    20,000 × $0.35 / 1,000 = $7 → $21
 * p2 pro-20251210, monthly, usage_charges 0, 8,000 requests: within the 10,000 included → 0
 * p3 team-20251210, monthly, usage_charges 0, 300,000 requests: $14 + 60,000 × $0.35 = $21 +
 *    160,000 × $0.175 = $28 + 50,000 × $0.0875 = $4.375 → $67.375
 * p4 pro-20251210, monthly, usage_charges $12.50, 40,000 requests: Stripe billed usage → 0
 * p5 pro-20251210, no counted subscription (trialing), 50,000 requests → not judged
 * p6 legacy pro, monthly, usage_charges 0, 500,000 requests: no metered list prices → not judged
 * p7 pro-20251210, monthly, revenue not known (usage_charges empty) → not judged
 * p8 free, 100,000 requests → not judged
 * p9 pro-20251210, a shared_customer row (usage on its sibling's row) → not judged
 */
function meteredFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"],
    org_name: ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"],
    tier: ["pro", "pro", "team", "pro", "pro", "pro", "pro", "free", "pro"],
    tier_raw: [
      "pro-20251210",
      "pro-20251210",
      "team-20251210",
      "pro-20251210",
      "pro-20251210",
      "pro",
      "pro-20251210",
      "free",
      "pro-20251210",
    ],
    stripe_customer_id: [
      "cus_a",
      "cus_b",
      "cus_c",
      "cus_d",
      "cus_e",
      "cus_f",
      "cus_g",
      null,
      "cus_a",
    ],
    seats: [2, 2, 8, 2, 2, 3, 2, 1, 1],
    requests_30d: [50_000, 8_000, 300_000, 40_000, 50_000, 500_000, 50_000, 100_000, 60_000],
    llm_cost_30d: [1, 1, 1, 1, 1, 1, 1, 1, 1],
    llm_cost_ptb_30d: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    llm_cost_byok_30d: [1, 1, 1, 1, 1, 1, 1, 1, 1],
    mrr: [79, 79, 799, 91.5, 0, 60, null, 0, null],
    mrr_recurring: [79, 79, 799, 79, 0, 60, null, 0, null],
    usage_charges: [0, 0, 0, 12.5, 0, 0, null, 0, null],
    billing_interval: ["month", "month", "month", "month", null, "month", null, null, null],
    revenue_source: [
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "none",
      "no_customer",
      "shared_customer",
    ],
  });
}

async function withColumns(frame: pl.DataFrame, windowDays = 30, book?: PriceBook) {
  return addEconomicsColumns(frame, {
    costModel: costModelFromEnv({}),
    priceBook: book ?? await loadPriceBook(),
    revenue: revenue({}),
    windowDays,
  });
}

Deno.test("unbilled_usage_usd prices requests above the included amount where Stripe billed no usage", async () => {
  const { frame, warnings } = await withColumns(meteredFrame());
  closeList(
    column(frame, "unbilled_usage_usd"),
    [21, 0, 67.375, 0, null, null, null, null, null],
    "unbilled_usage_usd",
  );
  // 2 organizations, $21 + $67.375 = $88.375 → $88.38
  const warning = warnings.find((w) => w.startsWith("metered usage not billed"));
  assertEquals(
    warning,
    'metered usage not billed: 2 organizations on "pro 2025-12-10", "team 2025-12-10" above the requests their plan includes: $88.38 a month at list price (unbilled_usage_usd)',
  );
});

Deno.test("a plan without metered request prices is not judged, whether or not Stripe billed usage", async () => {
  // p6 (legacy pro, 500,000 requests) with Stripe's request-volume overage billed, $12.50; a
  // free organization billed $5 of usage; an enterprise contract billed $40: none of their plans
  // lists metered request prices, so none can be judged (empty), as p6 unbilled is
  const base = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p6")));
  const row = (id: string, tier: string, usage: number) =>
    base.withColumns(
      pl.lit(id).alias("org_id"),
      pl.lit(tier).alias("tier"),
      pl.lit(tier).alias("tier_raw"),
      pl.lit(usage).alias("usage_charges"),
      pl.col("mrr_recurring").add(usage).alias("mrr"),
    );
  const frame = pl.concat([row("l", "pro", 12.5), row("f", "free", 5), row("e", "enterprise", 40)]);
  const { frame: priced } = await withColumns(frame);
  assertEquals(column(priced, "plan"), ["pro (seat, legacy)", "free", "enterprise (contract)"]);
  closeList(column(priced, "unbilled_usage_usd"), [null, null, null], "not judged");
  // a book without a free plan: the free organization has no plan (empty), still not judged
  const book = await loadPriceBook();
  const noFree: PriceBook = {
    ...book,
    scenario: { ...book.scenario, plans: book.scenario.plans.filter((p) => p.name !== "free") },
  };
  const { frame: planless } = await withColumns(frame, 30, noFree);
  assertEquals(column(planless, "plan"), ["pro (seat, legacy)", null, "enterprise (contract)"]);
  closeList(column(planless, "unbilled_usage_usd"), [null, null, null], "no plan");
});

Deno.test("unbilled_usage_usd reads another window's requests on a 30-day basis", async () => {
  // 7,000 requests in 7 days = 30,000 a month: 20,000 × $0.70 / 1,000 = $14 (at 7,000 as they
  // are, within the 10,000 included: 0)
  const frame = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p1")))
    .withColumns(pl.lit(7_000).cast(pl.Int64).alias("requests_30d"));
  closeList(column((await withColumns(frame, 7)).frame, "unbilled_usage_usd"), [14], "7 days");
});

Deno.test("no warning and no note when nothing is unbilled", async () => {
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p2", "p4", "p6"]));
  const { frame: priced, warnings } = await withColumns(frame);
  assertEquals(warnings.filter((w) => w.includes("not billed")), []);
  assertEquals(perPlanRunNotes(priced, {}), []);
});

Deno.test("the note under the per-plan table counts them, with plan names escaped", async () => {
  const book = await loadPriceBook();
  // the 2025-12-10 pro plan renamed with Markdown and HTML in its name (price-book text is data)
  const renamed: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map((plan) =>
        plan.name === "pro 2025-12-10" ? { ...plan, name: "pro *new* <b>" } : plan
      ),
    },
  };
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p1", "p2"]));
  const { frame: priced, warnings } = await withColumns(frame, 30, renamed);
  const markdown = perPlanRunNotes(priced, {});
  assertEquals(markdown, [
    "Unbilled metered usage: 1 organization on **pro \\*new\\* &lt;b>** sent more requests than its plan includes and was billed no metered usage: $21.00 a month at list price (`unbilled_usage_usd`). Check its subscription (`usage_charges` is the last closed period's).",
    "",
  ]);
  const text = perPlanRunNotesText(priced, {});
  assertEquals(text.length, 1);
  ok(text[0].startsWith('Unbilled metered usage: 1 organization on "pro *new* <b>" sent'), text[0]);
  ok(
    text[0].includes(
      "no metered usage: $21.00 a month at list price (unbilled_usage_usd). Check its",
    ),
  );
  // the warning quotes the name as JSON, as the other price-book warnings do
  ok(
    warnings.some((w) =>
      w.startsWith('metered usage not billed: 1 organization on "pro *new* <b>"')
    ),
  );
});

Deno.test("requestChargeExpr is the scenario's requestChargeUsd over a column, both modes", () => {
  const tiers = [
    { upTo: 30_000, usdPer1k: 0.7 },
    { upTo: 90_000, usdPer1k: 0.35 },
    { upTo: null, usdPer1k: 0.02 },
  ];
  const requests = [0, 9_999, 10_000, 10_001, 30_000, 30_001, 90_000, 1_000_000];
  for (const mode of ["graduated", "volume"] as const) {
    const pricing: PerRequestPricing = { includedRequests: 10_000, mode, tiers };
    const priced = pl.DataFrame({ r: requests }).select(
      requestChargeExpr(pl.col("r").cast(pl.Float64), pricing).alias("usd"),
    );
    closeList(
      column(priced, "usd"),
      requests.map((r) => requestChargeUsd(r, pricing)),
      mode,
    );
  }
  // by hand, volume: 90,000 falls in the $0.35 band: 80,000 × $0.35 / 1,000 = $28
  const volume = pl.DataFrame({ r: [90_000] }).select(
    requestChargeExpr(pl.col("r").cast(pl.Float64), {
      includedRequests: 10_000,
      mode: "volume",
      tiers,
    }).alias("usd"),
  );
  closeList(column(volume, "usd"), [28], "volume by hand");
});

Deno.test("unbilled_usage_usd is in the column table: USD per month, on a 30-day basis", () => {
  const def = columnDef("unbilled_usage_usd");
  assertEquals([def.type, def.unit, def.source, def.window], [
    "number",
    "USD per month",
    "Derived",
    "30-day basis",
  ]);
});

Deno.test("not judged: usage charges not known (a currency without a rate), a plan that keeps its current MRR; one organization's warning in the singular", async () => {
  const p1 = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p1")));
  // p1 alone: 50,000 requests, $21 (the first test), said of one organization
  const { frame: alone, warnings } = await withColumns(p1);
  closeList(column(alone, "unbilled_usage_usd"), [21], "p1");
  assertEquals(
    warnings.find((w) => w.startsWith("metered usage not billed")),
    'metered usage not billed: 1 organization on "pro 2025-12-10" above the requests its plan includes: $21.00 a month at list price (unbilled_usage_usd)',
  );
  // billed in a currency the run has no rate for: a counted subscription whose usage_charges (and
  // MRR) are not known, so whether Stripe billed usage is not known either
  const unconverted = p1.withColumns(
    pl.lit(null).cast(pl.Float64).alias("usage_charges"),
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
  );
  const { frame: unknown, warnings: none } = await withColumns(unconverted);
  closeList(column(unknown, "unbilled_usage_usd"), [null], "usage_charges not known");
  assertEquals(none.filter((w) => w.includes("not billed")), []);
  // the plan keeps its current MRR (its metered bands listed, but no list price to bill at)
  const book = await loadPriceBook();
  const kept: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map((plan) =>
        plan.name === "pro 2025-12-10" ? { ...plan, keepCurrentMrr: true } : plan
      ),
    },
  };
  closeList(
    column((await withColumns(p1, 30, kept)).frame, "unbilled_usage_usd"),
    [null],
    "keepCurrentMrr",
  );
});

Deno.test("the unbilled plans are in name order on every call, whichever order Polars' unique() gives them", async () => {
  // (unique() returns pro and team either way round from one call to the next: a warning, and
  // the brief that prints it, would differ between two runs on the same data)
  const { frame } = await withColumns(meteredFrame());
  for (let call = 0; call < 20; call++) {
    assertEquals(unbilledUsage(frame)?.plans, ["pro 2025-12-10", "team 2025-12-10"]);
  }
});
