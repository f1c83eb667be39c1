-- Benchmark seed for PostgreSQL: a production-shaped company at scale. Integers in {braces} are
-- filled in by bench/seed.ts: {orgs}, {users}, {memberships}, {as_of} (ISO instant).
-- Organization g has id md5('org' || g)::uuid, the same id ClickHouse's seed derives.
INSERT INTO auth.users (id, email, created_at, last_sign_in_at)
SELECT md5('user' || g)::uuid, 'u' || g || '@example.com', timestamptz '{as_of}' - interval '400 days',
  CASE WHEN g % 3 = 0 THEN NULL ELSE timestamptz '{as_of}' - (g % 60) * interval '1 day' END
FROM generate_series(1, {users}) AS g;

INSERT INTO organization (id, name, created_at, tier, stripe_customer_id, subscription_status, stripe_metadata, soft_delete)
SELECT md5('org' || g)::uuid,
  'Org ' || g,
  timestamptz '{as_of}' - (g % 1500) * interval '1 day',
  (ARRAY['free', 'free', 'free', 'free', 'free', 'free', 'pro-20251210', 'pro-20250202',
         'team-20251210', 'enterprise', NULL])[1 + g % 11],
  CASE WHEN g % 5 = 0 THEN 'cus_' || g END,
  CASE WHEN g % 5 = 0 THEN 'active' END,
  CASE WHEN g % 7 = 0 THEN '{"addons": {"prompts": true}}'::jsonb ELSE '{}'::jsonb END,
  g % 101 = 0
FROM generate_series(1, {orgs}) AS g;

-- Members joined before the as-of (seats count them), a few after it (not counted) and some at an
-- unknown time (counted): without created_at the column default (the seeding time, after the
-- as-of) left every organization with 0 seats.
INSERT INTO organization_member (member, organization, org_role, created_at)
SELECT md5('user' || (1 + (g::bigint * 7919) % {users}))::uuid, md5('org' || (1 + g % {orgs}))::uuid, 'member',
  CASE WHEN g % 50 = 0 THEN timestamptz '{as_of}' + interval '3 days'
       WHEN g % 23 = 0 THEN NULL
       ELSE timestamptz '{as_of}' - (1 + g % 700) * interval '1 day' END
FROM generate_series(1, {memberships}) AS g
ON CONFLICT DO NOTHING;

INSERT INTO prompts_2025 (id, organization, soft_delete, created_at)
SELECT 'p' || g, md5('org' || (1 + (g::bigint * 31) % {orgs}))::uuid, g % 10 = 0, timestamptz '{as_of}' - interval '10 days'
FROM generate_series(1, {orgs} / 2) AS g;

INSERT INTO prompt_v2 (id, organization, soft_delete, created_at)
SELECT md5('pv2' || g)::uuid, md5('org' || (1 + (g::bigint * 17) % {orgs}))::uuid,
  CASE WHEN g % 3 = 0 THEN NULL ELSE g % 9 = 0 END, timestamptz '{as_of}' - interval '200 days'
FROM generate_series(1, {orgs} / 4) AS g;

ANALYZE;
