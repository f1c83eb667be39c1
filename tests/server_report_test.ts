/**
 * lib/server's summary and report page over real HTTP: headline numbers computed by hand, an empty
 * segment, a segment splitting a Stripe customer, and PRICING_SERVER_STRIPE=skip.
 */
import { PER_PLAN_MARGINS_NOTE } from "../lib/economics/report.ts";
import { escapeHtml } from "../lib/report/html_text.ts";
import { DEMO_NOTE } from "../lib/report/chart_frame.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { loadPricingData } from "../lib/export.ts";
import { SEGMENT_NAMES, segmentFrame } from "../lib/report/segments.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { EXPORT, jsonBody, serve, SUMMARY } from "./server_fixture.ts";

Deno.test("PRICING_SERVER_STRIPE=skip: the page, summary and XLSX say Stripe was skipped, naming no CLI flag", async () => {
  const server = serve({ env: { PRICING_SERVER_STRIPE: "skip" } });
  const skipped = "Stripe skipped: revenue columns are empty";
  try {
    const summary = await jsonBody(await server.get("/v1/admin/pricing-analytics/summary"));
    ok(summary.warnings.includes(skipped), JSON.stringify(summary.warnings));
    assertEquals(summary.totalMrrUsd, null, "no revenue read");
    const report = await (await server.get("/v1/admin/pricing-analytics/report")).text();
    ok(report.includes(escapeHtml(skipped)), report);
    const xlsx = await server.get(`${EXPORT}?format=xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    const texts = (workbook.getWorksheet("summary")!.getSheetValues() as unknown[][])
      .map((row) => String(row?.[1] ?? ""));
    ok(texts.includes(skipped), texts.join("\n"));
    // the server has no --skip-stripe: no answer names it
    for (const text of [JSON.stringify(summary), report, texts.join("\n")]) {
      ok(!text.includes("--skip-stripe"), text);
    }
    // skipping is a choice, not an outage: nothing is missing, and the run is kept its hour
    assertEquals(summary.revenueMissing, null);
    server.clock.now += 3_599_999;
    const later = await server.get("/v1/admin/pricing-analytics/summary");
    await later.body?.cancel();
    assertEquals([later.headers.get("x-pricing-cache"), server.calls.length], ["hit", 1]);
  } finally {
    await server.close();
  }
});

Deno.test("PRICING_SERVER_STRIPE=skip: a segment that judges MRR cannot be judged, it is not $0 and empty", async () => {
  // The fixture databases, revenue not fetched. LLM cost: A $2.75 (BYOK), B $0.10, C $3.00 (BYOK),
  // D and E none. byok_paying (is_byok and mrr > 0): A and C undecided; negative_margin (LLM cost
  // over MRR): A, B and C undecided; underpriced: nobody is heavy, so nobody is undecided.
  const databases = await freshFixtureDatabases("server_segments_unjudged");
  const server = serve({ args: [], env: { ...databases.env, PRICING_SERVER_STRIPE: "skip" } });
  const cannot = (n: number) =>
    `cannot be judged: revenue not fetched (${n} organizations with unknown MRR)`;
  const summary = async (segment: string) =>
    await jsonBody(await server.get(`${SUMMARY}?as_of=2026-11-01&segment=${segment}`));
  try {
    for (const [segment, undecided] of [["byok_paying", 2], ["negative_margin", 3]] as const) {
      const body = await summary(segment);
      assertEquals(
        [body.organizations, body.totalMrrUsd, body.notJudged],
        [0, null, { organizations: undecided, text: cannot(undecided) }],
        segment,
      );
      const report = await (await server.get(
        `/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=${segment}`,
      )).text();
      ok(report.includes(cannot(undecided)), report);
      ok(!report.includes("no organizations in this segment"), report);
      ok(
        report.includes(
          `<div class="stat" data-stat="organizations" data-value="0" role="group" aria-labelledby="stat-organizations-label"><div class="label" id="stat-organizations-label">Organizations</div><div class="value">0</div><div class="note">${
            cannot(undecided)
          }</div></div>`,
        ),
        report,
      );
    }
    const underpriced = await summary("underpriced");
    assertEquals([underpriced.totalMrrUsd, underpriced.notJudged], [0, null]);
    assertEquals(server.calls.length, 1, "one run for every segment");
  } finally {
    await server.close();
    await databases.drop();
  }
});

Deno.test("summary and report: headline numbers computed by hand", async (t) => {
  // Three organizations on top of the real demo run's metadata:
  //   A: mrr 100, llm cost 30, 1,000 requests
  //   B: mrr 50, llm cost 80, 200,000 requests      → underpriced (≥ 100,000 requests, mrr ≤ $100)
  //   C: mrr unknown, llm cost 10, 500,000 requests → heavy but unknown MRR: not judged
  // total MRR (known) = 100 + 50 = 150; total LLM cost = 30 + 80 + 10 = 120
  // gross margin over known MRR = (150 − (30 + 80)) / 150 × 100 = 26.666… %
  const frame = pl.DataFrame({
    org_id: ["a", "b", "c"],
    org_name: ["A", "B", "C"],
    tier: ["team", "pro", "free"],
    seats: [4, 2, 1],
    requests_30d: [1_000, 200_000, 500_000],
    llm_cost_30d: [30, 80, 10],
    llm_cost_ptb_30d: [0, 20, 0],
    mrr: pl.Series("mrr", [100, 50, null], pl.Float64),
    gross_margin_pct: pl.Series("gross_margin_pct", [70, -60, null], pl.Float64),
  });
  const server = serve({
    loader: async (options) => ({ ...await loadPricingData(options), frame }),
  });
  try {
    await t.step("GET /summary → the numbers", async () => {
      const response = await server.get("/v1/admin/pricing-analytics/summary");
      assertEquals(response.status, 200);
      const summary = await jsonBody(response);
      assertEquals(summary.organizations, 3);
      assertEquals(summary.mrrKnownOrganizations, 2);
      assertEquals(summary.totalMrrUsd, 150);
      assertEquals(summary.totalLlmCostUsd, 120);
      ok(Math.abs(summary.grossMarginPct - 26.6666667) < 1e-6, String(summary.grossMarginPct));
      assertEquals(summary.underpriced.organizations, 1);
      assertEquals(summary.underpriced.rows.map((r: unknown[]) => r[1]), ["B"]);
      assertEquals(summary.demo, true);
      assertEquals(summary.asOf, "2026-11-02T00:00:00.000Z");
    });
  } finally {
    await server.close();
  }
  await t.step("GET /report on the real demo data: stats, eight charts, the tables", async () => {
    const demo = serve();
    try {
      const response = await demo.get("/v1/admin/pricing-analytics/report?as_of=2026-11-01");
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "text/html; charset=utf-8");
      const html = await response.text();
      ok(html.includes(`data-stat="organizations" data-value="${DEMO_ORGANIZATIONS}"`));
      for (
        const stat of ["gross_margin_company", "gross_margin", "total_mrr", "total_llm_cost"]
      ) {
        ok(new RegExp(`data-stat="${stat}" data-value="-?[\\d.]+"`).test(html), stat);
      }
      // The company-cost margin card leads, the spec's beside it.
      ok(
        html.indexOf('data-stat="gross_margin_company"') < html.indexOf('data-stat="gross_margin"'),
      );
      ok(html.includes("Gross margin · all LLM cost (spec)"));
      // Per-plan table: one row per price-book plan present, then all.
      ok(html.includes('<tr data-plan="pro (seat, legacy)">'));
      ok(html.includes('<tr data-plan="all">'));
      // why all's margins differ from the headline's, as the workbook and the notebook say
      ok(html.includes(escapeHtml(PER_PLAN_MARGINS_NOTE)), "the per-plan margins note");
      assertEquals(html.match(/<figure data-chart="/g)?.length, 8);
      // a chart copied off the page says it is demo data
      for (const [, name] of html.matchAll(/<figure data-chart="([a-z0-9_]+)"/g)) {
        ok(chartCaption(html, name).startsWith(`${DEMO_NOTE} `), name);
      }
      ok(html.indexOf('data-chart="margin_by_plan"') < html.indexOf('data-chart="margin_by_tier"'));
      ok(/<table class="underpriced">/.test(html));
      ok(html.includes("Demo data"));
      ok(html.includes("30-day window ending 2026-11-01 00:00 UTC"));
      for (const name of SEGMENT_NAMES) {
        const segment = await demo.get(
          `/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=${name}`,
        );
        assertEquals(segment.status, 200, name);
        const expected = segmentFrame((await loadPricingData(demo.calls[0])).frame, { name }).frame;
        ok(
          (await segment.text()).includes(
            `data-stat="organizations" data-value="${expected.height}"`,
          ),
          name,
        );
      }
      assertEquals(demo.calls.length, 1, "every segment is cut from the one cached run");
    } finally {
      await demo.close();
    }
  });
});

Deno.test("report of an empty segment: $0 with the reason, no charts drawn", async () => {
  // The demo run (revenue known) with only organizations paying over $100: the underpriced
  // segment (MRR ≤ $100) holds nobody.
  const server = serve({
    loader: async (options) => {
      const data = await loadPricingData(options);
      return { ...data, frame: data.frame.filter(pl.col("mrr").gt(100)) };
    },
  });
  try {
    const whole = await loadPricingData({ demo: true, asOf: new Date("2026-11-01T00:00:00Z") });
    const paying = whole.frame.filter(pl.col("mrr").gt(100));
    ok(paying.height > 0);
    assertEquals(segmentFrame(paying, { name: "underpriced" }).frame.height, 0);
    const response = await server.get(
      "/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=underpriced",
    );
    assertEquals(response.status, 200);
    const html = await response.text();
    ok(html.includes('data-stat="organizations" data-value="0"'), html);
    ok(
      html.includes(
        '<div class="stat" data-stat="organizations" data-value="0" role="group" aria-labelledby="stat-organizations-label"><div class="label" id="stat-organizations-label">Organizations</div><div class="value">0</div><div class="note">no organizations in this segment</div></div>',
      ),
      html,
    );
    ok(!html.includes("revenue not fetched"), html);
    ok(!html.includes("<figure"), "no chart over no organization");
    ok(html.includes("No charts: no organizations in this segment."), html);
  } finally {
    await server.close();
  }
});

/** A chart's caption on the report page: its 11-px lines under the title, joined. */
function chartCaption(html: string, name: string): string {
  const figure = html.split(`<figure data-chart="${name}"`)[1]?.split("</figure>")[0] ?? "";
  return [...figure.matchAll(/<text x="12" y="\d+"[^>]*font-size="11"[^>]*>(.*?)<\/text>/g)]
    .map((m) => m[1].replace(/<[^>]+>/g, "")).join(" ");
}

/** A chart's caption of demo data (the served run is the demo's): DEMO_NOTE first. */
const demoCaption = (caption: string) => `${DEMO_NOTE} ${caption}`;

Deno.test("report of a segment splitting a Stripe customer: the charts count the customer whole, as the tables", async () => {
  // cus_s pays $200 on t's row (team); h is its free organization (revenue_source
  // shared_customer, mrr empty). free_high_usage (free, ≥ 50,000 requests) is h alone; its
  // customer's revenue and t's usage are outside the segment.
  //   t  team, cus_s, mrr 200, 1,000 requests, LLM $10 (BYOK), company cost $0
  //   h  free, cus_s (shared), 60,000 requests, LLM $600 (PTB), company cost $600
  //   o  pro, cus_o, mrr 40, 2,000 requests, LLM $4            (another customer: left out)
  // The plan table counts cus_s whole (team: t and h, $200 against $610); so do the charts:
  // by tier free is h ($600 cost, $0 MRR: its customer's is on t's row), team is t ($10, $200);
  // t is the one organization with MRR on its row (MRR vs requests, margin vs MRR, margin by
  // tier), drawn with cus_s's figures: 61,000 requests, (200 − 610) / 200 = −205 %; both have
  // requests and cost.
  const frame = exportFrameFromColumns({
    org_id: ["t", "h", "o"],
    org_name: ["T", "H", "O"],
    tier: ["team", "free", "pro"],
    plan: ["team 2025-12-10", "free", "pro 2025-12-10"],
    stripe_customer_id: ["cus_s", "cus_s", "cus_o"],
    revenue_source: ["stripe", "shared_customer", "stripe"],
    seats: [5, 1, 2],
    requests_30d: [1_000, 60_000, 2_000],
    llm_cost_30d: [10, 600, 4],
    llm_cost_ptb_30d: [0, 600, 0],
    llm_cost_byok_30d: [10, 0, 4],
    company_cost_30d: [0, 600, 0],
    ptb_revenue_30d: [0, null, 0],
    mrr: [200, null, 40],
    mrr_recurring: [200, null, 40],
    list_price_mrr: [200, 0, 40],
    gross_margin_pct: [95, null, 90],
    gross_margin_company_pct: [100, null, 100],
  });
  const server = serve({
    loader: async (options) => ({ ...await loadPricingData(options), frame }),
  });
  try {
    const response = await server.get(
      "/v1/admin/pricing-analytics/report?as_of=2026-11-01&segment=free_high_usage",
    );
    assertEquals(response.status, 200);
    const html = await response.text();
    ok(html.includes('data-stat="organizations" data-value="1"'), html);
    ok(
      html.includes(
        '<tr data-plan="team 2025-12-10"><td class="name" title="team 2025-12-10"><span dir="auto">team 2025-12-10</span></td><td class="num">2</td>',
      ),
      html,
    );
    assertEquals(
      chartCaption(html, "cost_and_mrr_by_tier"),
      demoCaption(
        "Totals per tier; bar height = share of the tier's larger amount, labels in USD. Organizations: free 1, team 1.",
      ),
    );
    ok(html.includes("<title>team: MRR $200</title>"), "team's MRR bar");
    ok(html.includes("<title>free: LLM cost, all (30 days) $600</title>"), "free's cost bar");
    assertEquals(
      chartCaption(html, "mrr_vs_requests"),
      demoCaption(
        "1 organization with MRR &gt; 0 and requests; 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' requests; 1 with no MRR, unknown MRR or no requests not shown (log scales cannot show 0).",
      ),
    );
    ok(html.includes("MRR $200 · 61,000 requests\nStripe customer of 2 organizations"), html);
    assertEquals(
      chartCaption(html, "margin_vs_mrr"),
      demoCaption(
        "1 organization with MRR &gt; 0 (1 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row); 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' LLM cost.",
      ),
    );
    ok(html.includes("MRR $200 · −205.0 % gross margin, spec basis\nStripe customer of 2"), html);
    assertEquals(
      chartCaption(html, "margin_by_tier"),
      demoCaption(
        "Box: quartiles and median; 1 organization with MRR &gt; 0; 1 Stripe customer shared by several organizations drawn once, at the row carrying its MRR, with all its organizations' LLM cost. No margin (no MRR): free.",
      ),
    );
    assertEquals(
      chartCaption(html, "requests_vs_llm_cost"),
      demoCaption(
        "2 organizations with requests and cost; 0 with no requests or zero cost not shown (log scales cannot show 0).",
      ),
    );
    assertEquals(
      chartCaption(html, "usage_by_tier"),
      demoCaption(
        "Box: quartiles and median of 2 organizations with requests; whiskers reach up to 1.5 × the box's height (on the log scale), outliers beyond; none without requests.",
      ),
    );
    // the page says what the charts cover
    ok(
      html.includes(
        '<p class="note" data-charts-cover="2">The charts cover 2 organizations: this segment&#39;s 1 and 1 outside it sharing a Stripe customer with one in it.</p>',
      ),
      html,
    );
  } finally {
    await server.close();
  }
});
