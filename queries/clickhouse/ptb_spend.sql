-- What: each organization's all-time pass-through-billing spend (the source of is_ptb).
--   organization_ptb_spend is a SummingMergeTree: until parts merge an organization has several
--   rows, so sum them here; a plain SELECT would multiply organizations in the join.
--   Costs are summed as Decimal(38, 0): a UInt64 sum would wrap above 1.8e19 nano-USD. materialize()
--   stops modern ClickHouse rewriting sum(x * 1) into sum(x) * 1, which would wrap again. A Float cost
--   column is refused by 18.16 (Float × Decimal); modern servers sum it as Float: the kit reads a NaN
--   or inf sum as unknown, said in one warning, and refuses a 1e300 one naming the organization.
-- Parameters: {ptb_table:Identifier} (default organization_ptb_spend).
-- Output: org_id String, ptb_spend_nano String (USD × 1e9, exact as decimal text).
--   One row per organization that has a row in the table.
SELECT
  toString(organization_id) AS org_id,
  toString(sum(spend * materialize(toDecimal128(1, 0)))) AS ptb_spend_nano
FROM {ptb_table:Identifier}
GROUP BY organization_id
