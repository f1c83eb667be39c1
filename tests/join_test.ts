/**
 * The join stage (lib/frame/join.ts) on small hand-made query frames: the order (newest first,
 * org_id on ties, no created_at last), zeros for organizations without usage, the flags, the
 * tier families, the unmatched-usage warning, the refusal of a query that returns an
 * organization twice, and the order sorted ahead (newestFirstOrder) joining the same frame.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { joinOrgFrames, newestFirstOrder } from "../lib/frame/join.ts";
import { quotedTierValues } from "../lib/frame/tiers.ts";
import { columnsToFrame } from "../lib/sources/frames.ts";
import { QUERY_COLUMNS, type QueryFrames } from "../lib/sources/queries.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function organizations(rows: [id: string, tier: string | null, createdDay: number | null][]) {
  return columnsToFrame({
    org_id: rows.map((r) => r[0]),
    org_name: rows.map((r) => `Org ${r[0]}`),
    tier_raw: rows.map((r) => r[1]),
    created_at: rows.map((r) => (r[2] === null ? null : T0 + r[2] * DAY)),
    stripe_customer_id: rows.map(() => null),
    org_subscription_status: rows.map(() => null),
    addons_in_metadata: rows.map(() => null),
    seats: rows.map(() => 2),
    active_users_30d: rows.map(() => 1),
  }, QUERY_COLUMNS.organizations);
}

function frames(): QueryFrames {
  return {
    // c and a share a day (org_id decides: a before c), e has no created_at (last)
    organizations: organizations([
      ["c", "pro-20251210", 5],
      ["e", null, null],
      ["b", "mystery", 9],
      ["a", "team", 5],
      ["d", "free", 1],
    ]),
    promptsCreated: columnsToFrame(
      { org_id: ["a", "d"], prompts_created: [4, 1] },
      QUERY_COLUMNS.prompts_created,
    ),
    // x and y are unknown to PostgreSQL: 2 organizations with usage not exported, x 7 PTB
    // requests ($1.00), y 5 BYOK ones ($0.50)
    usage: columnsToFrame({
      org_id: ["a", "b", "x", "y"],
      requests_30d: [10, 3, 7, 5],
      ptb_requests_30d: [10, 0, 7, 0],
      byok_requests_30d: [0, 3, 0, 5],
      prompts_used_30d: [2, 1, 0, 0],
      requests_cost_unknown_30d: [0, 2, 1, 0],
      // x's one is pass-through (x sent PTB requests only); b's 2 are BYOK
      ptb_requests_cost_unknown_30d: [0, 0, 1, 0],
      llm_cost_nano: [1.5, 0.25, 1, 0.5],
      llm_cost_ptb_nano: [1.5, 0, 1, 0],
      llm_cost_byok_nano: [0, 0.25, 0, 0.5],
    }, QUERY_COLUMNS.usage_30d),
    ptbSpend: columnsToFrame(
      { org_id: ["a", "c"], ptb_spend_nano: [2, 0] },
      QUERY_COLUMNS.ptb_spend,
    ),
  };
}

Deno.test("join: newest first, org_id on ties, no created_at last; zeros, flags and tiers", () => {
  const { frame, warnings } = joinOrgFrames(frames());
  assertEquals(frame.getColumn("org_id").toArray(), ["b", "a", "c", "d", "e"]);
  const column = (name: string) => frame.getColumn(name).toArray();
  assertEquals(column("tier"), ["other", "team", "pro", "free", "free"]);
  assertEquals(column("prompts_created"), [0, 4, 0, 1, 0]);
  assertEquals(column("requests_30d"), [3, 10, 0, 0, 0]);
  assertEquals(column("llm_cost_30d"), [0.25, 1.5, 0, 0, 0]);
  // b's 2 requests without a cost; 0 for those without usage (c, d, e), as requests_30d
  assertEquals(column("requests_cost_unknown_30d"), [2, 0, 0, 0, 0]);
  // none of b's is pass-through; x's (1) is not exported
  assertEquals(column("ptb_requests_cost_unknown_30d"), [0, 0, 0, 0, 0]);
  assertEquals(column("llm_cost_byok_30d"), [0.25, 0, 0, 0, 0]);
  assertEquals(column("ptb_spend_all_time"), [0, 2, 0, 0, 0]);
  assertEquals(column("is_ptb"), [false, true, false, false, false]); // spend > 0: a only
  assertEquals(column("is_byok"), [true, false, false, false, false]); // b: 3 BYOK requests
  // PTB requests and no BYOK: a only (b has BYOK, the others no requests)
  assertEquals(column("has_gateway_only"), [false, true, false, false, false]);
  // the column order the stages after the join have always seen
  assertEquals(frame.columns, [
    "org_id",
    "org_name",
    "tier_raw",
    "created_at",
    "stripe_customer_id",
    "org_subscription_status",
    "addons_in_metadata",
    "seats",
    "active_users_30d",
    "prompts_created",
    "requests_30d",
    "ptb_requests_30d",
    "byok_requests_30d",
    "prompts_used_30d",
    "requests_cost_unknown_30d",
    "ptb_requests_cost_unknown_30d",
    "tier",
    "llm_cost_30d",
    "llm_cost_ptb_30d",
    "llm_cost_byok_30d",
    "ptb_spend_all_time",
    "is_ptb",
    "is_byok",
    "has_gateway_only",
  ]);
  assertEquals(warnings, [
    // x + y: 7 + 5 requests, $1.00 + $0.50 of LLM cost, x's $1.00 pass-through billed
    "2 organizations have requests in the window but are not exported (deleted, demo tier, or unknown to PostgreSQL): 12 requests and $1.50 of LLM cost in the window, $1.00 of it pass-through billed (the company pays it), in no total, plan or margin here",
    'unknown tier values exported as tier "other": "mystery"',
  ]);
});

Deno.test("join: the organizations' order sorted ahead gives the same frame as sorting in the join", async () => {
  const input = frames();
  const order = await newestFirstOrder(input.organizations);
  // b (day 9), a and c (day 5: a first), d (day 1), e (no created_at): rows 2, 3, 0, 4, 1
  assertEquals(order.rows.toArray(), [2, 3, 0, 4, 1]);
  assertEquals(order.repeatsOrgId, false);
  const ahead = joinOrgFrames(input, { organizationsOrder: order });
  const inJoin = joinOrgFrames(frames());
  assertEquals(ahead.frame.columns, inJoin.frame.columns);
  assertEquals(ahead.frame.toRecords(), inJoin.frame.toRecords());
  assertEquals(ahead.warnings, inJoin.warnings);
});

Deno.test("unknown tier values in a warning: each quoted and cut to 40 characters, the first 10, then how many more", () => {
  const tiers = [`a${"x".repeat(45)}`, null, ...Array.from({ length: 10 }, (_, i) => `t${i}`)];
  assertEquals(
    quotedTierValues(tiers),
    `"a${"x".repeat(38)}…", "", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7" and 2 more`,
  );
  assertEquals(quotedTierValues(["line\nbreak"]), '"line\\nbreak"');
});

Deno.test("join: a query that returns an organization twice is refused, naming it", () => {
  const twice = (frame: pl.DataFrame) => pl.concat([frame, frame.head(1)]);
  const cases: [keyof QueryFrames, string][] = [
    ["organizations", "organizations.sql"],
    ["promptsCreated", "prompts_created.sql"],
    ["usage", "usage_30d.sql"],
    ["ptbSpend", "ptb_spend.sql"],
  ];
  for (const [key, file] of cases) {
    const input = frames();
    input[key] = twice(input[key]);
    throws(
      () => joinOrgFrames(input),
      new RegExp(
        `^Error: ${file} returned 1 duplicate org_id rows; it must group by organization$`,
      ),
    );
  }
});

Deno.test("join: organizations returned twice are refused with their order sorted ahead too, two without an org_id among them", async () => {
  const input = frames();
  input.organizations = pl.concat([input.organizations, input.organizations.slice(3, 2)]);
  const order = await newestFirstOrder(input.organizations);
  assertEquals(order.repeatsOrgId, true);
  throws(
    () => joinOrgFrames(input, { organizationsOrder: order }),
    /^Error: organizations.sql returned 2 duplicate org_id rows; it must group by organization$/,
  );
  const noId = frames();
  noId.organizations = noId.organizations.slice(0, 2).withColumns(
    pl.lit(null).cast(pl.Utf8).alias("org_id"),
  );
  throws(
    () => joinOrgFrames(noId),
    /^Error: organizations.sql returned 1 duplicate org_id rows; it must group by organization$/,
  );
  // one organization without an org_id is no repeat (the join leaves it without usage)
  const oneNoId = frames();
  oneNoId.organizations = pl.concat([
    oneNoId.organizations,
    oneNoId.organizations.slice(0, 1).withColumns(pl.lit(null).cast(pl.Utf8).alias("org_id")),
  ]);
  assertEquals((await newestFirstOrder(oneNoId.organizations)).repeatsOrgId, false);
  assertEquals(joinOrgFrames(oneNoId).frame.height, oneNoId.organizations.height);
});

Deno.test("join: one organization's usage not exported is one, with its requests and cost", () => {
  const input = frames();
  // only x left out: 7 PTB requests, $1.00
  input.usage = input.usage.filter(pl.col("org_id").neq(pl.lit("y")));
  const { warnings } = joinOrgFrames(input);
  assertEquals(
    warnings[0],
    "1 organization has requests in the window but is not exported (deleted, demo tier, or unknown to PostgreSQL): 7 requests and $1.00 of LLM cost in the window, $1.00 of it pass-through billed (the company pays it), in no total, plan or margin here",
  );
});

Deno.test("join: usage no organization matched, first, between and last among the usage rows, is counted and summed", () => {
  const input = frames();
  // x first, y between a and b, z last: unknown to PostgreSQL
  input.usage = columnsToFrame({
    org_id: ["x", "a", "y", "b", "z"],
    requests_30d: [7, 10, 5, 3, 1],
    ptb_requests_30d: [7, 10, 0, 0, 1],
    byok_requests_30d: [0, 0, 5, 3, 0],
    prompts_used_30d: [0, 2, 0, 1, 0],
    requests_cost_unknown_30d: [0, 0, 0, 0, 0],
    ptb_requests_cost_unknown_30d: [0, 0, 0, 0, 0],
    llm_cost_nano: [1, 1.5, 0.5, 0.25, 0.25],
    llm_cost_ptb_nano: [1, 1.5, 0, 0, 0.25],
    llm_cost_byok_nano: [0, 0, 0.5, 0.25, 0],
  }, QUERY_COLUMNS.usage_30d);
  const { frame, warnings } = joinOrgFrames(input);
  // b, a, c, d, e: a's and b's own usage
  assertEquals(frame.getColumn("requests_30d").toArray(), [3, 10, 0, 0, 0]);
  assertEquals(frame.getColumn("llm_cost_30d").toArray(), [0.25, 1.5, 0, 0, 0]);
  assertEquals(
    warnings[0],
    // x + y + z: 7 + 5 + 1 requests, $1.00 + $0.50 + $0.25, of it x's $1.00 and z's $0.25 PTB
    "3 organizations have requests in the window but are not exported (deleted, demo tier, or unknown to PostgreSQL): 13 requests and $1.75 of LLM cost in the window, $1.25 of it pass-through billed (the company pays it), in no total, plan or margin here",
  );
  // every usage row matched: no warning of it
  input.usage = input.usage.filter(pl.col("org_id").isIn(["a", "b"]));
  assertEquals(joinOrgFrames(input).warnings, [
    'unknown tier values exported as tier "other": "mystery"',
  ]);
  // the frame keeps no column of the join's own
  assertEquals(joinOrgFrames(input).frame.columns.filter((c) => c.startsWith("__")), []);
});
