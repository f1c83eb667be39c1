/**
 * One organization against its peers: its row, the medians of its tier (`tier`) and plan
 * (`tier_raw`), and its percentile in each numeric metric over every organization.
 */
import pl from "nodejs-polars";
import { COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { dataLiteral, frameRows, type Row } from "./text.ts";

export const NUMERIC_COLUMNS: readonly string[] = COLUMNS
  .filter((c) => c.type === "integer" || c.type === "number")
  .map((c) => c.name);

export interface OrganizationProfile {
  row: Row;
  tier: string | null;
  plan: string | null;
  /** metric → median over organizations of the same tier (null values skipped) */
  tierMedians: Record<string, number | null>;
  /** metric → median over organizations of the same plan (tier_raw) */
  planMedians: Record<string, number | null>;
  /**
   * metric → percent of organizations with a known value at or below this one's (100 = the
   * highest); null when this organization's value is unknown
   */
  percentiles: Record<string, number | null>;
  peers: { tier: number; plan: number; all: number };
}

/** The index of the organization: exact org_id, else exact name (case-insensitive), else a unique substring. */
export function findOrganization(frame: pl.DataFrame, query: string): number {
  const ids = frame.getColumn("org_id").toArray() as string[];
  const names = (frame.getColumn("org_name").toArray() as (string | null)[]).map((n) => n ?? "");
  const byId = ids.indexOf(query.trim());
  if (byId >= 0) return byId;
  const wanted = query.trim().toLowerCase();
  if (wanted === "") throw new UserError("give an org_id or an organization name");
  const exact = names.flatMap((n, i) => (n.toLowerCase() === wanted ? [i] : []));
  const matches = exact.length > 0
    ? exact
    : names.flatMap((n, i) => (n.toLowerCase().includes(wanted) ? [i] : []));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UserError(`no organization has the id or a name containing ${dataLiteral(query)}`);
  }
  const shown = matches.slice(0, 10).map((i) => `${ids[i]} (${dataLiteral(names[i])})`);
  throw new UserError(
    `${matches.length} organizations match ${dataLiteral(query)}; ask again by org_id: ${
      shown.join(", ")
    }${matches.length > 10 ? ", …" : ""}`,
  );
}

function numbers(frame: pl.DataFrame, name: string): (number | null)[] {
  return (frame.getColumn(name).toArray() as unknown[]).map((v) =>
    v === null || v === undefined ? null : Number(v)
  );
}

export function median(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
}

export function organizationProfile(frame: pl.DataFrame, index: number): OrganizationProfile {
  const row = frameRows(frame.slice(index, 1))[0];
  const tier = row.tier as string | null;
  const plan = row.tier_raw as string | null;
  const same = (column: string, value: string | null) =>
    value === null
      ? frame.filter(pl.col(column).isNull())
      : frame.filter(pl.col(column).eq(pl.lit(value)));
  const tierFrame = same("tier", tier);
  const planFrame = same("tier_raw", plan);
  const profile: OrganizationProfile = {
    row,
    tier,
    plan,
    tierMedians: {},
    planMedians: {},
    percentiles: {},
    peers: { tier: tierFrame.height, plan: planFrame.height, all: frame.height },
  };
  for (const name of NUMERIC_COLUMNS) {
    profile.tierMedians[name] = median(numbers(tierFrame, name));
    profile.planMedians[name] = median(numbers(planFrame, name));
    const own = row[name] as number | null;
    const known = numbers(frame, name).filter((v): v is number => v !== null);
    profile.percentiles[name] = own === null || known.length === 0
      ? null
      : known.filter((v) => v <= own).length / known.length * 100;
  }
  return profile;
}
