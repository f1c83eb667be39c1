/**
 * An unknown PTB or BYOK request count (NaN or infinite from a query: is_byok / has_gateway_only
 * empty) is said, never taken as "no requests": PTB vs BYOK's `traffic unknown` type (its table
 * row, facts, reading, chart caption and the brief's section), the usage charts' captions and the
 * segments' not-judged counts. Nine hand-made organizations, every figure worked out below; with no
 * unknown the answers name no such type.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { usageOnMonthlyBasis } from "../lib/frame/monthly.ts";
import { ptbVsByok, TRAFFIC_TYPES, TRAFFIC_UNKNOWN } from "../lib/analysis/questions.ts";
import { trafficChart } from "../lib/analysis/question_charts.ts";
import { requestsVsCostChart, usageByTierChart } from "../lib/report/charts.ts";
import { segmentFrame } from "../lib/report/segments.ts";

/**
 *       tier        req   ptb req  byok req  is_byok  gw     cost  ptb cost  mrr  customer
 *   g   pro         10    10       0         false    true   5     5         50   cus_g
 *   u1  pro         –     5        –         –        –      3     2         20   cus_u1
 *   u2  team        –     –        4         true     false  7     0         30   cus_u2
 *   k   enterprise  3     0        3         true     false  4     0         100  cus_k
 *   n   free        0     0        0         false    false  0     0         0    (none)
 *   s1  team        –     2        –         –        –      1     1         40   cus_s (revenue row)
 *   s2  team        6     0        6         true     false  2     0         –    cus_s (shared_customer)
 *   t1  free        0     0        0         false    false  0     0         10   cus_t (revenue row)
 *   t2  free        –     0        –         –        false  1     0         –    cus_t (shared_customer)
 *
 * Types: g gateway only; k BYOK only; n no requests;
 * u1 (PTB, BYOK unknown: gateway only or mixed) and u2 (BYOK, PTB unknown: mixed or BYOK only)
 * unknown; cus_s: s1's PTB and s2's BYOK requests make it mixed whatever s1's BYOK count (both
 * moved: s1 from unknown, s2 from BYOK only); cus_t: no PTB, BYOK unknown (t2): unknown (t1 moved
 * from no requests).
 */
export function frame(): pl.DataFrame {
  const f64 = (name: string, values: (number | null)[]) => pl.Series(name, values, pl.Float64);
  const bool = (name: string, values: (boolean | null)[]) => pl.Series(name, values, pl.Bool);
  const text = (name: string, values: (string | null)[]) => pl.Series(name, values, pl.Utf8);
  const ptbCost = [5, 2, 0, 0, 0, 1, 0, 0, 0];
  return pl.DataFrame([
    text("org_id", ["g", "u1", "u2", "k", "n", "s1", "s2", "t1", "t2"]),
    text("org_name", ["g", "u1", "u2", "k", "n", "s1", "s2", "t1", "t2"]),
    text("tier", ["pro", "pro", "team", "enterprise", "free", "team", "team", "free", "free"]),
    f64("requests_30d", [10, null, null, 3, 0, null, 6, 0, null]),
    f64("ptb_requests_30d", [10, 5, null, 0, 0, 2, 0, 0, 0]),
    f64("byok_requests_30d", [0, null, 4, 3, 0, null, 6, 0, null]),
    bool("is_byok", [false, null, true, true, false, null, true, false, null]),
    bool("has_gateway_only", [true, null, false, false, false, null, false, false, false]),
    f64("llm_cost_30d", [5, 3, 7, 4, 0, 1, 2, 0, 1]),
    f64("llm_cost_ptb_30d", ptbCost),
    f64("mrr", [50, 20, 30, 100, 0, 40, null, 10, null]),
    f64("ptb_revenue_30d", [0, 0, 0, 0, 0, 0, null, 0, null]),
    f64("company_cost_30d", ptbCost),
    text("stripe_customer_id", [
      "cus_g",
      "cus_u1",
      "cus_u2",
      "cus_k",
      null,
      "cus_s",
      "cus_s",
      "cus_t",
      "cus_t",
    ]),
    text("revenue_source", [
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "no_customer",
      "stripe",
      "shared_customer",
      "stripe",
      "shared_customer",
    ]),
  ]);
}

const column = (table: pl.DataFrame, name: string) => table.getColumn(name).toArray();

Deno.test("PTB vs BYOK: an organization whose deciding request count is unknown is 'traffic unknown', counted and said, not 'no requests'", () => {
  const answer = ptbVsByok(frame());
  const table = answer.table;
  assertEquals(column(table, "traffic"), [...TRAFFIC_TYPES, TRAFFIC_UNKNOWN]);
  // g | s1 s2 | k | n | u1 u2 t1 t2
  assertEquals(column(table, "organizations"), [1, 2, 1, 1, 4]);
  assertEquals(column(table, "typed_by_customer"), [0, 2, 0, 0, 1]);
  // a type with an unknown count in it has its requests unknown, not the known ones' sum
  assertEquals(column(table, "requests_30d"), [10, null, 3, 0, null]);
  assertEquals(column(table, "llm_cost_30d"), [5, 3, 4, 0, 11]);
  assertEquals(column(table, "llm_cost_ptb_30d"), [5, 1, 0, 0, 2]);
  assertEquals(column(table, "mrr"), [50, 40, 100, 0, 60]);
  const unknown = answer.facts[TRAFFIC_UNKNOWN]!;
  assertEquals(
    [unknown.organizations, unknown.typedByCustomer, unknown.llmCostUsd, unknown.ptbLlmCostUsd],
    [4, 1, 11, 2],
  );
  assertEquals([unknown.mrrUsd, unknown.unknownMrr], [60, 0]);
  assertEquals(answer.facts["no requests"].organizations, 1);
  ok(
    answer.reading.includes(
      ` The traffic type of 4 organizations is unknown (a PTB or BYOK request count that decides it is unknown: NaN, infinite or empty; "traffic unknown", in no type above): $11 of LLM cost ($2 pass-through), $60 MRR.`,
    ),
    answer.reading,
  );
  // typed by their customer: s1 s2 (mixed), t1 (unknown)
  ok(
    answer.reading.includes("3 organizations count in another type than their own"),
    answer.reading,
  );
  // the chart draws its bars and names it in the caption
  const svg = trafficChart(answer).svg;
  ok(svg.includes(TRAFFIC_UNKNOWN), "a bar group labelled traffic unknown");
  ok(
    svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").includes(
      "traffic unknown: 4 organizations whose PTB or BYOK request count is unknown",
    ),
    "caption",
  );
});

Deno.test("PTB vs BYOK with every count known names no 'traffic unknown' type", () => {
  const known = frame().filter(pl.col("org_id").isIn(["g", "k", "n"]));
  const answer = ptbVsByok(known);
  assertEquals(column(answer.table, "traffic"), ["gateway only (PTB)", "BYOK only", "no requests"]);
  assertEquals(Object.keys(answer.facts), [...TRAFFIC_TYPES]);
  ok(!answer.reading.includes("unknown"), answer.reading);
  ok(!trafficChart(answer).svg.includes(TRAFFIC_UNKNOWN));
});

Deno.test("usage charts: an unknown request count is counted apart from 'no requests'", () => {
  const plain = (svg: string) => svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
  // drawn g k s2; no requests n t1 (free 2); unknown u1 (pro), u2 s1 (team), t2 (free)
  const usage = plain(usageByTierChart(frame()).svg);
  ok(usage.includes("with no requests, not shown (log scale): free 2;"), usage);
  ok(
    usage.includes("with requests unknown (NaN or infinite), not shown: free 1, pro 1, team 2."),
    usage,
  );
  // drawn g k s2; n and t1 no requests; u1 u2 s1 t2 requests unknown (their cost above 0)
  const scatter = plain(requestsVsCostChart(frame()).svg);
  ok(
    scatter.includes(
      "3 organizations with requests and cost; 2 with no requests or zero cost not shown (log scales cannot show 0); 4 whose requests or cost is unknown (NaN or infinite) not shown.",
    ),
    scatter,
  );
});

Deno.test("segments: a flag an unknown count leaves empty is counted as not judged", () => {
  // gateway_only: g; u1 and s1 unknown (PTB requests, BYOK unknown); t2 false (no PTB requests)
  const gateway = segmentFrame(frame(), { name: "gateway_only" });
  assertEquals(column(gateway.frame, "org_id"), ["g"]);
  assertEquals(gateway.notJudged, {
    organizations: 2,
    text: "2 organizations with an unknown PTB or BYOK request count not judged",
    unknownCount: 2,
  });
  // byok_paying: u2 k s2 (s2 by cus_s's $40 on s1); u1 s1 t2 is_byok unknown, their customer paying
  const byok = segmentFrame(frame(), { name: "byok_paying" });
  assertEquals(column(byok.frame, "org_id"), ["u2", "k", "s2"]);
  assertEquals(byok.notJudged?.organizations, 3);
  assertEquals(byok.notJudged?.unknownCount, 3);
});

Deno.test("PTB vs BYOK chart: a type whose LLM cost sums an unknown one has no cost bar, and the caption says why", () => {
  // g (gateway only, the type's one organization): LLM and pass-through cost unknown (null)
  const nan = frame().withColumns(
    pl.Series("llm_cost_30d", [null, 3, 7, 4, 0, 1, 2, 0, 1], pl.Float64),
    pl.Series("llm_cost_ptb_30d", [null, 2, 0, 0, 0, 1, 0, 0, 0], pl.Float64),
  );
  const svg = trafficChart(ptbVsByok(nan)).svg;
  ok(
    svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").includes(
      "Not known: gateway only (PTB): no LLM cost or pass-through cost bar, the cost of 1 organization unknown (NaN, infinite or empty; the reading gives the partial sum).",
    ),
    "the caption names the type without cost bars",
  );
  // with every cost known the caption says nothing of it
  ok(!trafficChart(ptbVsByok(frame())).svg.includes("Not known:"));
});

Deno.test("PTB vs BYOK: pass-through requests with no cost only in the unknown traffic type name their column and bound its margins", () => {
  // u1 (unknown): 3 requests with no cost, 2 of them pass-through; u2 (unknown): 1, BYOK; no
  // known type has any: the unknown type's 4, 2 of them pass-through the company pays for
  const unrecorded = frame().withColumns(
    pl.Series("requests_cost_unknown_30d", [0, 3, 1, 0, 0, 0, 0, 0, 0], pl.Float64),
    pl.Series("ptb_requests_cost_unknown_30d", [0, 2, 0, 0, 0, 0, 0, 0, 0], pl.Float64),
  );
  const answer = ptbVsByok(unrecorded);
  const unknown = answer.facts[TRAFFIC_UNKNOWN]!;
  assertEquals([unknown.requestsCostUnknown, unknown.ptbRequestsCostUnknown], [4, 2]);
  ok(
    answer.reading.includes(
      " No cost was recorded (requests_cost_unknown_30d: cost 0 in ClickHouse; ptb_requests_cost_unknown_30d the pass-through ones the company pays the provider for) for 4 requests of organizations of unknown traffic type (2 of them pass-through the company pays for, the other 2 BYOK requests or PTB cache hits: their LLM cost is a lower bound and gross_margin_pct an upper bound, and their pass-through LLM cost and company cost are lower bounds and their company-basis margin an upper bound).",
    ),
    answer.reading,
  );
});

Deno.test("PTB vs BYOK on a 100-day window's basis: 1 request with no cost is the window's 1 request, not < 1 or '0 requests'", () => {
  // u1's 1 pass-through request with no cost in 100 days: the usage goes on the 30-day basis
  // (× 30 / 100), the count stays the window's 1 (a count of requests, not usage)
  const longWindow = usageOnMonthlyBasis(
    frame().withColumns(
      pl.Series("requests_cost_unknown_30d", [0, 1, 0, 0, 0, 0, 0, 0, 0], pl.Float64),
      pl.Series("ptb_requests_cost_unknown_30d", [0, 1, 0, 0, 0, 0, 0, 0, 0], pl.Float64),
    ),
    100,
  );
  const reading = ptbVsByok(longWindow, { windowDays: 100 }).reading;
  ok(reading.includes(" No cost was recorded in the 100-day window itself "), reading);
  ok(reading.includes(" for 1 request of organizations of unknown traffic type ("), reading);
  ok(!reading.includes(" 0 requests"), reading);
});
