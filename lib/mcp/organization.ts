/**
 * One organization against its peers: its row, the medians of its tier (`tier`) and plan (its own
 * `plan` column), and its percentile in each numeric metric over every organization. An
 * organization without a tier or plan is compared with the others without one. describe_dataset's
 * per-plan table counts a Stripe customer several organizations share, with all of them, in the
 * plan of the row carrying its revenue (lib/economics/per_plan.ts), so the profile also says under
 * which plan, and with how many organizations, that table counts this one.
 */
import pl from "nodejs-polars";
import { COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { dataLiteral, frameRows, type Row } from "./text.ts";
import { quoteValue } from "../core/quote.ts";
import { withCustomerPlan } from "../economics/per_plan.ts";

export const NUMERIC_COLUMNS: readonly string[] = COLUMNS
  .filter((c) => c.type === "integer" || c.type === "number")
  .map((c) => c.name);

export interface OrganizationProfile {
  row: Row;
  tier: string | null;
  plan: string | null;
  /** metric → median over organizations of the same tier (null values skipped) */
  tierMedians: Record<string, number | null>;
  /** metric → median over organizations of the same plan (the `plan` column) */
  planMedians: Record<string, number | null>;
  /**
   * metric → percent of organizations with a known value at or below this one's (100 = the
   * highest); null when this organization's value is unknown
   */
  percentiles: Record<string, number | null>;
  peers: { tier: number; plan: number; all: number };
  /**
   * where describe_dataset's per-plan table counts it: its Stripe customer's revenue row's plan
   * (`(no plan)` where none) and that row's organizations
   */
  perPlanTable: { plan: string; organizations: number };
}

/** The per-plan table's plan of row `index` and that plan's organizations there (per_plan.ts). */
function perPlanTablePlan(frame: pl.DataFrame, index: number): OrganizationProfile["perPlanTable"] {
  const plans = withCustomerPlan(frame).select(pl.col("plan").cast(pl.Utf8));
  const plan = plans.getColumn("plan").get(index) as string;
  const organizations = plans.select(pl.col("plan").eq(pl.lit(plan)).sum().alias("n"))
    .getColumn("n").get(0);
  return { plan, organizations: Number(organizations) };
}

/** Row numbers where `predicate` holds (Polars: no JS string per organization). */
function rowsWhere(frame: pl.DataFrame, predicate: pl.Expr): number[] {
  return frame.select(predicate.alias("hit")).getColumn("hit").argTrue().toArray()
    .map(Number);
}

/**
 * The index of the organization: exact org_id, else the exact name (case and all), else the
 * exact name in any case, else a unique part of the name (any case). "Beta Co" finds Beta Co
 * when "beta co" is there too; "BETA CO" finds neither (two match).
 */
export function findOrganization(frame: pl.DataFrame, query: string): number {
  const byId = rowsWhere(frame, pl.col("org_id").eq(pl.lit(query.trim())));
  if (byId.length > 0) return byId[0];
  const wanted = query.trim().toLowerCase();
  if (wanted === "") throw new UserError("give an org_id or an organization name");
  const exact = rowsWhere(frame, pl.col("org_name").eq(pl.lit(query.trim())));
  // lower-cased as JS does (Unicode's default case mapping); the substring taken literally
  const name = pl.col("org_name").fillNull(pl.lit("")).str.toLowerCase();
  const anyCase = exact.length > 0 ? exact : rowsWhere(frame, name.eq(pl.lit(wanted)));
  const matches = anyCase.length > 0 ? anyCase : rowsWhere(frame, name.str.contains(wanted, true));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UserError(
      `no organization has the id or a name containing ${quoteValue(query, dataLiteral)}`,
    );
  }
  const first = matches.slice(0, 10);
  const ids = frame.getColumn("org_id").gather(first).toArray() as string[];
  const names = frame.getColumn("org_name").gather(first).toArray() as (string | null)[];
  // each name cut as a bad value is (40 characters): one 9,000-character name filled the error's
  // 2 KB and left one org_id of ten to pick from
  const shown = first.map((_, k) => `${ids[k]} (${quoteValue(names[k] ?? "", dataLiteral)})`);
  throw new UserError(
    `${matches.length} organizations match ${
      quoteValue(query, dataLiteral)
    }; ask again by org_id: ${shown.join(", ")}${matches.length > 10 ? ", …" : ""}`,
  );
}

/**
 * The median of every numeric column over the rows where `peer` holds (unknown values skipped);
 * filtered inside the expressions: a peer frame would copy every column of ~half the rows.
 */
function medians(frame: pl.DataFrame, peer: pl.Expr): Record<string, number | null> {
  const row = frame.select(...NUMERIC_COLUMNS.map((name) => {
    const value = pl.col(name).cast(pl.Float64);
    return value.filter(peer.and(value.isFinite())).median().alias(name);
  })).toRecords()[0];
  return Object.fromEntries(
    NUMERIC_COLUMNS.map((name) => [name, row[name] === null ? null : Number(row[name])]),
  );
}

/**
 * Column-wise in Polars: a million organizations' profile in a fraction of a second, where a JS
 * array per column and peer group took ~11 s and ~1 GB.
 */
export function organizationProfile(frame: pl.DataFrame, index: number): OrganizationProfile {
  const row = frameRows(frame.slice(index, 1))[0];
  const tier = row.tier as string | null;
  const plan = row.plan as string | null;
  const same = (column: string, value: string | null) =>
    value === null ? pl.col(column).isNull() : pl.col(column).eq(pl.lit(value));
  const peers = frame.select(
    same("tier", tier).sum().alias("tier"),
    same("plan", plan).sum().alias("plan"),
  ).toRecords()[0];
  // percent of known values at or below this organization's
  const known = (name: string) => pl.col(name).isNotNull().sum().alias(`known ${name}`);
  const atOrBelow = (name: string, own: number) =>
    pl.col(name).cast(pl.Float64).lessThanEquals(pl.lit(own)).sum().alias(`below ${name}`);
  const withValue = NUMERIC_COLUMNS.filter((name) => row[name] !== null);
  const counts = withValue.length === 0 ? {} : frame.select(
    ...withValue.flatMap((name) => [known(name), atOrBelow(name, row[name] as number)]),
  ).toRecords()[0];
  const percentiles: Record<string, number | null> = {};
  for (const name of NUMERIC_COLUMNS) {
    const knownCount = Number(counts[`known ${name}`] ?? 0);
    percentiles[name] = row[name] === null || knownCount === 0
      ? null
      : Number(counts[`below ${name}`]) / knownCount * 100;
  }
  return {
    row,
    tier,
    plan,
    tierMedians: medians(frame, same("tier", tier)),
    planMedians: medians(frame, same("plan", plan)),
    percentiles,
    peers: { tier: Number(peers.tier), plan: Number(peers.plan), all: frame.height },
    perPlanTable: perPlanTablePlan(frame, index),
  };
}
