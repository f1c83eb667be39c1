/**
 * The admin report's underpriced table and window line (lib/server/summary.ts, underpriced.ts):
 * a 7-day window picks organizations on a 30-day basis, as the CLI's segment, and shows the
 * window's own values, as the CSV; cells are formatted by their column's unit. Cards and the
 * banner are in server_summary_cards_test.ts, segments in server_summary_segments_test.ts.
 * Numbers by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { pricingSummary } from "../lib/server/summary.ts";
import { reportHtml, windowEnd } from "../lib/server/summary_html.ts";
import { underpricedCell } from "../lib/server/underpriced.ts";
import { segmentThresholdsFromEnv } from "../lib/report/segments.ts";
import { data, frame } from "./server_summary_fixture.ts";

Deno.test("a 7-day window: chosen on a 30-day basis, shown with the window's values", () => {
  const summary = pricingSummary(data(7), { frame, segment: null });
  const u = summary.underpriced;
  assertEquals(u.organizations, 2);
  assertEquals(u.columns, [
    "org_id", // names are not unique and can look alike: the id says which organization
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
    ["q", "Q", "free", 1, 20_000, 140, 0, 50, -1100],
    ["p", "P <b>", "pro", 2, 30_000, 7, 7, 20, -50],
  ]);
  assertEquals(
    u.reading,
    "2 organizations sent ≥ 100,000 requests or ≥ $500 of LLM cost a month (the 7-day window's on a 30-day basis: × 30/7) while paying ≤ $100 MRR: in the 7 days together $147 of LLM cost ($7 pass-through, paid by the company) against $70 MRR a month; 1 heavy user with unknown MRR not judged.",
  );
  const html = reportHtml(summary, []);
  ok(html.includes("Usage and cost columns hold the 7-day window's values"), html);
  ok(
    html.includes(
      '<tr><td class="id" title="q"><span dir="auto">q</span></td><td class="name" title="Q"><span dir="auto">Q</span></td><td class="name" title="free"><span dir="auto">free</span></td><td class="num">1</td><td class="num">20,000</td><td class="num">$140.00</td><td class="num">$0.00</td><td class="num">$50.00</td><td class="num">-1,100.0 %</td></tr>',
    ),
    html,
  );
  ok(
    html.includes('<td class="name" title="P &lt;b&gt;"><span dir="auto">P &lt;b&gt;</span></td>'),
    "org names are escaped (the hover text too)",
  );
  ok(
    html.includes(
      '<div class="scroll" role="region" aria-label="Top underpriced organizations" tabindex="0"><table class="underpriced">',
    ),
  );
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
  assertEquals(week.columns.slice(7, 9), ["mrr", "subscription_status"]);
  assertEquals(week.rows.map((row) => [row[1], row[7], row[8]]), [
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
  assertEquals(summary.underpriced.rows.map((row) => row[1]), ["P <b>"]);
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
      summary.underpriced.rows.map((row) => row[1]),
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

Deno.test("the run's warnings read as in the brief: a name's bidi override reverses nothing", () => {
  // a price book's plan name quoted in a warning: U+202E drew the rest of the line reversed on
  // the page ("…hctam sti stif noitazinagro on"), while the brief and the workbook drop it
  const summary = pricingSummary(data(30), { frame, segment: null });
  const html = reportHtml({
    ...summary,
    warnings: [
      'plan "\u202Eteam\u200B plan" prices no organization in this data: no organization fits its match',
    ],
    revenueMissing: "REVENUE MISSING: Stripe said \u202Eno\u202C\nretry",
  }, []);
  ok(
    html.includes(
      "<li>plan &quot;team plan&quot; prices no organization in this data: no organization fits its match</li>",
    ),
    html,
  );
  ok(html.includes("<p>REVENUE MISSING: Stripe said no retry</p>"), html);
  ok(!/[\u202a-\u202e\u200b]/.test(html), html);
});

Deno.test("two organizations whose names read alike (a zero-width space) are told apart by org_id", () => {
  // Q is "AcmeCorp", P "Acme\u200BCorp": the page drops the zero-width space, so both names read
  // "AcmeCorp"; a reach-out to the underpriced one needs to know which organization it is
  const names = ["Acme\u200BCorp", "AcmeCorp", "R", "U", "V"];
  const lookalike = frame.withColumns(pl.Series("org_name", names));
  const html = reportHtml(pricingSummary(data(7), { frame: lookalike, segment: null }), []);
  const rows = [
    ...html.matchAll(
      /<tr><td class="id" title="([^"]*)"><span dir="auto">\1<\/span><\/td><td class="name" title="([^"]*)"/g,
    ),
  ]
    .map((m) => [m[1], m[2]]);
  assertEquals(rows, [["q", "AcmeCorp"], ["p", "AcmeCorp"]]);
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
