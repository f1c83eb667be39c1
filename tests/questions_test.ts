/**
 * lib/analysis/questions: underpriced customers, upgrade candidates and churn risk on six
 * hand-worked organizations (tests/questions_fixture.ts), and bad input (a missing column, a
 * negative threshold, a misspelled key). Pricing models, PTB vs BYOK, tables and charts, export
 * files and the notebook are in the other questions_*_test.ts files.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { UserError } from "../lib/core/config.ts";
import pl from "nodejs-polars";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  TRAFFIC_TYPES,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";
import { column, frame, withoutRevenue } from "./questions_fixture.ts";

Deno.test("underpriced: ≥100k requests or ≥$500 cost with known MRR ≤ $100, by cost", () => {
  // Heavy: o1 (200k requests), o3, o6 ($600 cost), o4 (1M requests). MRR ≤ 100: o1 only;
  // o3 pays 200, o4 5000, o6's MRR is unknown (not judged, counted).
  const answer = underpricedCustomers(frame);
  assertEquals(column(answer.table, "org_name"), ["o1"]);
  assertEquals(answer.facts, {
    organizations: 1,
    customers: 1,
    requests: 200_000,
    llmCostUsd: 800,
    ptbLlmCostUsd: 800,
    mrrUsd: 40,
    unknownMrr: 1,
    // o1 pays $40: no one paying nothing, and the reading says nothing of it
    payingNothing: { total: 0, freeTier: 0, byStatus: {} },
  });
  assertEquals(
    answer.reading,
    "1 organization sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR: together $800 of LLM cost ($800 pass-through, paid by the company) against $40 MRR; 1 heavy user with unknown MRR not judged.",
  );
  // Every MRR unknown (Stripe skipped): nothing judged, and no "$0 MRR" sum said: the four heavy
  // users o1, o3, o4, o6 are unknown.
  const unknown = underpricedCustomers(
    frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr")),
  );
  assertEquals(unknown.facts.organizations, 0);
  assertEquals(
    unknown.reading,
    "No organization with known MRR sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR; 4 heavy users with unknown MRR not judged.",
  );
  // A $200 ceiling lets o3 in; biggest cost first: o1 ($800) before o3 ($600).
  assertEquals(
    column(underpricedCustomers(frame, { underpricedMaxMrrUsd: 200 }).table, "org_name"),
    ["o1", "o3"],
  );
});

Deno.test("underpriced: the reading says how many matches pay nothing (MRR $0) and why; the table shows the status", () => {
  // At ≥ 50,000 requests, with o3 and o4 paying nothing: o3 (team) trialing, o4 (enterprise)
  // paused. Heavy: o1 (200k), o2 (60k), o3 ($600), o4 (1M), o6 ($600, MRR unknown). MRR ≤ $100:
  // o1 $40, o2 $0 (free, trialing), o3 $0, o4 $0. By cost: o4 $1,000, o1 $800, o3 $600, o2 $30
  // = $2,430, of it pass-through o1 $800 + o3 $150 = $950; MRR $40. Paying nothing: o2 on the
  // free tier (its trial aside), o3 trialing, o4 paused.
  const zero = frame.withColumns(
    pl.Series("mrr", [40, 0, 0, 0, 0, null], pl.Float64),
    pl.Series(
      "subscription_status",
      ["active", "trialing", "trialing", "paused", null, null],
      pl.Utf8,
    ),
  );
  const answer = underpricedCustomers(zero, { underpricedMinRequests: 50_000 });
  assertEquals(column(answer.table, "org_name"), ["o4", "o1", "o3", "o2"]);
  assertEquals(answer.facts.payingNothing, {
    total: 3,
    freeTier: 1,
    byStatus: { paused: 1, trialing: 1 },
  });
  assertEquals(
    answer.reading,
    "4 organizations sent ≥ 50,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR: together $2,430 of LLM cost ($950 pass-through, paid by the company) against $40 MRR (3 of them pay nothing, MRR $0: 1 on the free tier, 1 paused, 1 trialing); 1 heavy user with unknown MRR not judged.",
  );
  // the status beside MRR: what tells a trial from a customer paying little
  assertEquals(answer.table.columns.slice(7, 9), ["mrr", "subscription_status"]);
  assertEquals(column(answer.table, "subscription_status"), [
    "paused",
    "active",
    "trialing",
    "trialing",
  ]);
  // all of them paying nothing. MRR ≤ $0: of the heavy o1 ($40), o3 and o4 ($0), o6 (unknown),
  // o3 and o4; o3's status a cell's text, not one of Stripe's, which the reading does not repeat
  const edited = zero.withColumns(
    pl.Series("subscription_status", [null, null, "## NOTE", "paused", null, null], pl.Utf8),
  );
  const both = underpricedCustomers(edited, { underpricedMaxMrrUsd: 0 });
  assertEquals(
    both.reading,
    "2 organizations sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $0 MRR: together $1,600 of LLM cost ($150 pass-through, paid by the company) against $0 MRR (both pay nothing, MRR $0: 1 of other subscription statuses, 1 paused); 1 heavy user with unknown MRR not judged.",
  );
  // one, alone, of one kind: "it", the kind without a count. Heavy at ≥ $1,000: o1 (200k
  // requests, $40) and o4 ($1,000, $0); o6 ($600, 40k requests) no longer
  const one = underpricedCustomers(edited, {
    underpricedMaxMrrUsd: 0,
    underpricedMinLlmCostUsd: 1000,
  });
  ok(one.reading.endsWith("against $0 MRR (it pays nothing, MRR $0: paused)."), one.reading);
});

Deno.test("upgrade candidates: free tier with ≥50k requests, seat upside at $20", () => {
  const answer = upgradeCandidates(frame); // o2 (60k); o6 has 40k, o5 none
  assertEquals(column(answer.table, "org_name"), ["o2"]);
  assertEquals(answer.facts, {
    organizations: 1,
    freeOrganizations: 3, // o2, o5, o6
    requests: 60_000,
    llmCostUsd: 30,
    seats: 1,
    seatMrrUsd: 20, // 1 seat × $20
    customerPays: 0,
  });
  assertEquals(
    answer.reading,
    "1 of 3 free organizations sent ≥ 50,000 requests in the 30-day window (60,000 requests, $30 of LLM cost); at $20 a seat their 1 seat would bring $20 MRR.",
  );
  const lower = upgradeCandidates(frame, { upgradeMinRequests: 30_000 });
  assertEquals(column(lower.table, "org_name"), ["o2", "o6"]); // 60k, 40k
  assertEquals(lower.facts.seatMrrUsd, 80); // (1 + 3) seats × $20
});

Deno.test("churn risk: paying orgs whose LLM cost exceeds MRR, biggest loss first", () => {
  // Paying: o1, o3, o4. o1 loses 800 − 40 = 760, o3 600 − 200 = 400; o4 earns.
  // Their LLM spend 800 + 600 = 1,400 against MRR 40 + 200 = 240: 1,160 more (the loss).
  const answer = churnRisk(frame);
  assertEquals(column(answer.table, "org_name"), ["o1", "o3"]);
  assertEquals(column(answer.table, "loss_usd"), [760, 400]);
  assertEquals(answer.facts, {
    organizations: 2,
    customers: 2, // no Stripe customer shared: one organization each
    payingOrganizations: 3,
    payingCustomers: 3,
    lossUsd: 1160, // 760 + 400
    mrrUsd: 240, // 40 + 200
    // o1's pass-through cost (800) is above its MRR (40), but its $900 of PTB revenue covers it:
    // company basis +14.7 %; o3 +39.96 %. Neither loses the company money.
    companyLossOrganizations: 0,
    companyMarginUnknown: 0,
    // o6: $600 of LLM cost, MRR unknown: counted and said, not judged at $0
    unknownMrr: 1,
    unknownMrrLlmCostUsd: 600,
    knownMrr: 5, // o1…o5
  });
  assertEquals(
    answer.reading,
    "2 of 3 paying organizations cost more in LLM spend than they pay ($1,400 of LLM spend against their $240 MRR: $1,160 more); on the company's cost basis (gross_margin_company_pct: MRR + PTB revenue against PTB LLM cost + infrastructure) 0 of them lose money; 1 organization with $600 of LLM spend but unknown MRR not judged.",
  );
  // PTB revenue $30 instead: o1 (70 − 802) / 70 < 0 loses money on the company basis too.
  const short = frame.withColumns(
    pl.Series("gross_margin_company_pct", [(70 - 802) / 70 * 100, null, 39.96, 99.8, null, null]),
  );
  assertEquals(churnRisk(short).facts.companyLossOrganizations, 1);
  ok(churnRisk(short).reading.includes(" 1 of them loses money; "));
  // PTB revenue not read: organizations with PTB cost have no company-basis margin (o1, o3).
  const unread = frame.withColumns(
    pl.Series("gross_margin_company_pct", [null, null, null, 99.8, null, null], pl.Float64),
  );
  assertEquals(churnRisk(unread).facts.companyMarginUnknown, 2);
  ok(
    churnRisk(unread).reading.includes(
      " 0 of them lose money and 2 have no company-basis margin (PTB revenue not read); ",
    ),
  );
});

Deno.test("churn risk with no MRR known says it cannot be judged, never '0 of 0 … $0 MRR'", () => {
  // LLM spend: o1 800 + o2 30 + o3 600 + o4 1000 + o6 600 = 3,030 over 5 organizations (o5: none)
  const answer = churnRisk(withoutRevenue());
  assertEquals(answer.table.height, 0);
  assertEquals(
    [answer.facts.unknownMrr, answer.facts.unknownMrrLlmCostUsd, answer.facts.knownMrr],
    [5, 3030, 0],
  );
  assertEquals(
    answer.reading,
    "Churn risk cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so 5 organizations with $3,030 of LLM spend but unknown MRR are not judged.",
  );
  // o1 (the biggest loser, $760) unknown: left out of the sums, and said
  const o1Unknown = churnRisk(
    frame.withColumns(pl.Series("mrr", [null, 0, 200, 5000, 0, null], pl.Float64)),
  );
  assertEquals(column(o1Unknown.table, "org_name"), ["o3"]);
  ok(
    o1Unknown.reading.startsWith(
      "1 of 2 paying organizations cost more in LLM spend than they pay ($600 of LLM spend against their $200 MRR: $400 more)",
    ) && o1Unknown.reading.endsWith(
      "; 2 organizations with $1,400 of LLM spend but unknown MRR not judged.",
    ),
    o1Unknown.reading,
  );
});

Deno.test("with no revenue known, the facts carry null sums where the readings say unknown, not $0", () => {
  const none = withoutRevenue();
  const churn = churnRisk(none).facts;
  assertEquals([churn.lossUsd, churn.mrrUsd, churn.unknownMrr], [null, null, 5]);
  // o1 gateway-only, o3 mixed, o2 o4 o6 BYOK-only, o5 no requests: every type's sums unknown
  const traffic = ptbVsByok(none).facts;
  for (const type of TRAFFIC_TYPES) {
    const f = traffic[type];
    assertEquals([f.mrrUsd, f.ptbRevenueUsd], [null, null], type);
    assertEquals([f.unknownMrr, f.ptbRevenueUnread], [f.organizations, f.organizations], type);
  }
  const adoption = featureAdoption(none).facts;
  assertEquals([adoption.addonMrrUsd, adoption.unknownRevenue], [null, 6]);
  // with o6's MRR only unknown the known sums stay numbers (o3's $50 add-on, churn's o1 $760)
  assertEquals(featureAdoption(frame).facts.addonMrrUsd, 50);
  assertEquals(churnRisk(frame).facts.lossUsd !== null, true);
});

Deno.test("an empty frame gives empty answers and zero facts, not errors", () => {
  const empty = frame.head(0);
  assertEquals(underpricedCustomers(empty).facts.organizations, 0);
  assertEquals(churnRisk(empty).reading.startsWith("0 of 0 paying organizations"), true);
  assertEquals(pricingModelComparison(empty).facts.breakEvenPct, null);
  assertEquals(ptbVsByok(empty).table.height, 0);
});

Deno.test("bad input: a missing column or a negative threshold is named", () => {
  throws(
    () => churnRisk(frame.drop("llm_cost_ptb_30d")),
    /churn risk: the frame has no column llm_cost_ptb_30d/,
  );
  throws(
    () => upgradeCandidates(frame, { upgradeMinRequests: -1 }),
    /upgradeMinRequests must be a number ≥ 0, got -1/,
  );
});

/** The one-line UserError `work` throws: its message, its stack the same line (none into lib/). */
function oneLineError(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    ok(error instanceof UserError, String(error));
    assertEquals(error.stack, `UserError: ${error.message}`);
    ok(!error.message.includes("\n"), error.message);
    return error.message;
  }
  throw new Error("no error");
}

Deno.test("thresholds and model prices: a misspelled key is refused naming the nearest one; a bad value shows as typed, in one line", () => {
  const asked = (t: Record<string, unknown>) => () => underpricedCustomers(frame, t as never);
  // ignored, it left the $100 default in force without a word
  assertEquals(
    oneLineError(asked({ underpricedMaxMrr: 200 })),
    'thresholds has no "underpricedMaxMrr": did you mean underpricedMaxMrrUsd? (thresholds: underpricedMinRequests, underpricedMinLlmCostUsd, underpricedMaxMrrUsd, upgradeMinRequests, upgradeSeatPriceUsd, top)',
  );
  ok(!oneLineError(asked({ colour: 1 })).includes("did you mean"));
  assertEquals(
    oneLineError(asked({ underpricedMaxMrrUsd: -5 })),
    "thresholds.underpricedMaxMrrUsd must be a number ≥ 0, got -5",
  );
  // a string keeps its quotes: "got 100000" read as if the number were refused
  assertEquals(
    oneLineError(asked({ underpricedMinRequests: "100000" })),
    'thresholds.underpricedMinRequests must be a number ≥ 0, got "100000"',
  );
  assertEquals(oneLineError(asked({ top: 0 })), "thresholds.top must be a whole number ≥ 1, got 0");
  assertEquals(
    oneLineError(asked({ top: 2.5 })),
    "thresholds.top must be a whole number ≥ 1, got 2.5",
  );
  // undefined keeps the default
  assertEquals(underpricedCustomers(frame, { top: undefined }).ranked?.top, 15);
  assertEquals(
    oneLineError(() => pricingModelComparison(frame, { seatPriceUsd: -20 })),
    "modelPrices.seatPriceUsd must be a number ≥ 0, got -20",
  );
  ok(
    oneLineError(() => pricingModelComparison(frame, { seatPrice: 20 } as never))
      .startsWith('modelPrices has no "seatPrice": did you mean seatPriceUsd?'),
  );
});

Deno.test("churn risk with no MRR known and every LLM spend unknown (NaN) still says it cannot be judged, not '0 of 0 … $0 MRR'", () => {
  // revenue not fetched; o1, o3, o4 and o6 spent an unknown amount (NaN), o2 and o5 nothing
  const answer = churnRisk(
    withoutRevenue().withColumns(
      pl.Series("llm_cost_30d", [null, 0, null, null, 0, null], pl.Float64),
    ),
  );
  assertEquals(answer.table.height, 0);
  assertEquals(
    [answer.facts.unknownMrr, answer.facts.llmCostUnknown, answer.facts.knownMrr],
    [0, 4, 0],
  );
  assertEquals([answer.facts.lossUsd, answer.facts.mrrUsd], [null, null]);
  assertEquals(
    answer.reading,
    "Churn risk cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so 4 organizations with an unknown LLM cost (NaN, infinite or empty; their Stripe customer's) are not judged.",
  );
});
