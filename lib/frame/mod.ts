/** What lib/frame/ offers. */
export { AS_OF_EFFECT, withAsOfEffect } from "./as_of.ts";
export {
  COLUMN_NAMES,
  COLUMN_NOTES,
  type ColumnDef,
  columnDef,
  COLUMNS,
  type ColumnSource,
  type ColumnType,
  type ColumnUnit,
  HEADLINE_COLUMNS,
  SPEC_COLUMN_NAMES,
} from "./columns.ts";
export { joinOrgFrames, type JoinResult } from "./join.ts";
export { addMetricColumns } from "./metrics.ts";
export { quotedTierValues, TIER_FAMILIES, type TierFamily, tierFamily } from "./tiers.ts";
