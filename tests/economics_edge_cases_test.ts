/**
 * lib/economics/ on the seven-organization edge-case fixture (tests/economics_edge_cases_fixture.ts):
 * every row's metric and economics column, every cell of the per-plan table, and the warnings
 * naming the plan PTB timing pulls down. Every expected number is worked out by hand in the
 * comments.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { costModelFromEnv, headlineKpis, planEconomics } from "../lib/economics/mod.ts";
import { closeList, column, economics, M, MRR_ALL, N } from "./economics_edge_cases_fixture.ts";

Deno.test("economics edge cases: every row's metric and economics column by hand", async () => {
  const { frame } = await economics();
  const c = (name: string) => column(frame, name);
  //                        m       n     o     p        q     r       s
  // LLM cost / seats: n has no seats, o none of either
  closeList(c("cost_per_seat"), [20, null, 0, 350 / 6, 4.5, 25, 5], "cost_per_seat");
  closeList(c("revenue_per_seat"), [M / 3, null, 0, 200 / 6, null, 50, 0], "revenue_per_seat");
  // LLM cost / requests: o has no requests
  closeList(
    c("cost_per_request"),
    [0.0015, 0.0016, null, 0.0035, 0.003, 0.0025, 0.005],
    "cost_per_request",
  );
  closeList(
    c("revenue_per_request"),
    [M / 40_000, N / 5_000, null, 0.002, null, 0.005, 0],
    "revenue_per_request",
  );
  // (mrr − llm_cost_30d) / mrr: p (200 − 350) / 200 = −75 %; no MRR (o, s) or unknown (q): empty,
  // never −Infinity
  closeList(
    c("gross_margin_pct"),
    [(M - 60) / M * 100, (N - 8) / N * 100, null, -75, null, 50, null],
    "gross_margin_pct",
  );
  closeList(
    c("seat_utilization_pct"),
    [100, null, 0, 100, 100, 75, 100],
    "seat_utilization_pct",
  );
  closeList(c("ptb_cost_share_pct"), [75, 0, null, 0, 100, 80, 100], "ptb_cost_share_pct");
  assertEquals(c("plan"), [
    "pro 2025-12-10",
    "pro (seat, legacy)",
    "free",
    "team (bundle, legacy)",
    "pro (seat, legacy)",
    "enterprise (contract)",
    "free",
  ]);
  // m $79 flat (metered requests billed by Stripe, not listed); n 0 seats × $20 raised to the
  // $20 minimum; q 2 × $20; p $200 flat; r a contract (no list price); free $0
  closeList(c("list_price_mrr"), [79, 20, 0, 200, 40, null, 0], "list_price_mrr");
  // q: its customer's PTB revenue is not known (GBP without a rate)
  closeList(c("ptb_revenue_30d"), [30, 0, 0, 0, null, 0, 0], "ptb_revenue_30d");
  // PTB cost + requests / 1,000 × $0.20: m 45 + 8; n 0 + 1; o 0; p 0 + 20; q 9 + 0.6;
  // r 400 + 40; s 5 + 0.2
  closeList(c("company_cost_30d"), [53, 1, 0, 20, 9.6, 440, 5.2], "company_cost_30d");
  // (mrr + PTB revenue − company cost) / (mrr + PTB revenue): m (M + 30 − 53) / (M + 30);
  // n (N − 1) / N; p 180 / 200; r 560 / 1,000; o and s revenue 0 → empty; q mrr unknown → empty
  closeList(
    c("gross_margin_company_pct"),
    [(M - 23) / (M + 30) * 100, (N - 1) / N * 100, null, 90, null, 56, null],
    "gross_margin_company_pct",
  );
});

Deno.test("economics edge cases: the per-plan table, every cell by hand", async () => {
  const { frame, priceBook } = await economics();
  const rows = planEconomics(frame, { book: priceBook, windowDays: 30 });
  const expected: Record<string, (number | null)[]> = {
    // organizations, paying, seats, mrr, arpa, mrr/seat, mrr/1k, llm/1k, company llm/1k,
    // ptb share, margin all, margin company, negative all, negative company, list, mrr/list
    // m: M / 3 seats; M / 40 (k requests); 60 / 40; 45 / 40; company (M + 30 − 53) / (M + 30);
    //    list $79 against recurring M (its metered requests have no list price): 108.4 %
    "pro 2025-12-10": [
      1,
      1,
      3,
      M,
      M,
      M / 3,
      M / 40,
      1.5,
      1.125,
      75,
      (M - 60) / M * 100,
      (M - 23) / (M + 30) * 100,
      0,
      0,
      79,
      M / 79 * 100,
    ],
    // n + q: q's MRR is unknown (GBP, no rate), so it is neither paying nor free and its cost
    //   and requests stay out of the ratios set against MRR; its requests and LLM cost count in
    //   the per-request cost ratios (17 / 8k, 9 / 8k) and its $40 list price in the list sum.
    //   The only paying organization, n, has no seats: mrr_per_seat empty, not infinite.
    //   mrr_to_list: n alone, N / 20
    "pro (seat, legacy)": [
      2,
      1,
      2,
      N,
      N,
      null,
      N / 5,
      17 / 8,
      9 / 8,
      900 / 17,
      (N - 8) / N * 100,
      (N - 1) / N * 100,
      0,
      0,
      60,
      N / 20 * 100,
    ],
    // p: spec (200 − 350) / 200 = −75 %, a loss on the spec basis only: company (200 − 20) / 200
    "team (bundle, legacy)": [
      1,
      1,
      6,
      200,
      200,
      200 / 6,
      2,
      3.5,
      0,
      0,
      -75,
      90,
      1,
      0,
      200,
      100,
    ],
    // r: (1,000 − 500) / 1,000; company (1,000 − 440) / 1,000; a contract: no list price
    "enterprise (contract)": [
      1,
      1,
      20,
      1000,
      1000,
      50,
      5,
      2.5,
      2,
      80,
      50,
      56,
      0,
      0,
      null,
      null,
    ],
    // o + s: cost ($5.20 company) and no revenue: no margin on either basis (empty, not −∞);
    //   MRR $0 over s's 1,000 requests (o has none): $0 per 1,000; list $0, nobody pays: no ratio
    "free": [2, 0, 2, 0, null, null, 0, 5, 5, 100, null, null, 0, 0, 0, null],
    // all: 7 organizations, 4 paying (m, n, p, r), 33 seats of which 29 paying (3 + 0 + 6 + 20);
    //   requests with known MRR 346,000 (q's 3,000 left out), all 349,000; LLM 932, PTB 459;
    //   spec cost 932 − q's 9 = 923; company revenue MRR_ALL + 30, cost 53 + 1 + 0 + 20 + 440
    //   + 5.2 = 519.2 (q's 9.6 left out); list 79 + 20 + 0 + 200 + 40 + 0 = 339; mrr_to_list
    //   (M + N + 200) / (79 + 20 + 200)
    "all": [
      7,
      4,
      33,
      MRR_ALL,
      MRR_ALL / 4,
      MRR_ALL / 29,
      MRR_ALL / 346,
      932 / 349,
      459 / 349,
      45900 / 932,
      (MRR_ALL - 923) / MRR_ALL * 100,
      (MRR_ALL + 30 - 519.2) / (MRR_ALL + 30) * 100,
      1,
      0,
      339,
      (M + N + 200) / 299 * 100,
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
    "negative_margin_all",
    "negative_margin_company",
    "list_price_mrr",
    "mrr_to_list_pct",
  ] as const;
  for (const row of rows) {
    closeList(columns.map((c) => row[c] as number | null), expected[row.plan], row.plan);
  }
  // the headline is the all row's
  const kpis = headlineKpis(frame, { windowDays: 30, costModel: costModelFromEnv({}) });
  closeList(
    kpis.map((k) => k.value),
    [
      (MRR_ALL + 30 - 519.2) / (MRR_ALL + 30) * 100,
      (MRR_ALL - 923) / MRR_ALL * 100,
      MRR_ALL,
      4,
    ],
    "headline",
  );
  assertEquals(
    kpis[3].basis,
    "MRR > 0, of the 6 organizations with MRR on their own row (1 with unknown MRR: empty mrr, not counted)",
  );
});

Deno.test("economics edge cases: the warnings name the plan PTB timing pulls down, with its figures", async () => {
  const { warnings } = await economics();
  // r: $400 of enterprise's $400 PTB cost against $0 PTB revenue; 56 % with it, 96 % without
  // (infrastructure set, every plan prices someone but team 2025-12-10)
  assertEquals(warnings, [
    'plan "team 2025-12-10" prices no organization in this data: no organization fits its match',
    'plan "enterprise (contract)": company margin 56.0 % counts PTB cost of 1 organization with no PTB revenue in the window ($400.00 of the plan\'s $400.00 PTB cost, against $0.00 PTB revenue, 30-day basis): PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB; with PTB left out on both sides the margin is 96.0 %',
  ]);
});
