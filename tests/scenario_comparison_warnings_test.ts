/**
 * Scenario comparison's warnings: active users over another window, plans that price nobody,
 * percents and per-1,000 prices that look mistyped, Stripe skipped, term discounts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { compareScenario, parseScenario } from "../lib/analysis/scenario/mod.ts";
import { columnOf, fixtureMarkdown, frame } from "./scenario_comparison_fixture.ts";

Deno.test("user tiers on active_users_30d over another window than 30 days are warned of: active users are not scaled", async () => {
  // "users" prices a1 and a2 (pro, team) on their active users; a3 (free) is on a flat fee
  const scenario = parseScenario({
    name: "users",
    plans: [
      {
        name: "users",
        match: { tiers: ["pro", "team"] },
        flatTiers: {
          metric: "active_users_30d",
          tiers: [{ upTo: 3, usd: 10 }, { upTo: null, usd: 50 }],
        },
      },
      { name: "rest", flatUsd: 0 },
    ],
  });
  const userWarnings = (result: { warnings: string[] }) =>
    result.warnings.filter((w) => w.startsWith("user tiers"));
  assertEquals(userWarnings(await compareScenario(frame, { scenario, windowDays: 7 })), [
    `user tiers (flatTiers on active_users_30d) of "users" judged on the window's 7-day active users (members who signed in during the 7 days) of 2 organizations: they are not scaled to 30 days as usage is, so a 30-day export, counting more of them, can put organizations in other tiers`,
  ]);
  assertEquals(userWarnings(await compareScenario(frame, { scenario, windowDays: 30 })), []);
  assertEquals(userWarnings(await compareScenario(frame, { scenario })), []);
  // tiers on seats have no window
  const seats = parseScenario({
    name: "seats",
    plans: [{ name: "s", flatTiers: { metric: "seats", tiers: [{ upTo: null, usd: 5 }] } }],
  });
  assertEquals(userWarnings(await compareScenario(frame, { scenario: seats, windowDays: 7 })), []);
});

Deno.test("plans that price no organization in the data are named in a warning", async () => {
  // b: pro is taken by a; c: no growth organization; d prices a3; e: a3 is d's, a1 a's; f: a
  // typo (letter O for zero) no raw tier fits (PRO would: raw tiers match as the family reads them)
  const scenario = parseScenario({
    name: "overlap",
    plans: [
      { name: "a", match: { tiers: ["pro", "team"] }, flatUsd: 10 },
      { name: "b", match: { tiers: ["pro"] }, flatUsd: 20 },
      { name: "c", match: { tiers: ["growth"] }, flatUsd: 30 },
      { name: "d", flatUsd: 0 },
      { name: "e", match: { tiers: ["free", "pro"] }, flatUsd: 1 },
      { name: "f", match: { tiersRaw: ["pro-2O251210"] }, flatUsd: 1 },
      // keeps current MRR, fits no organization: a standing rule (contracts), no warning
      { name: "g", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
      // keeps current MRR of team organizations, but a2 (team) is a's: re-priced, warned
      { name: "h", match: { tiers: ["team"] }, keepCurrentMrr: true },
    ],
  });
  const result = await compareScenario(frame, { scenario });
  assertEquals(
    result.warnings.filter((w) => w.includes("no organization in this data")),
    [
      'plans "c", "f" price no organization in this data: no organization fits their match',
      'plan "b" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "a"',
      'plan "e" prices no organization in this data: the organizations its match fits are all priced by the earlier plans "a", "d"',
      'plan "h" prices no organization in this data: the organizations its match fits are all priced by the earlier plan "a"',
    ],
  );
  // every plan prices someone: no such warning
  const covering = parseScenario({
    name: "covering",
    plans: [{ name: "paid", match: { tiers: ["pro", "team"] }, flatUsd: 10 }, {
      name: "rest",
      flatUsd: 0,
    }],
  });
  const clean = await compareScenario(frame, { scenario: covering });
  assertEquals(clean.warnings.filter((w) => w.includes("no organization in this data")), []);
});

Deno.test("a percent of LLM cost under 1 is warned of: percent is in percent, 0.02 is not 2 %", async () => {
  const pct = (percent: number) =>
    parseScenario({
      name: "pct",
      plans: [
        { name: "paid", match: { tiers: ["pro", "team"] }, pctOfLlmCost: { percent } },
        { name: "rest", flatUsd: 0 },
      ],
    });
  const said = (warnings: string[]) => warnings.filter((w) => w.includes("% of LLM cost"));
  const fraction = await compareScenario(frame, { scenario: pct(0.02) });
  assertEquals(said(fraction.warnings), [
    'plan "paid" charges 0.02 % of LLM cost (plans[0].pctOfLlmCost.percent is in percent): for 2 % write 2, not 0.02',
  ]);
  // priced as written: a1's $1 and a2's $2 of LLM cost at 0.02 % is $0.0006 against $140
  ok(
    Math.abs(fraction.totals.proposedMrrUsd - 0.0006) < 1e-12,
    `${fraction.totals.proposedMrrUsd}`,
  );
  for (const percent of [1, 2, 0]) {
    assertEquals(said((await compareScenario(frame, { scenario: pct(percent) })).warnings), []);
  }
});

Deno.test("a price per 1,000 requests under $0.001 is warned of: a price per request written in usdPer1k", async () => {
  const perRequest = (usdPer1k: number) =>
    parseScenario({
      name: "req",
      plans: [{ name: "usage", perRequest: { tiers: [{ upTo: null, usdPer1k }] } }],
    });
  const said = (warnings: string[]) => warnings.filter((w) => w.includes("per 1,000 requests"));
  const slip = await compareScenario(frame, { scenario: perRequest(0.0005) });
  assertEquals(said(slip.warnings), [
    'plan "usage" charges $0.0005 per 1,000 requests (plans[0].perRequest.tiers[0].usdPer1k is per 1,000 requests): for $0.0005 a request write 0.5',
  ]);
  // priced as written: 3,000 requests at $0.0005 per 1,000 is $0.0015
  ok(Math.abs(slip.totals.proposedMrrUsd - 0.0015) < 1e-12, `${slip.totals.proposedMrrUsd}`);
  for (const price of [0.001, 0.5, 0]) {
    assertEquals(
      said((await compareScenario(frame, { scenario: perRequest(price) })).warnings),
      [],
    );
  }
});

Deno.test("Stripe skipped: the unknown-current warning and summary say which organizations' proposed MRR is unknown too", async () => {
  // a1 pro 2 seats, a2 team 5 seats, a3 free: $10 a seat → 20 + 50 + 10 = $80; e1 enterprise
  // keeps current MRR, unknown: its proposed MRR is unknown too, not in the $80
  const skipped = exportFrameFromColumns({
    org_id: ["a1", "a2", "a3", "e1"],
    org_name: ["A1", "A2", "A3", "E1"],
    tier: ["pro", "team", "free", "enterprise"],
    tier_raw: ["pro", "team", "free", "enterprise"],
    seats: [2, 5, 1, 40],
    mrr: [null, null, null, null],
    revenue_source: ["none", "none", "none", "none"],
  });
  const scenario = parseScenario({
    name: "seat_kept",
    plans: [
      { name: "contract", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
      { name: "everyone", perSeatUsd: 10 },
    ],
  });
  const result = await compareScenario(skipped, { scenario });
  assertEquals(
    [
      result.totals.unknownCurrent,
      result.totals.proposedMrrUnknownCurrentUsd,
      result.totals.proposedUnknown,
    ],
    [4, 80, 1],
  );
  assertEquals(result.warnings.filter((w) => w.includes("unknown current MRR")), [
    "4 organizations have unknown current MRR, left out of the totals: revenue not fetched (revenue_source none: Stripe skipped or failed, or a customer Stripe does not know); 1 of them has unknown proposed MRR too (a plan keeping current MRR), not in the proposed $80.00 of the other 3",
  ]);
  const markdown = fixtureMarkdown(result);
  ok(
    markdown.includes(
      "| organizations with unknown current MRR (not above) | 4 (proposed $80.00; 1 of them with unknown proposed MRR too, not in it) |",
    ),
    markdown,
  );
});

Deno.test("customers billed per year or quarter whose MRR a scenario changes are warned about: part of their change is their term discount", async () => {
  // $20 a seat. y1 1 seat, yearly $200 = $16.67 a month: +$3.33. q1 1 seat, "month,year": its
  // $10 → +$10. y2 1 seat yearly at $30: −$10. m1 monthly 2 seats $40: unchanged, not named.
  // y3 yearly, 2 seats at $40: unchanged, not named. So 3 customers, +$3.33, 2 of them pay more
  const frame = exportFrameFromColumns({
    org_id: ["y1", "q1", "y2", "m1", "y3"],
    org_name: ["Y1", "Q1", "Y2", "M1", "Y3"],
    tier: ["pro", "pro", "pro", "pro", "pro"],
    tier_raw: ["pro", "pro", "pro", "pro", "pro"],
    seats: [1, 1, 1, 2, 2],
    mrr: [16.67, 10, 30, 40, 40],
    billing_interval: ["year", "month,year", "year", "month", "year"],
  });
  const seat = parseScenario({ name: "seat", plans: [{ name: "seat", perSeatUsd: 20 }] });
  const result = await compareScenario(frame, { scenario: seat });
  assertEquals(columnOf(result.perOrg, "outcome"), [
    "pays_more",
    "pays_more",
    "pays_less",
    "unchanged",
    "unchanged",
  ]);
  assertEquals(result.warnings.filter((w) => w.includes("billing_interval")), [
    "3 Stripe customers billed per year or quarter (billing_interval other than month) change by +$3.33 a month (2 of them pay more): their MRR is the term's price spread over its months, often below the monthly list price the scenario charges, so part of their change is their term discount, not the scenario's prices",
  ]);
  // all monthly: no warning
  const monthly = await compareScenario(
    frame.withColumns(pl.lit("month").alias("billing_interval")),
    { scenario: seat },
  );
  assertEquals(monthly.warnings.filter((w) => w.includes("billing_interval")), []);

  // changes that net to under a cent: y4 at $9.996 → $20 (+$10.004), y5 at $30 → $20 (−$10):
  // +$0.004 in all, shown $0.00 with no sign (signedUsd's rule: a sign only on a shown change)
  const netting = await compareScenario(
    exportFrameFromColumns({
      org_id: ["y4", "y5"],
      org_name: ["Y4", "Y5"],
      tier: ["pro", "pro"],
      tier_raw: ["pro", "pro"],
      seats: [1, 1],
      mrr: [9.996, 30],
      billing_interval: ["year", "year"],
    }),
    { scenario: seat },
  );
  ok(
    netting.warnings.some((w) =>
      w.startsWith(
        "2 Stripe customers billed per year or quarter (billing_interval other than month) change by $0.00 a month (1 of them pay more)",
      )
    ),
    netting.warnings.join("\n"),
  );

  // y6 yearly at $0 (a 100 % coupon), 1 seat: $0 → $20 is the scenario's price alone (no term
  // discount in a $0 term), so not among them: the warning is the first three customers' above
  const zero = await compareScenario(
    exportFrameFromColumns({
      org_id: ["y1", "q1", "y2", "m1", "y3", "y6"],
      org_name: ["Y1", "Q1", "Y2", "M1", "Y3", "Y6"],
      tier: ["pro", "pro", "pro", "pro", "pro", "pro"],
      tier_raw: ["pro", "pro", "pro", "pro", "pro", "pro"],
      seats: [1, 1, 1, 2, 2, 1],
      mrr: [16.67, 10, 30, 40, 40, 0],
      billing_interval: ["year", "month,year", "year", "month", "year", "year"],
    }),
    { scenario: seat },
  );
  assertEquals(zero.warnings.filter((w) => w.includes("billing_interval")), [
    "3 Stripe customers billed per year or quarter (billing_interval other than month) change by +$3.33 a month (2 of them pay more): their MRR is the term's price spread over its months, often below the monthly list price the scenario charges, so part of their change is their term discount, not the scenario's prices",
  ]);
});
