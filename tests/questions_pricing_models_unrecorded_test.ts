/**
 * The pricing models' % of LLM cost over organizations that sent requests with no cost recorded
 * (requests_cost_unknown_30d): the model's revenue is a lower bound and its breakeven an upper
 * bound, and the reading says so with the count, as deno task scenario's warning does
 * (scenario_cost_unrecorded_test.ts). Numbers by hand from the questions fixture.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { pricingModelComparison } from "../lib/analysis/questions.ts";
import { usageOnMonthlyBasis } from "../lib/frame/monthly.ts";
import { frame } from "./questions_fixture.ts";

Deno.test("pricing models: % of LLM cost over requests without a cost, a lower bound and its breakeven an upper bound", () => {
  // o1 (compared) 100 requests without a cost; o2 (trialing, $0 under every model) 50 and o6
  // (unknown MRR, left out) 20 are not counted
  const answer = pricingModelComparison(
    frame.withColumns(
      pl.Series("requests_cost_unknown_30d", [100, 50, 0, 0, 0, 20], pl.Float64),
    ),
  );
  assertEquals(answer.facts.requestsCostUnrecorded, { requests: 100, organizations: 1 });
  assertEquals(
    answer.reading,
    "Over 5 organizations with known MRR, 2 % of LLM cost would bring $48 (a lower bound: 1 organization sent 100 requests with no cost recorded, requests_cost_unknown_30d) a month against $5,240 MRR today (matching it would take 218.3 % of LLM cost, an upper bound); seat-based at $20 a seat $1,260, usage-based at $0.50 per 1,000 requests $605; as in deno task scenario, 1 organization with no subscription in a status MRR counts (trialing, paused, incomplete, canceled on a paying tier, …) stays at $0 and 1 organization with unknown MRR is left out.",
  );
  // none: the reading as before, no field
  const none = pricingModelComparison(frame);
  assertEquals(none.facts.requestsCostUnrecorded, undefined);
});

Deno.test("pricing models: a 7-day window's requests without a cost are its own count, the money on a 30-day basis", () => {
  // o1's 100 requests in 7 days stay 100 (× 30 / 7 would say 429, requests never sent); the LLM
  // cost is put on the 30-day basis: 2 % of it is $48 × 30 / 7 = $206
  const answer = pricingModelComparison(
    usageOnMonthlyBasis(
      frame.withColumns(
        pl.Series("requests_cost_unknown_30d", [100, 50, 0, 0, 0, 20], pl.Float64),
      ),
      7,
    ),
    {},
    { windowDays: 7 },
  );
  assertEquals(answer.facts.requestsCostUnrecorded, { requests: 100, organizations: 1 });
  ok(
    answer.reading.startsWith(
      "On a 30-day basis (the 7-day window's usage × 30/7): over 5 organizations with known MRR, 2 % of LLM cost would bring $206 (a lower bound: 1 organization sent 100 requests in the 7-day window itself (its count, not on the 30-day basis) with no cost recorded, requests_cost_unknown_30d) a month",
    ),
    answer.reading,
  );
});
