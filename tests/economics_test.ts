/**
 * lib/economics/: cost model settings, company cost and company-basis margin, the export's
 * manifest, and the economics the brief and admin summary print, on a five-organization fixture;
 * every expected number is worked out by hand in the comments. Price book: economics_price_book_test.ts;
 * per plan: economics_per_plan_test.ts; shared customers: economics_shared_customer_test.ts;
 * margins and PTB timing: economics_margins_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  addEconomicsColumns,
  costModelFromEnv,
  costModelInWords,
  loadPriceBook,
  PTB_REVENUE_NOT_READ,
} from "../lib/economics/mod.ts";
import { economicsFixture, economicsFrameWithF, revenue } from "./economics_fixture.ts";
import { closeList, column } from "./economics_frames.ts";

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

Deno.test("cost model in words: customer discounts on PTB are in postpaid PTB revenue already, not left out; provider discounts are", () => {
  const words = costModelInWords(costModelFromEnv({}));
  const discounts = words.find((line) => line.includes("organization.discounts"));
  // a ptb_usage invoice bills the usage less the organization's discount, and the kit counts
  // what the invoice bills (net of tax): the discount lowers PTB revenue, the LLM cost stays whole
  assertEquals(
    discounts,
    "Customer discounts on PTB usage (`organization.discounts`) are not read, yet postpaid PTB revenue is already net of them: a `ptb_usage` invoice bills the usage less its discount, while PTB cost is the full LLM cost, so the company margin bears them. Not counted: provider discounts Helicone may get. Stripe's fee on credit purchases is passed on to the customer and is neither revenue nor cost.",
  );
  ok(
    !words.some((line) =>
      /discounts on PTB invoices.*not counted|Not counted: customer/i.test(line)
    ),
  );
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
    // the economics columns, then the counts of requests without a cost (added after them), then
    // the unbilled metered usage and the usage discounts (added after those)
    assertEquals(header.slice(-9), [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
      "requests_cost_unknown_30d",
      "ptb_requests_cost_unknown_30d",
      "unbilled_usage_usd",
      "usage_discounts",
    ]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
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
  const { planEconomics } = await import("../lib/economics/report.ts");
  const { companyMargins } = await import("../lib/economics/headline_margins.ts");
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

Deno.test("the unit-economics figures read as the brief's other numbers: percentages of 1,000 or more with a thousands separator", async () => {
  const { formatKpi } = await import("../lib/economics/report.ts");
  assertEquals(formatKpi(-6067.84, "percent"), "-6,067.8 %");
  assertEquals(formatKpi(96.62, "percent"), "96.6 %");
  assertEquals(formatKpi(null, "percent"), "–");
});

Deno.test("admin page: the brief's Partial month note under the per-plan table, as plain text", async () => {
  const { pricingSummary } = await import("../lib/server/summary.ts");
  const { reportHtml } = await import("../lib/server/summary_html.ts");
  const { default: pl } = await import("nodejs-polars");
  const fixture = await economicsFrameWithF();
  // one organization created inside the 30-day window ending 2026-11-01 (it starts 2026-10-02),
  // one at its start (the whole window: not counted), the others long before
  const created = fixture.getColumn("org_id").toArray().map((_, i) =>
    new Date(i === 0 ? "2026-10-20T00:00:00Z" : i === 1 ? "2026-10-02T00:00:00Z" : "2025-01-01")
  );
  const frame = fixture.withColumns(pl.Series("created_at", created, pl.Datetime("ms")));
  const data = {
    asOf: new Date("2026-11-01T00:00:00Z"),
    windowDays: 30,
    demo: false,
    warnings: [],
    economics: { costModel: costModelFromEnv({}), priceBook: await loadPriceBook() },
  } as unknown as Parameters<typeof pricingSummary>[0];
  const note =
    "Partial month: 1 organization was created inside the window (after its start, 2026-10-02): its _30d usage and cost cover only the days since, set against a whole month&#39;s mrr, so its margins read higher, and a list price on usage lower, than a whole month of its use would make them.";
  const html = reportHtml(pricingSummary(data, { frame, segment: null }), []);
  const at = html.indexOf(`<p class="note" data-plan-note>${note}</p>`);
  // right under the table, before the run's warnings and the charts
  ok(at > html.indexOf('<table class="plans">'), html);
  ok(at < html.indexOf("<h2>Charts</h2>"));
  // none when nobody was created inside the window
  const before = reportHtml(pricingSummary(data, { frame: fixture, segment: null }), []);
  ok(!before.includes("data-plan-note"));
});
