/**
 * The brief's Totals and By tier at their edges (mutation probe survivors of lib/report/), on the
 * five-organization fixture (tests/brief_fixture.ts) changed a cell or two; figures by hand.
 */
import { ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { totalsSection } from "../lib/report/brief_sections.ts";
import { tierSection } from "../lib/report/brief_tiers.ts";
import { frame } from "./brief_fixture.ts";

Deno.test("Totals: a Stripe customer three organizations share is one shared customer, its two others two organizations", () => {
  // o3 carries cus_x's $80; o4 and o5 are its shared_customer organizations (their mrr empty)
  const shared = frame.withColumns(
    pl.Series("stripe_customer_id", [null, null, "cus_x", "cus_x", "cus_x"], pl.Utf8),
    pl.Series("revenue_source", ["no_customer", "no_customer", "stripe", ...[
      "shared_customer",
      "shared_customer",
    ]]),
    pl.Series("mrr", [0, 0, 80, null, null], pl.Float64),
    pl.Series("mrr_recurring", [0, 0, 80, null, null], pl.Float64),
  );
  const lines = totalsSection(shared).split("\n");
  ok(
    lines.includes(
      "| organizations sharing a Stripe customer whose revenue another organization's row carries (`shared_customer`, empty MRR) | 2 |",
    ),
    lines.join("\n"),
  );
  ok(
    lines.includes(
      "| Stripe customers shared by several organizations (their row ratios are the whole customer's revenue against one organization: group by `stripe_customer_id`) | 1 |",
    ),
    lines.join("\n"),
  );
});

Deno.test("Totals: requests summed over the known ones say of how many organizations", () => {
  // o5's requests unknown (NaN or infinite from a query): 0 + 1,000 + 20,000 + 100,000 = 121,000
  // over 4 of the 5
  const partial = frame.withColumns(
    pl.Series("requests_30d", [0, 1_000, 20_000, 100_000, null], pl.Float64),
  );
  const lines = totalsSection(partial).split("\n");
  ok(
    lines.includes(
      "| requests in the 30-day window | 121,000 over 4 of 5 organizations; 1 unknown (NaN or infinite) |",
    ),
    lines.join("\n"),
  );
});

Deno.test("Totals: the pass-through LLM cost says of how many organizations it is known, apart from all LLM cost", () => {
  // o3's llm_cost_ptb_30d unknown, its llm_cost_30d known: 0 + 0 + 300 + 0 = $300.00 over 4 of 5
  const partial = frame.withColumns(
    pl.Series("llm_cost_ptb_30d", [0, 0, null, 300, 0], pl.Float64),
  );
  const lines = totalsSection(partial).split("\n");
  ok(
    lines.includes(
      "| LLM cost in the 30-day window, pass-through billed (cost to the company) | $300.00 over 4 of 5 organizations; 1 unknown (NaN or infinite) |",
    ),
    lines.join("\n"),
  );
  ok(lines.includes("| LLM cost in the 30-day window (all traffic) | $1,353.00 |"));
});

Deno.test("By tier: a tier's LLM cost says of how many organizations it is known", () => {
  // o3's llm_cost_30d unknown: pro's is o4's $300.00, over 1 of its 2 organizations
  const partial = frame.withColumns(
    pl.Series("llm_cost_30d", [0, 3, null, 300, 1000], pl.Float64),
  );
  const pro = tierSection(partial).split("\n").find((line) => line.startsWith("| pro |"))!;
  ok(
    pro.includes("| $300.00 over 1 of 2 organizations; 1 unknown (NaN or infinite) |"),
    pro,
  );
});

Deno.test("converted MRR: a customer billed in EUR and USD names EUR's rate alone (USD is not converted)", async () => {
  const { convertedRevenueLines } = await import("../lib/report/brief_currency.ts");
  // o1 $100 billed in EUR and USD, o2 $50 in USD: the converted line is o1's, 100 / 150 = 66.7 %
  const frame = pl.DataFrame({
    org_id: ["o1", "o2"],
    currency: ["EUR,USD", "USD"],
    mrr: [100, 50],
  });
  const [line] = convertedRevenueLines(frame, { EUR: 1.08 });
  ok(
    line.includes(": EUR at 1.08 USD: 1 organization, $100.00 of `mrr`, 66.7 % of the MRR total."),
    line,
  );
  ok(!line.includes("USD at a rate not recorded"), line);
});
