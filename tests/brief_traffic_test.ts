/**
 * The brief's PTB vs BYOK section (lib/report/brief_traffic.ts) on five hand-made organizations,
 * every cell worked out in the comments; another window's usage on a 30-day basis; a frame without
 * the economics columns gets no section.
 */
import pl from "nodejs-polars";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { trafficBriefLines } from "../lib/report/brief_traffic.ts";
import { briefMarkdown } from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { revenue, withEconomics } from "./economics_fixture.ts";

/**
 * p legacy pro, gateway only: 1,000 PTB requests, $10 (all PTB), $40 MRR, PTB revenue $12
 * q team, mixed: 1,000 PTB + 2,000 BYOK requests, $50 ($20 PTB), $200 MRR, PTB revenue $20
 * r enterprise, BYOK only: 10,000 requests, $400 (BYOK), $1,000 MRR, no PTB revenue
 * s free, no Stripe customer, gateway only: 500 PTB requests, $5
 * t free, no Stripe customer, no requests
 * No infrastructure cost: company cost = PTB LLM cost.
 */
async function fixture(rSharesP = false) {
  const rev = revenue({});
  rev.byCustomer = new Map([
    ["cus_p", { customerId: "cus_p", ptbRevenueUsd30d: 12 } as never],
    ["cus_q", { customerId: "cus_q", ptbRevenueUsd30d: 20 } as never],
    ["cus_r", { customerId: "cus_r", ptbRevenueUsd30d: 0 } as never],
  ]);
  return await withEconomics(
    exportFrameFromColumns({
      org_id: ["p", "q", "r", "s", "t"],
      org_name: ["P", "Q", "R", "S", "T"],
      tier: ["pro", "team", "enterprise", "free", "free"],
      tier_raw: ["pro", "team", "enterprise", "free", "free"],
      stripe_customer_id: ["cus_p", "cus_q", rSharesP ? "cus_p" : "cus_r", null, null],
      seats: [2, 5, 20, 1, 1],
      active_users_30d: [2, 5, 20, 1, 1],
      requests_30d: [1_000, 3_000, 10_000, 500, 0],
      ptb_requests_30d: [1_000, 1_000, 0, 500, 0],
      byok_requests_30d: [0, 2_000, 10_000, 0, 0],
      llm_cost_30d: [10, 50, 400, 5, 0],
      llm_cost_ptb_30d: [10, 20, 0, 5, 0],
      llm_cost_byok_30d: [0, 30, 400, 0, 0],
      is_byok: [false, true, true, false, false],
      has_gateway_only: [true, false, false, true, false],
      mrr: [40, 200, rSharesP ? null : 1000, 0, 0],
      mrr_recurring: [40, 200, rSharesP ? null : 1000, 0, 0],
      revenue_source: [
        "stripe",
        "stripe",
        rSharesP ? "shared_customer" : "stripe",
        "no_customer",
        "no_customer",
      ],
    }),
    rev,
  );
}

const HEADER =
  "| traffic | `organizations` | `requests_30d` | `llm_cost_30d` | `llm_cost_ptb_30d` | `company_cost_30d` | `mrr` | `ptb_revenue_30d` | `gross_margin_pct` | `margin_company_pct` |";

Deno.test("brief PTB vs BYOK: each traffic type's usage, cost, revenue and both margins, by hand", async () => {
  const lines = trafficBriefLines(await fixture(), 30).join("\n").split("\n");
  assertEquals(lines[0], "## PTB vs BYOK");
  const table = lines.filter((l) => l.startsWith("| "));
  assertEquals(table, [
    HEADER,
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    // p + s: 1,000 + 500 requests, $10 + $5 (all PTB), MRR 40 + 0, PTB revenue 12 + 0;
    //   spec (40 − 15) / 40 = 62.5 %; company (40 + 12 − 15) / 52 = 71.15 % (s's cost counts:
    //   its revenue, $0, is known)
    "| gateway only (PTB) | 2 | 1,500 | $15.00 | $15.00 | $15.00 | $40.00 | $12.00 | 62.5 % | 71.2 % |",
    // q: spec (200 − 50) / 200 = 75 %; company (200 + 20 − 20) / 220 = 90.91 %
    "| mixed | 1 | 3,000 | $50.00 | $20.00 | $20.00 | $200.00 | $20.00 | 75.0 % | 90.9 % |",
    // r: spec (1,000 − 400) / 1,000 = 60 %; company: no PTB cost, 100 %
    "| BYOK only | 1 | 10,000 | $400.00 | $0.00 | $0.00 | $1,000.00 | $0.00 | 60.0 % | 100.0 % |",
    // t: no revenue, no cost: neither margin
    "| no requests | 1 | 0 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | – | – |",
  ]);
  // the answer's reading under the table, its sums as the table's, each said once: the margin's
  // sums are the type's (every organization counted, no infrastructure cost), so not again
  const reading =
    "2 organizations are gateway-only: $40 MRR and $12 of PTB revenue against $15 of pass-through LLM cost the company pays, company-basis margin 71.2 % over all of them; 1 organization is BYOK-only ($1,000 MRR, their $400 of LLM cost paid to the providers by themselves) and 1 mixed ($200 MRR, $20 of PTB revenue, $20 pass-through, company-basis margin 90.9 %).";
  assertEquals(lines.at(-1), reading);
  for (const figure of ["$40 ", "$12 ", "$15 ", "$1,000 ", "$400 ", "$200 "]) {
    assertEquals(reading.split(figure).length - 1, 1, figure);
  }
});

Deno.test("brief PTB vs BYOK: organizations typed by their shared Stripe customer are a column, said once", async () => {
  // r shares p's customer (its revenue on p's row): p gateway-only and r BYOK-only are typed
  // mixed together, with q: 3 mixed, 2 of them (p, r) not by their own traffic
  const lines = trafficBriefLines(await fixture(true), 30).join("\n").split("\n");
  const table = lines.filter((l) => l.startsWith("| "));
  assertEquals(
    table[0],
    "| traffic | `organizations` | `typed_by_customer` | `requests_30d` | `llm_cost_30d` | `llm_cost_ptb_30d` | `company_cost_30d` | `mrr` | `ptb_revenue_30d` | `gross_margin_pct` | `margin_company_pct` |",
  );
  ok(table.some((l) => l.startsWith("| mixed | 3 | 2 | ")), table.join("\n"));
  ok(table.some((l) => l.startsWith("| gateway only (PTB) | 1 | 0 | ")), table.join("\n"));
  const section = lines.join("\n");
  assertEquals(section.split("typed by their traffic together").length - 1, 1, section);
  // nobody shares a customer (the first fixture): no such column, and the intro does not say it
  const unshared = trafficBriefLines(await fixture(), 30).join("\n");
  ok(!unshared.includes("typed_by_customer"), unshared);
  ok(!unshared.includes("typed by their traffic together"), unshared);
});

Deno.test("brief PTB vs BYOK: a 7-day window's usage on a 30-day basis, the columns named so", async () => {
  const lines = trafficBriefLines(await fixture(), 7).join("\n").split("\n");
  const table = lines.filter((l) => l.startsWith("| "));
  assertEquals(
    table[0],
    "| traffic | `organizations` | `requests_per_30d` | `llm_cost_per_30d` | `llm_cost_ptb_per_30d` | `company_cost_per_30d` | `mrr` | `ptb_revenue_per_30d` | `gross_margin_pct` | `margin_company_pct` |",
  );
  // gateway only × 30 / 7: 1,500 → 6,428.6 requests, $15 → $64.29, PTB revenue $12 → $51.43;
  //   spec (40 − 64.2857) / 40 = −60.7 %; company (40 + 51.4286 − 64.2857) / 91.4286 = 29.7 %
  assertEquals(
    table[2],
    "| gateway only (PTB) | 2 | 6,429 | $64.29 | $64.29 | $64.29 | $40.00 | $51.43 | -60.7 % | 29.7 % |",
  );
  ok(lines.some((l) => l.includes("the 7-day window's on a 30-day basis")), lines.join("\n"));
});

Deno.test("brief PTB vs BYOK: in the brief after the unit economics; none without the economics columns", async () => {
  const frame = await fixture();
  const economics = {
    windowDays: 30,
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    ptbRevenueRead: true,
  };
  const data = {
    frame,
    asOf: new Date("2026-11-01T00:00:00Z"),
    windowDays: 30,
    demo: false,
    warnings: [],
    revenue: { source: "stripe" },
  };
  const brief = briefMarkdown({
    data: { ...data, economics },
    exportFiles: [{ name: "x.csv", bytes: 1 }],
  });
  const at = brief.indexOf("## PTB vs BYOK\n");
  ok(at > brief.indexOf("### Cost model") && at < brief.indexOf("## By tier"), brief);
  ok(brief.includes(`\n${HEADER}\n`));
  // a brief without economics (a frame of the spec's columns) has no such section
  const plain = briefMarkdown({ data, exportFiles: [{ name: "x.csv", bytes: 1 }] });
  ok(!plain.includes("## PTB vs BYOK"));
  assertEquals(trafficBriefLines(frame.drop("company_cost_30d"), 30), []);
});

Deno.test("brief PTB vs BYOK: requests with no cost recorded, per traffic type, with the margins they bound (an export from before ptb_requests_cost_unknown_30d: by traffic type)", async () => {
  // p 10 and s 0 (gateway only: 10), q 6 (mixed), r 4 (BYOK only), t 0 (no requests)
  const base = await fixture();
  const frame = base.withColumns(
    pl.Series("requests_cost_unknown_30d", [10, 6, 4, 0, 0])
      .cast(base.getColumn("requests_cost_unknown_30d").dtype),
  );
  const lines = trafficBriefLines(frame, 30).join("\n").split("\n");
  const table = lines.filter((l) => l.startsWith("| "));
  assertEquals(
    table[0],
    "| traffic | `organizations` | `requests_30d` | `requests_cost_unknown_30d` | `llm_cost_30d` | `llm_cost_ptb_30d` | `company_cost_30d` | `mrr` | `ptb_revenue_30d` | `gross_margin_pct` | `margin_company_pct` |",
  );
  assertEquals(table.slice(2).map((l) => l.split(" | ").slice(0, 4).join(" | ")), [
    "| gateway only (PTB) | 2 | 1,500 | 10",
    "| mixed | 1 | 3,000 | 6",
    "| BYOK only | 1 | 10,000 | 4",
    "| no requests | 1 | 0 | 0",
  ]);
  // each type's count with the margin it bounds: gateway-only's are pass-through (company-basis
  // margin an upper bound), BYOK-only's the customer's own (company-basis margin stands), mixed
  // ones either way
  const reading = lines.at(-1)!;
  ok(
    reading.endsWith(
      " No cost was recorded (`requests_cost_unknown_30d`: cost 0 in ClickHouse) for 10 requests of gateway-only organizations (all pass-through: their pass-through LLM cost and company cost are lower bounds, both margins upper bounds), 6 requests of mixed organizations (pass-through or BYOK: the export counts them per organization, not per PTB and BYOK request; their LLM cost is a lower bound and `gross_margin_pct` an upper bound, and their pass-through LLM cost and company cost may be lower bounds and their company-basis margin an upper bound) and 4 requests of BYOK-only organizations (the customers' own provider cost: their LLM cost is a lower bound and `gross_margin_pct` an upper bound; their company-basis margin counts no BYOK cost and stands).",
    ),
    reading,
  );
  // only the types with some are named: BYOK-only alone
  const byokOnly = trafficBriefLines(
    base.withColumns(
      pl.Series("requests_cost_unknown_30d", [0, 0, 1, 0, 0])
        .cast(base.getColumn("requests_cost_unknown_30d").dtype),
    ),
    30,
  ).at(-1)!;
  ok(
    byokOnly.endsWith(
      " for 1 request of BYOK-only organizations (the customers' own provider cost: their LLM cost is a lower bound and `gross_margin_pct` an upper bound; their company-basis margin counts no BYOK cost and stands).",
    ),
    byokOnly,
  );
  // a 7-day window: the reading is on the 30-day basis, the counts the window's own (10, not 43)
  const week = trafficBriefLines(frame, 7).at(-1)!;
  ok(week.startsWith("On a 30-day basis (the 7-day window's usage × 30/7): "), week);
  ok(
    week.includes(
      " No cost was recorded in the 7-day window itself (its count, not on the 30-day basis; `requests_cost_unknown_30d`: cost 0 in ClickHouse) for 10 requests of gateway-only organizations (",
    ),
    week,
  );
  // (the brief's escaping sets column names in code spans)
  // none recorded, or not known (an export from before the column: empty): no column, no words
  for (const values of [[0, 0, 0, 0, 0], [null, null, null, null, null]]) {
    const none = trafficBriefLines(
      base.withColumns(
        pl.Series("requests_cost_unknown_30d", values)
          .cast(base.getColumn("requests_cost_unknown_30d").dtype),
      ),
      30,
    );
    ok(!none.join("\n").includes("requests_cost_unknown_30d"), none.join("\n"));
    assertEquals(none.join("\n").split("\n").filter((l) => l.startsWith("| "))[0], HEADER);
  }
});

Deno.test("brief PTB vs BYOK: requests with no cost recorded and, of them, the pass-through ones the company pays for bound the company-basis margin", async () => {
  // p 10, 7 of them pass-through (3 PTB cache hits) and s 0: gateway only 10, 7; q 6, none
  // pass-through (BYOK, or PTB cache hits): mixed 6, 0; r 4, 0 (BYOK only); t 0 (no requests)
  const base = await fixture();
  const counts = (name: string, values: number[]) =>
    pl.Series(name, values).cast(base.getColumn(name).dtype);
  const frame = base.withColumns(
    counts("requests_cost_unknown_30d", [10, 6, 4, 0, 0]),
    counts("ptb_requests_cost_unknown_30d", [7, 0, 0, 0, 0]),
  );
  const lines = trafficBriefLines(frame, 30).join("\n").split("\n");
  const table = lines.filter((l) => l.startsWith("| "));
  assertEquals(
    table[0],
    "| traffic | `organizations` | `requests_30d` | `requests_cost_unknown_30d` | `ptb_requests_cost_unknown_30d` | `llm_cost_30d` | `llm_cost_ptb_30d` | `company_cost_30d` | `mrr` | `ptb_revenue_30d` | `gross_margin_pct` | `margin_company_pct` |",
  );
  assertEquals(table.slice(2).map((l) => l.split(" | ").slice(0, 5).join(" | ")), [
    "| gateway only (PTB) | 2 | 1,500 | 10 | 7",
    "| mixed | 1 | 3,000 | 6 | 0",
    "| BYOK only | 1 | 10,000 | 4 | 0",
    "| no requests | 1 | 0 | 0 | 0",
  ]);
  // gateway only: 7 bound the company-basis margin, the 3 cache hits do not; mixed: none does, so
  // its company-basis margin stands (by traffic type alone it "may be" an upper bound)
  const reading = lines.at(-1)!;
  ok(
    reading.endsWith(
      " No cost was recorded (`requests_cost_unknown_30d`: cost 0 in ClickHouse; `ptb_requests_cost_unknown_30d` the pass-through ones the company pays the provider for) for 10 requests of gateway-only organizations (7 of them pass-through the company pays for, the other 3 PTB cache hits, which call no provider: their LLM cost is a lower bound and `gross_margin_pct` an upper bound, and their pass-through LLM cost and company cost are lower bounds and their company-basis margin an upper bound), 6 requests of mixed organizations (none pass-through the company pays for: BYOK requests or PTB cache hits; their LLM cost is a lower bound and `gross_margin_pct` an upper bound, and their company-basis margin stands) and 4 requests of BYOK-only organizations (the customers' own provider cost: their LLM cost is a lower bound and `gross_margin_pct` an upper bound; their company-basis margin counts no BYOK cost and stands).",
    ),
    reading,
  );
  // a mixed organization's all pass-through: q 6 of 6
  const allPaid = trafficBriefLines(
    base.withColumns(
      counts("requests_cost_unknown_30d", [0, 6, 0, 0, 0]),
      counts("ptb_requests_cost_unknown_30d", [0, 6, 0, 0, 0]),
    ),
    30,
  ).at(-1)!;
  ok(
    allPaid.endsWith(
      " for 6 requests of mixed organizations (all pass-through the company pays for: their LLM cost is a lower bound and `gross_margin_pct` an upper bound, and their pass-through LLM cost and company cost are lower bounds and their company-basis margin an upper bound).",
    ),
    allPaid,
  );
  // a 7-day window: the counts keep the file's names, the window's own
  const week = trafficBriefLines(frame, 7).join("\n");
  ok(week.includes("`ptb_requests_cost_unknown_30d` the pass-through ones"), week);
  ok(week.includes(" for 10 requests of gateway-only organizations (7 of them"), week);
});

Deno.test("brief PTB vs BYOK, 7-day window: requests with no cost recorded are the window's count, as Totals and the headline margin's bound say, not × 30 / 7", async () => {
  // p 1 (pass-through) and s 0: gateway only 1 of 1; q 3, 2 of them pass-through: mixed 3, 2;
  // r 7 (BYOK only) — in the 7-day window. × 30 / 7 they would read 4, 4 (rounded from 4.3),
  // 13 and 9 (12.9, 8.6), requests that were never sent: 11 with no cost, not 21
  const base = await fixture();
  const counts = (name: string, values: number[]) =>
    pl.Series(name, values).cast(base.getColumn(name).dtype);
  const frame = base.withColumns(
    counts("requests_cost_unknown_30d", [1, 3, 7, 0, 0]),
    counts("ptb_requests_cost_unknown_30d", [1, 2, 0, 0, 0]),
  );
  const lines = trafficBriefLines(frame, 7).join("\n").split("\n");
  const table = lines.filter((l) => l.startsWith("| "));
  // the usage columns on the 30-day basis; the two counts the window's own, under the file's names
  assertEquals(
    table[0],
    "| traffic | `organizations` | `requests_per_30d` | `requests_cost_unknown_30d` | `ptb_requests_cost_unknown_30d` | `llm_cost_per_30d` | `llm_cost_ptb_per_30d` | `company_cost_per_30d` | `mrr` | `ptb_revenue_per_30d` | `gross_margin_pct` | `margin_company_pct` |",
  );
  assertEquals(table.slice(2).map((l) => l.split(" | ").slice(0, 5).join(" | ")), [
    "| gateway only (PTB) | 2 | 6,429 | 1 | 1",
    "| mixed | 1 | 12,857 | 3 | 2",
    "| BYOK only | 1 | 42,857 | 7 | 0",
    "| no requests | 1 | 0 | 0 | 0",
  ]);
  const reading = lines.at(-1)!;
  ok(
    reading.includes(
      " No cost was recorded in the 7-day window itself (its count, not on the 30-day basis; `requests_cost_unknown_30d`: cost 0 in ClickHouse; `ptb_requests_cost_unknown_30d` the pass-through ones the company pays the provider for) for 1 request of gateway-only organizations (all pass-through the company pays for: ",
    ),
    reading,
  );
  ok(reading.includes(", 3 requests of mixed organizations (2 of them pass-through"), reading);
  ok(reading.includes(" and 7 requests of BYOK-only organizations ("), reading);
  // the section's lead says which columns are on the 30-day basis and which are the window's
  ok(
    lines.some((l) =>
      l.includes(
        "`requests_cost_unknown_30d` and `ptb_requests_cost_unknown_30d` count the window's requests with no cost recorded, as Totals does",
      )
    ),
    lines.join("\n"),
  );
});
