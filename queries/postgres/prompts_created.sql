-- What: how many live prompts each organization has, current (prompts_2025) and legacy (prompt_v2).
--   prompt_v3 named by the spec does not exist in production. prompt_v2.soft_delete is nullable:
--   null counts as live. Prompts created after the as-of instant are not counted.
-- Parameters: {as_of:DateTime} (UTC instant, exclusive).
-- Output: org_id text, prompts_created bigint. One row per organization that has prompts.
SELECT
  p.organization::text AS org_id,
  count(*) AS prompts_created
FROM (
  SELECT organization, created_at FROM prompts_2025 WHERE NOT soft_delete
  UNION ALL
  SELECT organization, created_at FROM prompt_v2 WHERE soft_delete IS NOT TRUE
) AS p
WHERE p.organization IS NOT NULL
  AND (p.created_at IS NULL OR p.created_at < {as_of:DateTime})
GROUP BY p.organization
