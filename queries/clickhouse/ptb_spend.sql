-- What: each organization's all-time pass-through-billing spend (the source of is_ptb).
--   organization_ptb_spend is a SummingMergeTree: until parts merge an organization has several
--   rows, so sum them here; a plain SELECT would multiply organizations in the join.
-- Parameters: {ptb_table:Identifier} (default organization_ptb_spend).
-- Output: org_id String, ptb_spend_nano String (USD × 1e9, exact as decimal text).
--   One row per organization that has a row in the table.
SELECT
  toString(organization_id) AS org_id,
  toString(sum(spend)) AS ptb_spend_nano
FROM {ptb_table:Identifier}
GROUP BY organization_id
