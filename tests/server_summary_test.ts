/**
 * The admin report's underpriced table and window line (lib/server/summary.ts, underpriced.ts):
 * a 7-day window picks organizations on a 30-day basis, as the CLI's segment, and shows the
 * window's own values, as the CSV; cells are formatted by their column's unit; the banner of a run
 * whose Stripe could not be read is its warning of that kind. Numbers by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { pricingSummary, summaryChartTable } from "../lib/server/summary.ts";
import { reportHtml, windowEnd } from "../lib/server/summary_html.ts";
import { segmentCustomers } from "../lib/report/segment_customers.ts";
import { underpricedCell } from "../lib/server/underpriced.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { headlineKpis } from "../lib/economics/report.ts";
import { economicsFixture } from "./economics_fixture.ts";
import { segmentFrame, segmentThresholdsFromEnv } from "../lib/report/segments.ts";

// A 7-day window (× 30/7 on a 30-day basis); thresholds per month: 100,000 requests or $500, mrr ≤ $100.
//   P: 30,000 requests (128,571 a month ≥ 100,000), $7 cost, $7 PTB, mrr 20    → underpriced
//   Q: 20,000 requests (85,714), $140 cost ($600 a month ≥ $500), mrr 50       → underpriced
//   R: 23,000 requests (98,571), $116 cost ($497.14), mrr 10                   → under both
//   U: 50,000 requests (214,286), mrr unknown                                  → not judged
//   V: 200,000 requests, mrr 500 (> $100)                                      → not underpriced
// In the window P and Q cost $147 ($7 PTB) against $70 MRR; biggest cost first: Q, P.
// gross_margin_pct (30-day basis): P (20 − 30) / 20 = −50 %, Q (50 − 600) / 50 = −1,100 %.
const frame = pl.DataFrame({
  org_id: ["p", "q", "r", "u", "v"],
  org_name: ["P <b>", "Q", "R", "U", "V"],
  tier: ["pro", "free", "pro", "free", "team"],
  seats: [2, 1, 3, 1, 9],
  requests_30d: [30_000, 20_000, 23_000, 50_000, 200_000],
  llm_cost_30d: [7, 140, 116, 1, 10],
  llm_cost_ptb_30d: [7, 0, 0, 0, 0],
  mrr: pl.Series("mrr", [20, 50, 10, null, 500], pl.Float64),
  gross_margin_pct: pl.Series("gross_margin_pct", [-50, -1100, -4871.4, null, 99], pl.Float64),
});

function data(windowDays: number, asOf = "2026-11-01T00:00:00.000Z") {
  return {
    asOf: new Date(asOf),
    windowDays,
    demo: false,
    warnings: [],
  } as unknown as Parameters<typeof pricingSummary>[0];
}

Deno.test("a 7-day window: chosen on a 30-day basis, shown with the window's values", () => {
  const summary = pricingSummary(data(7), { frame, segment: null });
  const u = summary.underpriced;
  assertEquals(u.organizations, 2);
  assertEquals(u.columns, [
    "org_name",
    "tier",
    "seats",
    "requests_30d",
    "llm_cost_30d",
    "llm_cost_ptb_30d",
    "mrr",
    "gross_margin_pct",
  ]);
  assertEquals(u.rows, [
    ["Q", "free", 1, 20_000, 140, 0, 50, -1100],
    ["P <b>", "pro", 2, 30_000, 7, 7, 20, -50],
  ]);
  assertEquals(
    u.reading,
    "2 organizations sent ≥ 100,000 requests or ≥ $500 of LLM cost a month (the 7-day window's on a 30-day basis: × 30/7) while paying ≤ $100 MRR: in the 7 days together $147 of LLM cost ($7 pass-through, paid by the company) against $70 MRR a month; 1 heavy user with unknown MRR not judged.",
  );
  const html = reportHtml(summary, []);
  ok(html.includes("Usage and cost columns hold the 7-day window's values"), html);
  ok(
    html.includes(
      '<tr><td class="name" title="Q"><span dir="auto">Q</span></td><td class="name" title="free"><span dir="auto">free</span></td><td class="num">1</td><td class="num">20,000</td><td class="num">$140.00</td><td class="num">$0.00</td><td class="num">$50.00</td><td class="num">-1,100.0 %</td></tr>',
    ),
    html,
  );
  ok(
    html.includes('<td class="name" title="P &lt;b&gt;"><span dir="auto">P &lt;b&gt;</span></td>'),
    "org names are escaped (the hover text too)",
  );
  ok(html.includes('<div class="scroll"><table class="underpriced">'));
  ok(html.includes("7-day window ending 2026-11-01 00:00 UTC"));
});

Deno.test("both windows' readings say how many of the matches pay nothing, in the question's words; the table shows the status", () => {
  // Q pays $0 (free tier, no subscription), V $0 (team, trialing), P $20 (active).
  // 7 days: P, Q as above, and V (200,000 requests, 857,143 a month) at $0 now qualifies; by
  //   cost Q $140, V $10, P $7: $157 ($7 PTB) against $20 MRR; Q and V pay nothing; U unknown.
  // 30 days: only V is heavy (200,000 requests; U's 50,000 is not): $10 against $0, V alone.
  const zero = frame.withColumns(
    pl.Series("mrr", [20, 0, 10, null, 0], pl.Float64),
    pl.Series("subscription_status", ["active", null, "active", null, "trialing"], pl.Utf8),
  );
  const week = pricingSummary(data(7), { frame: zero, segment: null }).underpriced;
  assertEquals(
    week.reading,
    "3 organizations sent ≥ 100,000 requests or ≥ $500 of LLM cost a month (the 7-day window's on a 30-day basis: × 30/7) while paying ≤ $100 MRR: in the 7 days together $157 of LLM cost ($7 pass-through, paid by the company) against $20 MRR a month (2 of them pay nothing, MRR $0: 1 on the free tier, 1 trialing); 1 heavy user with unknown MRR not judged.",
  );
  assertEquals(week.columns.slice(6, 8), ["mrr", "subscription_status"]);
  assertEquals(week.rows.map((row) => [row[0], row[6], row[7]]), [
    ["Q", 0, null],
    ["V", 0, "trialing"],
    ["P <b>", 20, "active"],
  ]);
  const html = reportHtml(pricingSummary(data(7), { frame: zero, segment: null }), []);
  ok(
    html.includes('<td class="name" title="trialing"><span dir="auto">trialing</span></td>'),
    html,
  );
  const month = pricingSummary(data(30), { frame: zero, segment: null }).underpriced;
  assertEquals(
    month.reading,
    "1 organization sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR: together $10 of LLM cost ($0 pass-through, paid by the company) against $0 MRR (it pays nothing, MRR $0: trialing).",
  );
});

Deno.test("the server's segment thresholds (every segment's) choose the underpriced table by the question's own", () => {
  // the handler passes settings.segmentThresholds whole: the question refuses keys not its own
  const thresholds = { ...segmentThresholdsFromEnv({}), underpricedMaxMrrUsd: 20 };
  const summary = pricingSummary(data(7), { frame, segment: null, thresholds });
  // at MRR ≤ $20 only P is underpriced
  assertEquals(summary.underpriced.rows.map((row) => row[0]), ["P <b>"]);
  const monthly = pricingSummary(data(30), { frame, segment: null, thresholds });
  assertEquals(monthly.underpriced.organizations, 0);
});

Deno.test("a 30-day window: the question's own reading, no window note", () => {
  // on the window's own values only V is heavy (200,000 requests) and its mrr is over $100;
  // U (50,000) is not heavy: nothing found, nothing unknown
  const summary = pricingSummary(data(30), { frame, segment: null });
  assertEquals(summary.underpriced.organizations, 0);
  const html = reportHtml(summary, []);
  ok(!html.includes("Usage and cost columns hold"));
  ok(html.includes("<p>None.</p>"));
});

Deno.test("a list longer than the table: a line says the table holds its top 10 of the matches", () => {
  // 12 organizations H1…H12, each 200,000 requests (heavy in 30 and in 7 days), MRR $5, LLM cost
  // $1…$12: all 12 underpriced; the table shows the 10 costliest (H12…H3), the sentence sums 12.
  const n = 12;
  const many = pl.DataFrame({
    org_id: Array.from({ length: n }, (_, i) => `h${i + 1}`),
    org_name: Array.from({ length: n }, (_, i) => `H${i + 1}`),
    tier: Array(n).fill("pro"),
    seats: Array(n).fill(1),
    requests_30d: Array(n).fill(200_000),
    llm_cost_30d: Array.from({ length: n }, (_, i) => i + 1),
    llm_cost_ptb_30d: Array(n).fill(0),
    mrr: pl.Series("mrr", Array(n).fill(5), pl.Float64),
    gross_margin_pct: pl.Series("gross_margin_pct", Array(n).fill(0), pl.Float64),
  });
  for (const days of [30, 7]) {
    const summary = pricingSummary(data(days), { frame: many, segment: null });
    assertEquals(summary.underpriced.matchedRows, 12, `${days} days`);
    assertEquals(
      summary.underpriced.rows.map((row) => row[0]),
      ["H12", "H11", "H10", "H9", "H8", "H7", "H6", "H5", "H4", "H3"],
    );
    // 1 + 2 + … + 12 = $78 of LLM cost, 12 × $5 = $60 MRR: the sentence is over all 12
    ok(
      summary.underpriced.reading.startsWith("12 organizations sent"),
      summary.underpriced.reading,
    );
    ok(summary.underpriced.reading.includes("$78 of LLM cost"), summary.underpriced.reading);
    const html = reportHtml(summary, []);
    ok(
      html.includes(
        '<p class="note" data-underpriced-shown="10">The 10 with the most LLM cost of the 12, biggest first; the sentence above counts all 12.</p>',
      ),
      html,
    );
  }
  // all of them on screen: no such line (2 matches, above)
  const two = reportHtml(pricingSummary(data(7), { frame, segment: null }), []);
  ok(!two.includes("data-underpriced-shown"), two);
});

Deno.test("names in the page's tables read as in the brief: no bidi override or zero-width, one line", () => {
  // "\u202Eevil\u202C" draws as "live" where the override is honoured; the notebooks and the brief
  // drop such controls (visibleLine), and a line break in a name is a space there
  const names = ["\u202Eevil\u202C\u200B Co\nLtd <i>", "Q", "R", "U", "V"];
  const hostile = frame.withColumns(pl.Series("org_name", names));
  const summary = pricingSummary(data(7), { frame: hostile, segment: null });
  const html = reportHtml(summary, []);
  ok(
    html.includes(
      '<td class="name" title="evil Co Ltd &lt;i&gt;"><span dir="auto">evil Co Ltd &lt;i&gt;</span></td>',
    ),
    html,
  );
  ok(!/[\u202a-\u202e\u200b]/.test(html));
  // a price book's plan name the same way, as its characters read (drawn reversed it said "pro")
  const plan = { ...pricingSummary(data(30), { frame, segment: null }) };
  const planHtml = reportHtml({
    ...plan,
    plans: [{ plan: "\u202Eorp\u202C plan" } as (typeof plan.plans)[number]],
  }, []);
  ok(planHtml.includes('title="orp plan"><span dir="auto">orp plan</span></td>'), planHtml);
});

Deno.test("the window line: minutes, seconds only when there are any, no milliseconds", () => {
  assertEquals(windowEnd("2026-11-01T00:00:00.000Z"), "2026-11-01 00:00 UTC");
  assertEquals(windowEnd("2026-11-01T12:30:00.000Z"), "2026-11-01 12:30 UTC");
  assertEquals(windowEnd("2026-12-02T23:21:25.138Z"), "2026-12-02 23:21:25 UTC");
  const html = reportHtml(
    pricingSummary(data(30, "2026-12-02T23:21:25.138Z"), { frame, segment: null }),
    [],
  );
  ok(html.includes("30-day window ending 2026-12-02 23:21:25 UTC · files dated 2026-12-02"));
});

Deno.test("cells by their column's unit: $ with cents, %, whole counts, – when empty", () => {
  assertEquals(underpricedCell("llm_cost_30d", 738.7), "$738.70");
  assertEquals(underpricedCell("llm_cost_30d", 11607), "$11,607.00");
  assertEquals(underpricedCell("mrr", 833.16), "$833.16");
  assertEquals(underpricedCell("gross_margin_pct", -12.345), "-12.3 %");
  assertEquals(underpricedCell("requests_30d", 15397864), "15,397,864");
  assertEquals(underpricedCell("mrr", null), "–");
  assertEquals(underpricedCell("org_name", "Nimbus Bank 366"), "Nimbus Bank 366");
});

/** The `data-stat` card of `name` in the report: its value and its note. */
function card(html: string, name: string): { value: string; text: string; note: string | null } {
  const match = html.match(
    new RegExp(
      `<div class="stat" data-stat="${name}" data-value="([^"]*)"[^>]*><div class="label"[^>]*>[^<]*</div><div class="value">([^<]*)</div>(?:<div class="note">([^<]*)</div>)?</div>`,
    ),
  );
  if (!match) throw new Error(`no ${name} card in ${html}`);
  return { value: match[1], text: match[2], note: match[3] ?? null };
}

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
    assertEquals(card(html, name), { value: "", text: "—", note: null }, name);
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
  assertEquals(card(html, "total_mrr"), { value: "", text: "—", note: null });
  assertEquals(card(html, "total_llm_cost").note, null);
  for (const name of ["gross_margin_company", "gross_margin"]) {
    assertEquals(card(html, name), { value: "", text: "—", note: null }, name);
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
    text: "—",
    note: reason,
  });
  // the brief says the same words
  assertEquals(headlineKpis(frame, { windowDays: 30 })[0].basis, reason);
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
    text: "—",
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
