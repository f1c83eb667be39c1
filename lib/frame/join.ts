/**
 * The join stage: one row per organization from PostgreSQL, with ClickHouse usage and PTB spend
 * attached. Organizations without requests get zero counts and false flags, never nulls.
 */
import pl from "nodejs-polars";
import type { QueryFrames } from "../sources/queries.ts";
import { quotedTierValues, tierFamily } from "./tiers.ts";

export interface JoinResult {
  frame: pl.DataFrame;
  warnings: string[];
}

/** A query that returns an organization twice would multiply it in the join: refuse instead. */
function assertOneRowPerOrg(frame: pl.DataFrame, query: string): void {
  const unique = frame.getColumn("org_id").nUnique();
  if (unique !== frame.height) {
    throw new Error(
      `${query} returned ${
        frame.height - unique
      } duplicate org_id rows; it must group by organization`,
    );
  }
}

export function joinOrgFrames(frames: QueryFrames): JoinResult {
  assertOneRowPerOrg(frames.organizations, "organizations.sql");
  assertOneRowPerOrg(frames.promptsCreated, "prompts_created.sql");
  assertOneRowPerOrg(frames.usage, "usage_30d.sql");
  assertOneRowPerOrg(frames.ptbSpend, "ptb_spend.sql");
  const warnings: string[] = [];

  // Joins and the distinct tier values, not JS arrays of a million ids and tiers.
  const unmatchedUsage = frames.usage.select("org_id")
    .join(frames.organizations.select("org_id"), { on: "org_id", how: "anti" }).height;
  if (unmatchedUsage > 0) {
    warnings.push(
      `${unmatchedUsage} organizations have requests in the window but are not exported (deleted, demo tier, or unknown to PostgreSQL)`,
    );
  }

  // Each distinct raw tier (in order of first appearance) gets its family once.
  const distinct = frames.organizations.select(pl.col("tier_raw").unique(true))
    .getColumn("tier_raw").toArray() as (string | null)[];
  const known = distinct.filter((t): t is string => t !== null);
  const mapping = pl.DataFrame([
    pl.Series("tier_raw", known, pl.Utf8),
    pl.Series("tier", known.map(tierFamily), pl.Utf8),
  ]);
  const families = frames.organizations.select("tier_raw")
    .join(mapping, { on: "tier_raw", how: "left" })
    .select(pl.col("tier").fillNull(pl.lit(tierFamily(null)))).getColumn("tier");
  const unknownTiers = distinct.filter((t) => tierFamily(t) === "other");
  if (unknownTiers.length > 0) {
    warnings.push(
      `unknown tier values exported as tier "other": ${quotedTierValues(unknownTiers)}`,
    );
  }

  const zero = (name: string) => pl.col(name).fillNull(0).alias(name);
  const frame = frames.organizations
    .join(frames.promptsCreated, { on: "org_id", how: "left" })
    .join(frames.usage, { on: "org_id", how: "left" })
    .join(frames.ptbSpend, { on: "org_id", how: "left" })
    .withColumns(
      families,
      zero("prompts_created"),
      zero("requests_30d"),
      zero("ptb_requests_30d"),
      zero("byok_requests_30d"),
      zero("prompts_used_30d"),
      zero("llm_cost_nano").alias("llm_cost_30d"),
      zero("llm_cost_ptb_nano").alias("llm_cost_ptb_30d"),
      zero("llm_cost_byok_nano").alias("llm_cost_byok_30d"),
      zero("ptb_spend_nano").alias("ptb_spend_all_time"),
    )
    .withColumns(
      pl.col("ptb_spend_all_time").gt(0).alias("is_ptb"),
      pl.col("byok_requests_30d").gt(0).alias("is_byok"),
      pl.col("ptb_requests_30d").gt(0).and(pl.col("byok_requests_30d").eq(0)).alias(
        "has_gateway_only",
      ),
    )
    .drop(["llm_cost_nano", "llm_cost_ptb_nano", "llm_cost_byok_nano", "ptb_spend_nano"])
    // Newest organizations first (the spec's order), org_id breaks ties: the same data always
    // gives the same file.
    .sort(["created_at", "org_id"], [true, false], [true, true]);
  return { frame, warnings };
}
