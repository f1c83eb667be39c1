/**
 * The admin report of a segment (lib/server/summary.ts): revenue not fetched said only when it was
 * not, shared-customer organizations with known MRR, plan rows and margins counting each Stripe
 * customer whole, and warnings that are the whole export's. Numbers by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { pricingSummary, summaryChartTable } from "../lib/server/summary.ts";
import { reportHtml } from "../lib/server/summary_html.ts";
import { segmentCustomers } from "../lib/report/segment_customers.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { segmentFrame } from "../lib/report/segments.ts";
import { card, data, frame } from "./server_summary_fixture.ts";

Deno.test("a segment that judges MRR, revenue not fetched: '—' and 'cannot be judged', not $0 and 'no organizations'", async () => {
  // Revenue not fetched (revenue_source none, mrr empty). a and b are BYOK: byok_paying (is_byok
  // and mrr > 0) cannot say whether they pay, so it is empty and cannot be judged for 2.
  const all = exportFrameFromColumns({
    org_id: ["a", "b", "c"],
    is_byok: [true, true, false],
    llm_cost_30d: [5, 0, 2],
    revenue_source: ["none", "none", "none"],
  });
  const withData = {
    ...data(30),
    economics: { priceBook: await loadPriceBook() },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const byok = segmentFrame(all, { name: "byok_paying" });
  const summary = pricingSummary(withData, {
    frame: byok.frame,
    segment: "byok_paying",
    notJudged: byok.notJudged,
  });
  const cannot = "cannot be judged: revenue not fetched (2 organizations with unknown MRR)";
  assertEquals(
    [summary.organizations, summary.totalMrrUsd, summary.notJudged],
    [0, null, { organizations: 2, text: cannot }],
  );
  assertEquals([summary.grossMarginPct, summary.companyMarginReason], [null, cannot]);
  // the JSON's underpriced reading too: no "$0 MRR" over a segment nobody could be judged in
  assertEquals(summary.underpriced.reading, `No organization to list: the segment ${cannot}.`);
  const html = reportHtml(summary, []);
  // said once, on the Organizations card, not under all five
  assertEquals(card(html, "organizations"), { value: "0", text: "0", note: cannot });
  assertEquals(card(html, "total_mrr"), { value: "", text: "–", note: null });
  assertEquals(card(html, "total_llm_cost").note, null);
  for (const name of ["gross_margin_company", "gross_margin"]) {
    assertEquals(card(html, name), { value: "", text: "–", note: null }, name);
  }
  assertEquals(html.split(`<div class="note">${cannot}</div>`).length, 2, html);
  ok(!html.includes("no organizations"), html);
  ok(html.includes(`<p class="note" data-charts="none">No charts: ${cannot}.</p>`), html);
  ok(
    html.includes(`<p class="reading">No organization to list: the segment ${cannot}.</p>`),
    html,
  );

  // A rule that reads no revenue, empty: nobody is in it, $0 as before.
  const free = segmentFrame(all, { name: "free_high_usage" });
  assertEquals(free.notJudged, null);
  const nobody = pricingSummary(withData, {
    frame: free.frame,
    segment: "free_high_usage",
    notJudged: free.notJudged,
  });
  assertEquals([nobody.totalMrrUsd, nobody.notJudged], [0, null]);
  assertEquals(
    card(reportHtml(nobody, []), "organizations").note,
    "no organizations in this segment",
  );
});

// A Stripe customer shared across a segment's edge (lib/revenue/shared_customers.ts): cus_s pays
// $200 on t's row (team), h is its free organization (revenue_source shared_customer, mrr empty).
//   t  team 2025-12-10, cus_s, mrr 200, 1,000 requests, LLM $10 (BYOK), company cost $0, BYOK
//   h  free, cus_s (shared), 60,000 requests, LLM $600 (PTB), company cost $600, gateway only
//   o  pro 2025-12-10, cus_o, mrr 40, 2,000 requests, LLM $4 (BYOK), company cost $0, BYOK
//   n  free, no customer, mrr 0, 500 requests, LLM $1 (PTB), company cost $1, gateway only
// PTB revenue read: $0 for each customer.
const sharedFrame = exportFrameFromColumns({
  org_id: ["t", "h", "o", "n"],
  org_name: ["T", "H", "O", "N"],
  tier: ["team", "free", "pro", "free"],
  plan: ["team 2025-12-10", "free", "pro 2025-12-10", "free"],
  stripe_customer_id: ["cus_s", "cus_s", "cus_o", null],
  revenue_source: ["stripe", "shared_customer", "stripe", "no_customer"],
  seats: [5, 1, 2, 1],
  requests_30d: [1_000, 60_000, 2_000, 500],
  llm_cost_30d: [10, 600, 4, 1],
  llm_cost_ptb_30d: [0, 600, 0, 1],
  llm_cost_byok_30d: [10, 0, 4, 0],
  company_cost_30d: [0, 600, 0, 1],
  ptb_revenue_30d: [0, null, 0, 0],
  mrr: [200, null, 40, 0],
  mrr_recurring: [200, null, 40, 0],
  list_price_mrr: [200, 0, 40, 0],
  gross_margin_pct: [95, null, 90, null],
  gross_margin_company_pct: [100, null, 100, null],
  is_byok: [true, false, true, false],
  has_gateway_only: [false, true, false, true],
});

const priceBook = await loadPriceBook();

function sharedSummary(segment: string) {
  const withData = {
    ...data(30),
    frame: sharedFrame,
    economics: { priceBook },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const cut = segmentFrame(sharedFrame, { name: segment });
  const summary = pricingSummary(withData, {
    frame: cut.frame,
    segment,
    notJudged: cut.notJudged,
  });
  return { summary, html: reportHtml(summary, []) };
}

Deno.test("a segment's shared-customer organizations have known MRR: not 'revenue not fetched'", () => {
  // free_high_usage is h alone: its customer's $200 is on t's row, outside the segment; h's own
  // empty mrr is known (0 for h), not unknown
  const { summary, html } = sharedSummary("free_high_usage");
  assertEquals([summary.organizations, summary.mrrKnownOrganizations], [1, 1]);
  assertEquals(summary.totalMrrUsd, 0);
  assertEquals(card(html, "total_mrr").text, "$0");
  ok(!html.includes("revenue not fetched"), html);
  // gateway_only is h and n: MRR known for both, no "MRR known for 1 of 2"
  const gateway = sharedSummary("gateway_only");
  assertEquals(gateway.summary.mrrKnownOrganizations, 2);
  ok(!gateway.html.includes("MRR known for"), gateway.html);
});

Deno.test("revenue not fetched is said only when it was not (revenue_source none everywhere)", () => {
  const withData = (frame: pl.DataFrame) =>
    ({ ...data(30), frame, economics: { priceBook } }) as unknown as Parameters<
      typeof pricingSummary
    >[0];
  // Stripe read, but no amount could be put in USD (revenue_source unconverted): MRR unknown
  const unconverted = sharedFrame.filter(pl.col("org_id").eq(pl.lit("o"))).withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit("unconverted").alias("revenue_source"),
  );
  const summary = pricingSummary(withData(unconverted), { frame: unconverted, segment: null });
  assertEquals(summary.companyMarginReason, "not known: no organization's MRR is known");
  assertEquals(
    card(reportHtml(summary, []), "total_mrr").note,
    "no organization&#39;s MRR is known", // (escaped in the page)
  );
  // not fetched: the words say so
  const none = unconverted.withColumns(pl.lit("none").alias("revenue_source"));
  const unfetched = pricingSummary(withData(none), { frame: none, segment: null });
  assertEquals(unfetched.companyMarginReason, "not known: revenue not fetched");
  assertEquals(card(reportHtml(unfetched, []), "total_mrr").note, "revenue not fetched");
});
// margins to 0.01 % (sums of floats)
const round = (value: number | null) => value === null ? null : Math.round(value * 100) / 100;
const plansOf = (summary: ReturnType<typeof sharedSummary>["summary"]) =>
  summary.plans.map((p) => [
    p.plan,
    p.organizations,
    p.mrr,
    round(p.margin_all_pct),
    round(p.margin_company_pct),
  ]);

Deno.test("a segment's plan rows and margins count each Stripe customer with all of its organizations", () => {
  // byok_paying is t and o; t's customer pays for h too (outside the segment), so its $200 is set
  // against t's and h's cost, under t's plan, as the full export's table has it:
  //   team 2025-12-10: 2 organizations, (200 − 610) / 200 = −205 %, (200 − 600) / 200 = −200 %
  //   pro 2025-12-10: 1, (40 − 4) / 40 = 90 %, 100 %
  // headline: (240 − 614) / 240 = −155.83 %, company (240 − 600) / 240 = −150 %
  const { summary, html } = sharedSummary("byok_paying");
  assertEquals(summary.organizations, 2);
  assertEquals(plansOf(summary), [
    ["pro 2025-12-10", 1, 40, 90, 100],
    ["team 2025-12-10", 2, 200, -205, -200],
    ["all", 3, 240, -155.83, -150],
  ]);
  assertEquals(summary.companyMarginPct, -150);
  assertEquals(summary.customersOutside, { organizations: 1, mrrUsd: 0 });
  // the plan charts read the same table: margin by plan's n for team is t and h
  const customers = segmentCustomers(
    sharedFrame,
    segmentFrame(sharedFrame, { name: "byok_paying" }).frame,
  );
  const table = summaryChartTable(summary, customers);
  assertEquals(table.plans, summary.plans);
  assertEquals(table.marginCounts?.["team 2025-12-10"].gross_margin_pct, 2);
  ok(
    html.includes(
      "This segment shares Stripe customers with 1 organization outside it: the margins, the plan table, the charts and the underpriced list count each customer with all of its organizations, since its revenue pays for all of them.",
    ),
    html,
  );
  // free_high_usage is h alone: counted with its customer, (200 − 610) / 200 = −205 %, company
  // (200 − 600) / 200 = −200 %; its MRR card says where the customer's $200 is
  const free = sharedSummary("free_high_usage");
  assertEquals(
    [round(free.summary.grossMarginPct), round(free.summary.companyMarginPct)],
    [-205, -200],
  );
  assertEquals(free.summary.companyMarginReason, null);
  assertEquals(
    card(free.html, "total_mrr").note,
    "$200 of their Stripe customers&#39; MRR is on 1 organization outside this segment",
  );
  // judged with its customer (61,000 requests, $610 against $200 > $100): not underpriced, and
  // no heavy user of unknown MRR
  assertEquals(free.summary.underpriced.organizations, 0);
  ok(!free.summary.underpriced.reading.includes("unknown MRR"), free.summary.underpriced.reading);
  // gateway_only (h and n): h counts in its customer's plan (t's, team), not its own (free)
  const gateway = sharedSummary("gateway_only");
  assertEquals(plansOf(gateway.summary), [
    ["team 2025-12-10", 2, 200, -205, -200],
    ["free", 1, 0, null, null],
    ["all", 3, 200, -205.5, -200.5],
  ]);
});

Deno.test("a segment's page says the warnings are the whole export's, not the segment's", () => {
  // the run is all 5 organizations; the segment shown is V alone, on no plan the warning names
  const warned = {
    ...data(30),
    frame,
    warnings: ['plan "free <i>": company margin -104.0 % counts PTB cost of 42 organizations'],
  } as unknown as Parameters<typeof pricingSummary>[0];
  const v = frame.filter(pl.col("org_id").eq(pl.lit("v")));
  const summary = pricingSummary(warned, { frame: v, segment: "byok_paying" });
  assertEquals([summary.organizations, summary.exportOrganizations], [1, 5]);
  const html = reportHtml(summary, []);
  ok(
    html.includes(
      '<p class="note" data-warnings-scope="export">The export&#39;s warnings, about all of its 5 organizations, not only this segment&#39;s:</p><ul class="warnings"><li>plan &quot;free &lt;i&gt;&quot;: company margin',
    ),
    html,
  );
  // every organization shown: the warnings are about what is on screen, no such line
  const all = reportHtml(pricingSummary(warned, { frame, segment: null }), []);
  ok(all.includes('<ul class="warnings"><li>plan'), all);
  ok(!all.includes("data-warnings-scope"), all);
});

// e carries cus_e's revenue but its amounts could not be put in USD (unconverted); s shares cus_e
// (shared_customer): its MRR is its customer's, unknown too. f pays $100: MRR known for 1 of 3.
Deno.test("an organization sharing a customer whose revenue row's MRR is unknown has unknown MRR, not known", () => {
  const unknownCarrier = exportFrameFromColumns({
    org_id: ["e", "s", "f"],
    org_name: ["E", "S", "F"],
    tier: ["team", "pro", "pro"],
    plan: ["team 2025-12-10", "pro 2025-12-10", "pro 2025-12-10"],
    stripe_customer_id: ["cus_e", "cus_e", "cus_f"],
    revenue_source: ["unconverted", "shared_customer", "stripe"],
    seats: [1, 1, 1],
    requests_30d: [100, 100, 100],
    llm_cost_30d: [1, 1, 1],
    llm_cost_ptb_30d: [0, 0, 0],
    llm_cost_byok_30d: [1, 1, 1],
    company_cost_30d: [0, 0, 0],
    ptb_revenue_30d: [null, null, 0],
    mrr: [null, null, 100],
    mrr_recurring: [null, null, 100],
    list_price_mrr: [799, 79, 79],
    gross_margin_pct: [null, null, 99],
    gross_margin_company_pct: [null, null, 100],
    is_byok: [true, true, true],
    has_gateway_only: [false, false, false],
  });
  const withData = {
    ...data(30),
    frame: unknownCarrier,
    economics: { priceBook },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const summary = pricingSummary(withData, { frame: unknownCarrier, segment: null });
  assertEquals([summary.mrrKnownOrganizations, summary.totalMrrUsd], [1, 100]);
  ok(reportHtml(summary, []).includes("MRR known for 1 of 3"));
});
