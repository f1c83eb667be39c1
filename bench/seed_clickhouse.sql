-- Benchmark seed for ClickHouse 18.16: {requests} requests over 45 days before {as_of_epoch},
-- skewed (a few organizations send most requests, many send none), ~2% re-inserted versions,
-- ~5% answered from Helicone's cache (cache_reference_id set: usage_30d.sql leaves them out of
-- the PTB cost), and PTB spend in unmerged SummingMergeTree parts. Organization ids match
-- PostgreSQL's seed.
INSERT INTO request_response_rmt (organization_id, request_id, provider, model, user_id, request_created_at, updated_at, cost, prompt_id, is_passthrough_billing, cache_reference_id)
SELECT
  toUUID(concat(substring(oh, 1, 8), '-', substring(oh, 9, 4), '-', substring(oh, 13, 4), '-', substring(oh, 17, 4), '-', substring(oh, 21, 12))),
  toUUID(concat(substring(rh, 1, 8), '-', substring(rh, 9, 4), '-', substring(rh, 13, 4), '-', substring(rh, 17, 4), '-', substring(rh, 21, 12))),
  'openai', arrayElement(['gpt-4o', 'gpt-4o-mini', 'claude-sonnet'], 1 + number % 3), '',
  toDateTime({as_of_epoch} - cityHash64(number, 1) % (45 * 86400)) AS created,
  created,
  cityHash64(number, 2) % 5000000,
  if(number % 10 = 0, 'p1', ''),
  org % 3 = 0,
  -- a cache hit names the request it was answered from (any non-zero id will do here)
  if(cityHash64(number, 3) % 20 = 0,
    toUUID(concat(substring(oh, 1, 8), '-', substring(oh, 9, 4), '-', substring(oh, 13, 4), '-', substring(oh, 17, 4), '-', substring(oh, 21, 12))),
    toUUID('00000000-0000-0000-0000-000000000000'))
FROM (
  SELECT number,
    1 + toUInt64(pow((cityHash64(number) % 1000003) / 1000003, 4) * {orgs}) AS org,
    lower(hex(MD5(concat('org', toString(org))))) AS oh,
    lower(hex(MD5(concat('req', toString(number))))) AS rh
  FROM numbers({requests})
);

-- ~2% of requests re-inserted with a newer version (a cost backfill), as production does
INSERT INTO request_response_rmt (organization_id, request_id, provider, model, user_id, request_created_at, updated_at, cost, prompt_id, is_passthrough_billing, cache_reference_id)
SELECT organization_id, request_id, provider, model, user_id, request_created_at, updated_at + 3600, cost + 1000, prompt_id, is_passthrough_billing, cache_reference_id
FROM request_response_rmt
WHERE cityHash64(toString(request_id)) % 50 = 0;

INSERT INTO organization_ptb_spend (organization_id, spend)
SELECT organization_id, sum(cost) FROM request_response_rmt WHERE is_passthrough_billing = 1 GROUP BY organization_id;

INSERT INTO organization_ptb_spend (organization_id, spend)
SELECT organization_id, 1000000 FROM request_response_rmt WHERE is_passthrough_billing = 1 GROUP BY organization_id HAVING count() > 100;
