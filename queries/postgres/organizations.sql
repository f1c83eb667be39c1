-- What: every live customer organization with its seats and the members active in the window.
--   Soft-deleted and demo-tier organizations are excluded; a null tier is kept (the kit reads it as free).
--   Demo is read as the kit reads tiers (lib/frame/tiers.ts): any case, blanks around it ignored
--   (the characters JavaScript's trim() removes), so 'Demo' or ' demo ' is not exported as "other".
--   Active = auth.users.last_sign_in_at in the window (user_settings.last_active does not exist in
--   production). last_sign_in_at is a snapshot: with an as-of in the past, a member who signed in
--   after it no longer shows as active in the window.
--   Point in time: organizations created at or after the as-of are left out, and
--   seats count members who joined before it (organization_member.created_at); a null created_at
--   (unknown) is kept / counted. Members who left since are gone from the table and cannot count.
-- Parameters: {window_start:DateTime} inclusive, {window_end:DateTime} exclusive, {as_of:DateTime}
--   (the window end: the instant the export describes) (UTC instants).
-- Output: org_id text, org_name text, tier_raw text, created_at timestamptz, stripe_customer_id text,
--   org_subscription_status text, addons_in_metadata text (true add-on keys, comma-separated),
--   seats bigint, active_users_30d bigint. One row per organization. An empty name, tier or customer
--   id is null: the CSV and XLSX cannot tell '' from null, and the snapshot must say what they say.
--   The customer id is read without blanks around it (Stripe ids have none; one pasted by hand with
--   a trailing space was unknown to Stripe and lost the customer's revenue), a blank one is null.
WITH blanks AS (
  -- what JavaScript's trim() removes, as the kit reads tiers (lib/frame/tiers.ts)
  SELECT E' \t\n\x0B\f\r\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF' AS chars
)
SELECT
  o.id::text AS org_id,
  NULLIF(o.name, '') AS org_name,
  NULLIF(o.tier, '') AS tier_raw,
  o.created_at,
  NULLIF(btrim(o.stripe_customer_id, (SELECT chars FROM blanks)), '') AS stripe_customer_id,
  o.subscription_status AS org_subscription_status,
  addons.keys AS addons_in_metadata,
  count(DISTINCT om.member) AS seats,
  count(DISTINCT om.member) FILTER (
    WHERE u.last_sign_in_at >= {window_start:DateTime}
      AND u.last_sign_in_at < {window_end:DateTime}
  ) AS active_users_30d
FROM organization o
LEFT JOIN LATERAL (
  -- stripe_metadata is user-shaped JSON: read addons only when it is an object
  SELECT string_agg(a.key, ',' ORDER BY a.key) AS keys
  FROM jsonb_each(
    CASE WHEN jsonb_typeof(o.stripe_metadata -> 'addons') = 'object'
      THEN o.stripe_metadata -> 'addons' ELSE '{}'::jsonb END
  ) AS a
  WHERE a.value = 'true'::jsonb
) AS addons ON true
LEFT JOIN organization_member om ON om.organization = o.id
  AND (om.created_at IS NULL OR om.created_at < {as_of:DateTime})
LEFT JOIN auth.users u ON u.id = om.member
WHERE NOT o.soft_delete
  AND (o.created_at IS NULL OR o.created_at < {as_of:DateTime})
  AND lower(btrim(o.tier, (SELECT chars FROM blanks))) IS DISTINCT FROM 'demo'
GROUP BY o.id, addons.keys
