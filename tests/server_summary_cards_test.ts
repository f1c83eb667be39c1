/**
 * The admin report's cards and banner (lib/server/summary.ts, summary_html.ts): a 7-day window's
 * margin cards, an empty segment, the company margin's reason, every LLM cost unknown, unmapped
 * customers without a rate, and the banner of a run whose Stripe could not be read as its warning
 * of that kind. Numbers by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { pricingSummary } from "../lib/server/summary.ts";
import { reportHtml } from "../lib/server/summary_html.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { headlineKpis } from "../lib/economics/headline_margins.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { economicsFixture } from "./economics_fixture.ts";
import { card, data, frame } from "./server_summary_fixture.ts";

Deno.test("a 7-day window's margin cards say their cost is on a 30-day basis", () => {
  // MRR known for P, Q, R, V: $580; their 7 days' LLM cost $273 × 30/7 = $1,170 a month:
  // (580 − 1,170) / 580 = −101.7 %. Beside "LLM cost (7 d) $274" the card says so.
  const week = pricingSummary(data(7), { frame, segment: null });
  const html = reportHtml({ ...week, companyMarginPct: 40, companyMarginReason: null }, []);
  const basis = "7-day cost × 30/7 (30-day basis) vs monthly revenue";
  assertEquals(card(html, "gross_margin").text, "-101.7 %");
  // a whole margin keeps its decimal, as the brief and the workbook write it
  assertEquals(card(html, "gross_margin_company").text, "40.0 %");
  assertEquals(card(html, "gross_margin").note, `MRR known for 4 of 5 · ${basis}`);
  assertEquals(
    card(html, "gross_margin_company").note,
    `PTB LLM cost + infrastructure vs MRR + PTB revenue · ${basis}`,
  );
  assertEquals(card(html, "total_llm_cost").text, "$274");
  // a 30-day window needs no such words
  const month = reportHtml(
    { ...pricingSummary(data(30), { frame, segment: null }), companyMarginPct: 40 },
    [],
  );
  assertEquals(card(month, "gross_margin").note, "MRR known for 4 of 5");
});

Deno.test("an empty segment: $0 and –, the reason said once (on the Organizations card), and no charts", async () => {
  // every export column, no organization: a segment nobody is in
  const none = exportFrameFromColumns({}).head(0);
  const withData = {
    ...data(30),
    economics: { priceBook: await loadPriceBook() },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const summary = pricingSummary(withData, { frame: none, segment: "underpriced" });
  // Σ over nobody is $0, not "revenue not fetched"
  assertEquals(
    [summary.organizations, summary.totalMrrUsd, summary.totalLlmCostUsd],
    [0, 0, 0],
  );
  assertEquals([summary.grossMarginPct, summary.companyMarginPct], [null, null]);
  assertEquals(summary.companyMarginReason, "no organizations in this segment");
  const html = reportHtml(summary, []);
  // said once, on the Organizations card: the $0 and – beside it follow from it
  assertEquals(card(html, "organizations").note, "no organizations in this segment");
  assertEquals(card(html, "total_mrr"), { value: "0", text: "$0", note: null });
  assertEquals(card(html, "total_llm_cost").note, null);
  for (const name of ["gross_margin_company", "gross_margin"]) {
    assertEquals(card(html, name), { value: "", text: "–", note: null }, name);
  }
  assertEquals(html.match(/no organizations in this segment/g)?.length, 2, "the card and charts");
  ok(!html.includes("<figure"), "no chart drawn over nobody");
  ok(
    html.includes(
      '<p class="note" data-charts="none">No charts: no organizations in this segment.</p>',
    ),
    html,
  );
  // the whole export empty: the same without "in this segment"
  const all = reportHtml(pricingSummary(withData, { frame: none, segment: null }), []);
  assertEquals(card(all, "organizations").note, "no organizations");
});

Deno.test("the company margin card gives the reason it is not known", async () => {
  // The economics fixture (tests/economics_fixture.ts) without PTB revenue read: a ($10 PTB
  // cost), c ($300), d ($500) and e ($1, MRR $0 known) have PTB cost → 4 organizations.
  const withData = {
    ...data(30),
    economics: { priceBook: await loadPriceBook() },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const frame = economicsFixture().withColumns(
    pl.lit("pro (seat, legacy)").alias("plan"),
    pl.col("llm_cost_ptb_30d").alias("company_cost_30d"),
  );
  const summary = pricingSummary(withData, { frame, segment: null });
  const reason =
    "not known: PTB revenue not read (the warnings say why) and 4 organizations with known MRR had PTB cost";
  assertEquals([summary.companyMarginPct, summary.companyMarginReason], [null, reason]);
  assertEquals(card(reportHtml(summary, []), "gross_margin_company"), {
    value: "",
    text: "–",
    note: reason,
  });
  // the brief says the same words
  assertEquals(
    headlineKpis(frame, { windowDays: 30, costModel: costModelFromEnv({}) })[0].basis,
    reason,
  );
  // revenue not fetched: no MRR known anywhere
  const unfetched = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit("none").alias("revenue_source"),
  );
  assertEquals(
    pricingSummary(withData, { frame: unfetched, segment: null }).companyMarginReason,
    "not known: revenue not fetched",
  );
  // known: the usual basis
  const known = frame.withColumns(pl.lit(0).cast(pl.Float64).alias("ptb_revenue_30d"));
  const knownSummary = pricingSummary(withData, { frame: known, segment: null });
  ok(knownSummary.companyMarginPct !== null);
  assertEquals(knownSummary.companyMarginReason, null);
  assertEquals(
    card(reportHtml(knownSummary, []), "gross_margin_company").note,
    "PTB LLM cost + infrastructure vs MRR + PTB revenue",
  );
});

Deno.test("Stripe not read: the banner is the run's warning of kind revenue_missing, whatever its words; the list keeps the others", () => {
  // the run's revenue warning in other words than today's, and a note quoting the old ones (other)
  const missing = "Revenue missing: cannot reach Stripe at 127.0.0.1:9 <proxy>";
  const quoting = "REVENUE MISSING at the last run too: today's cache is from 2026-10-31";
  const summaryOf = (kinds: [string, "revenue_missing"][], failed = true) =>
    pricingSummary(
      {
        ...data(30),
        frame,
        revenue: { failed, warnings: [missing, quoting] },
        warnings: [missing, quoting],
        warningKinds: new Map(kinds),
      } as unknown as Parameters<typeof pricingSummary>[0],
      { frame, segment: null },
    );
  const summary = summaryOf([[missing, "revenue_missing"]]);
  assertEquals(summary.revenueMissing, missing);
  const html = reportHtml(summary, []);
  const banner = '<div class="banner revenue-missing" data-revenue-missing role="alert"><p>';
  ok(
    html.includes(`${banner}Revenue missing: cannot reach Stripe at 127.0.0.1:9 &lt;proxy&gt;</p>`),
  );
  // the banner's warning is not listed again; the note that only quotes its words is
  ok(
    html.includes(
      '<ul class="warnings"><li>REVENUE MISSING at the last run too: today&#39;s cache is from 2026-10-31</li></ul>',
    ),
    html,
  );
  // no warning of the kind (kinds not passed along): the banner's own words, every warning listed
  const unkinded = summaryOf([]);
  assertEquals(unkinded.revenueMissing, "REVENUE MISSING: Stripe could not be read");
  ok(reportHtml(unkinded, []).includes("<li>Revenue missing: cannot reach Stripe at 127.0.0.1:9"));
  // revenue read (or skipped on purpose): no banner, whatever the kinds say
  assertEquals(summaryOf([[missing, "revenue_missing"]], false).revenueMissing, null);
});

Deno.test("every organization's LLM cost unknown: the card reads — (unknown), not $0", () => {
  // two organizations whose llm_cost_30d a query returned as NaN (read as empty)
  const unknownCosts = frame.head(2).withColumns(
    pl.Series("llm_cost_30d", [null, null], pl.Float64),
  );
  const summary = pricingSummary(data(30), { frame: unknownCosts, segment: null });
  assertEquals([summary.totalLlmCostUsd, summary.llmCostUnknown], [null, 2]);
  assertEquals(card(reportHtml(summary, []), "total_llm_cost"), {
    value: "",
    text: "–",
    note: "over 0 of 2 organizations; 2 unknown (NaN or infinite)",
  });
  // one known: the partial sum, as before
  const oneKnown = frame.head(2).withColumns(pl.Series("llm_cost_30d", [7, null], pl.Float64));
  const partial = pricingSummary(data(30), { frame: oneKnown, segment: null });
  assertEquals(card(reportHtml(partial, []), "total_llm_cost"), {
    value: "7",
    text: "$7",
    note: "over 1 of 2 organizations; 1 unknown (NaN or infinite)",
  });
});

Deno.test("unmapped Stripe customers only in a currency without a rate: the page's line carries no $0 figure", () => {
  const unconverted = { customers: 0, mrrUsd: 0, mrrRecurringUsd: 0, unknownMrrCustomers: 3 };
  const withUnmapped = {
    ...data(30),
    revenue: { unmappedCustomers: unconverted },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const html = reportHtml(pricingSummary(withUnmapped, { frame, segment: null }), []);
  const line = /<p class="note" id="unmapped-stripe-mrr" data-unmapped-mrr="([^"]*)">([^<]*)</
    .exec(html);
  ok(line, html);
  // their MRR is in no sum: unknown (empty), as the card's data-value of an unknown figure
  assertEquals(line[1], "");
  ok(line[2].includes("3 Stripe customers that"), line[2]);
});
