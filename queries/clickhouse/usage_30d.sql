-- What: each organization's requests, LLM cost and prompt usage in the window, each request once.
--   request_response_rmt is a ReplacingMergeTree: re-inserted versions of a request (score updates,
--   cost backfills) stay as extra rows until parts merge, so FINAL keeps the newest version only.
--   FINAL merges the rows of one sorting key (organization_id, provider, model, user_id,
--   request_created_at, request_id): those re-inserts keep it; one that changed, say, the model
--   would count the request twice (production-schema.md names no such re-insert).
--   Costs are summed as Decimal(38, 0): a UInt64 sum would wrap above 1.8e19 nano-USD. materialize()
--   stops modern ClickHouse rewriting sum(x * 1) into sum(x) * 1, which would wrap again. A Float cost
--   column is refused by 18.16 (Float × Decimal); modern servers sum it as Float: the kit reads a NaN
--   or inf sum as unknown, said in one warning, and refuses a 1e300 one naming the organization.
--   Booleans are compared with 0/1 so the SQL runs on Bool (production) and UInt8 (ClickHouse 18.16).
--   llm_cost_ptb_nano, the LLM cost the company pays, leaves out cache hits (cache_reference_id set
--   to the request whose cached response answered them; the zero UUID, Helicone's DEFAULT_UUID, on
--   every other request): Helicone answers them from its cache without calling the provider, so the
--   company pays the provider nothing for them, and production's PTB invoicing leaves them out too
--   (is_passthrough_billing AND cache_reference_id = DEFAULT_UUID). llm_cost_nano and
--   llm_cost_byok_nano keep them (the spec's sum(cost)), so PTB + BYOK can be less than all cost.
--   requests_cost_unknown_30d counts the requests with no cost recorded: cost is UInt64, never
--   NULL, so a request the gateway could not price (model unpriced, provider unknown, cost not yet
--   backfilled) holds 0; a backfill re-inserts it with its cost, and FINAL then counts it no more.
--   A free request reads the same (0 is all the table holds): counted too. A NaN cost (a modern
--   server's Float column) is not 0 and not counted here; the sums read it as unknown.
--   ptb_requests_cost_unknown_30d counts those of them inside llm_cost_ptb_nano's own condition
--   (pass-through, not a cache hit): the requests whose missing cost the company's cost basis
--   lacks. A PTB cache hit at cost 0 calls no provider, so it bounds llm_cost_nano only; the rest
--   (requests_cost_unknown_30d − this) are BYOK requests and such cache hits.
-- Parameters: {window_start:DateTime} inclusive, {window_end:DateTime} exclusive (UTC instants;
--   as DateTime they are whole seconds, rounded down, and only narrow the scan to the partitions
--   (a second of slack each side: modern ClickHouse compares DateTime64 with DateTime as if the
--   DateTime64 were rounded up to the second, 18.16 has whole seconds only);
--   as Float64, Unix seconds with milliseconds, they decide: the window is exact to the
--   millisecond on DateTime64(3) and on 18.16's DateTime, the same instants PostgreSQL gets),
--   {request_table:Identifier} (default request_response_rmt).
-- Output: org_id String, requests_30d, ptb_requests_30d, byok_requests_30d, prompts_used_30d,
--   requests_cost_unknown_30d, ptb_requests_cost_unknown_30d UInt64,
--   llm_cost_nano, llm_cost_ptb_nano, llm_cost_byok_nano String (USD × 1e9, exact as decimal text).
--   One row per organization with requests in the window.
SELECT
  toString(organization_id) AS org_id,
  count() AS requests_30d,
  countIf(is_passthrough_billing = 1) AS ptb_requests_30d,
  countIf(is_passthrough_billing = 0) AS byok_requests_30d,
  countIf(prompt_id != '') AS prompts_used_30d,
  countIf(cost = 0) AS requests_cost_unknown_30d,
  countIf(
    cost = 0 AND is_passthrough_billing = 1
      AND cache_reference_id = toUUID('00000000-0000-0000-0000-000000000000')
  ) AS ptb_requests_cost_unknown_30d,
  toString(sum(cost * materialize(toDecimal128(1, 0)))) AS llm_cost_nano,
  toString(sumIf(
    cost * materialize(toDecimal128(1, 0)),
    is_passthrough_billing = 1 AND cache_reference_id = toUUID('00000000-0000-0000-0000-000000000000')
  )) AS llm_cost_ptb_nano,
  toString(sumIf(cost * materialize(toDecimal128(1, 0)), is_passthrough_billing = 0)) AS llm_cost_byok_nano
FROM {request_table:Identifier} FINAL
WHERE request_created_at >= {window_start:DateTime} - 1
  AND request_created_at < {window_end:DateTime} + 2
  AND toFloat64(request_created_at) >= {window_start:Float64}
  AND toFloat64(request_created_at) < {window_end:Float64}
GROUP BY organization_id
