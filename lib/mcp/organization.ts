/**
 * One organization against its peers: its row, the medians of its tier (`tier`) and plan (its own
 * `plan` column), and its percentile in each numeric metric over the organizations with a value. An
 * organization without a tier or plan is compared with the others without one. describe_dataset's
 * per-plan table counts a Stripe customer several organizations share, with all of them, in the
 * plan of the row carrying its revenue (lib/economics/per_plan.ts), so the profile also says under
 * which plan, and with how many organizations, that table counts this one.
 */
import pl from "nodejs-polars";
import { COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { dataLiteral, frameRows, type Row } from "./text.ts";
import { substringEdits } from "../core/nearest_name.ts";
import { quoteValue } from "../core/quote.ts";
import { withCustomerPlan } from "../economics/per_plan.ts";
import { compareText } from "../core/text_order.ts";

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
   * (`(none)` where none, lib/core/no_plan.ts) and that row's organizations
   */
  perPlanTable: { plan: string; organizations: number };
  /** what its `mrr` is: its own, on a sibling's row (shared Stripe customer), or unknown */
  revenue: OrganizationRevenue;
}

/**
 * An empty `mrr` is either carried by a sibling's row (its shared Stripe customer's revenue,
 * revenue_source shared_customer) or unknown: a bare blank read as $0 or as unknown either way.
 */
export interface OrganizationRevenue {
  mrr: "known" | "on_sibling_row" | "unknown";
  /**
   * the revenue row of its shared Stripe customer, when that row carries its revenue (mrr null
   * there: unknown for all of them, this row's too)
   */
  revenueRow:
    | {
      orgId: string;
      orgName: string | null;
      mrr: number | null;
      revenueSource: string | null;
      organizations: number;
    }
    | null;
  customer: string | null;
  revenueSource: string | null;
}

/** Where row `index`'s MRR is (lib/revenue/columns.ts: the sibling's row carries a shared one). */
function organizationRevenue(frame: pl.DataFrame, row: Row): OrganizationRevenue {
  const customer = (row.stripe_customer_id ?? null) as string | null;
  const revenueSource = (row.revenue_source ?? null) as string | null;
  const none = { revenueRow: null, customer, revenueSource };
  if (row.mrr !== null && row.mrr !== undefined) return { mrr: "known", ...none };
  if (revenueSource !== "shared_customer" || customer === null) {
    return { mrr: "unknown", ...none };
  }
  const siblings = frame.filter(pl.col("stripe_customer_id").eq(pl.lit(customer)));
  const carrier = frameRows(
    siblings.filter(pl.col("revenue_source").neq(pl.lit("shared_customer"))).head(1),
  )[0];
  if (carrier === undefined) return { mrr: "unknown", ...none };
  const carrierMrr = (carrier.mrr ?? null) as number | null;
  return {
    // a revenue row of unknown MRR leaves its siblings' unknown too (mrrKnownFlags)
    mrr: carrierMrr === null ? "unknown" : "on_sibling_row",
    revenueRow: {
      orgId: carrier.org_id as string,
      orgName: carrier.org_name as string | null,
      mrr: carrierMrr,
      revenueSource: (carrier.revenue_source ?? null) as string | null,
      organizations: siblings.height,
    },
    customer,
    revenueSource,
  };
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
 * The index of the organization: its org_id (a UUID: in any case, as UUIDs are written either
 * way), else the exact name (case and all), else the exact name in any case, else a unique part
 * of the name (any case). "Beta Co" finds Beta Co when "beta co" is there too; "BETA CO" finds
 * neither (two match). None found names the nearest names or ids (nearestOrganizations).
 */
export function findOrganization(frame: pl.DataFrame, query: string): number {
  const wanted = query.trim().toLowerCase();
  const byId = rowsWhere(frame, pl.col("org_id").str.toLowerCase().eq(pl.lit(wanted)));
  if (byId.length > 0) return byId[0];
  if (wanted === "") throw new UserError("give an org_id or an organization name");
  const exact = rowsWhere(frame, pl.col("org_name").eq(pl.lit(query.trim())));
  // lower-cased as JS does (Unicode's default case mapping); the substring taken literally
  const name = pl.col("org_name").fillNull(pl.lit("")).str.toLowerCase();
  const anyCase = exact.length > 0 ? exact : rowsWhere(frame, name.eq(pl.lit(wanted)));
  const matches = anyCase.length > 0 ? anyCase : rowsWhere(frame, name.str.contains(wanted, true));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    const near = nearestOrganizations(frame, query.trim());
    throw new UserError(
      `no organization has the id or a name containing ${
        quoteValue(query, { quote: dataLiteral })
      }; ${
        near.length === 0
          ? "none is near it"
          : `nearest: ${near.map(({ id, name }) => `${id} (${shownName(name)})`).join(", ")}`
      }; ${LIST_ORGANIZATIONS}`,
    );
  }
  const first = matches.slice(0, 10);
  const ids = frame.getColumn("org_id").gather(first).toArray() as string[];
  const names = frame.getColumn("org_name").gather(first).toArray() as (string | null)[];
  // each name cut as a bad value is (40 characters): one 9,000-character name filled the error's
  // 2 KB and left one org_id of ten to pick from
  const shown = first.map((_, k) => `${ids[k]} (${shownName(names[k])})`);
  throw new UserError(
    `${matches.length} organizations match ${
      quoteValue(query, { quote: dataLiteral })
    }; ask again by org_id: ${shown.join(", ")}${matches.length > 10 ? ", …" : ""}`,
  );
}

/** A name in an error: a literal, cut past 40 characters as a bad value is (quoteValue). */
function shownName(name: string | null): string {
  return quoteValue(name ?? "", { quote: dataLiteral });
}

/** How to see every organization, for a lookup that found none. */
const LIST_ORGANIZATIONS =
  "query_sql lists them: SELECT org_id, org_name FROM pricing_data ORDER BY org_name";

/** Organizations suggested at most. */
const SUGGESTED = 5;
/**
 * Names compared one by one at most: of more organizations only those sharing a word (3+
 * characters) or the first 4 characters with the query are (Polars picks them), so a lookup
 * over a million still answers in a fraction of a second.
 */
const COMPARED = 100_000;
/** Characters of a query, and of each name, compared at most (a pasted paragraph is no name). */
const COMPARED_CHARS = 256;
/**
 * Characters × characters compared at most (~0.2 s): 100,000 names of 20 characters against a
 * query of 20 take 40 million; long names stop the comparison early, with what was found so far.
 */
const COMPARED_CELLS = 80_000_000;

/**
 * A query that reads as an id, a UUID or its start with a typo ("b03508a0-f84c", "…-1d1a115157cx"):
 * org_ids are compared too. (A short word such as "cafe" is not: one edit from it is in many ids.)
 */
const ID_LIKE = /^[0-9a-z]{8}(-[0-9a-z]*)*$/i;

/**
 * The organizations nearest `query` (already trimmed), nearest first: those whose name has a
 * part a few edits from it (one edit per 3 characters: "Acme Crop" finds "Big Acme Corp Ltd"),
 * and for a query that reads as an id the org_ids a few edits from it (one per 8 characters: a
 * typo, a character dropped).
 */
export function nearestOrganizations(
  frame: pl.DataFrame,
  query: string,
): { id: string; name: string | null }[] {
  if ([...query].length > COMPARED_CHARS) return [];
  const idLike = ID_LIKE.test(query);
  const lower = query.toLowerCase();
  let pool = frame.select("org_id", "org_name");
  if (pool.height > COMPARED) {
    const lowered = (name: string) => pl.col(name).fillNull(pl.lit("")).str.toLowerCase();
    const nameShares = [lower.slice(0, 4), ...lower.split(/[^\p{L}\p{N}]+/u)]
      .filter((piece, k) => k === 0 || piece.length >= 3)
      .map((piece) => lowered("org_name").str.contains(piece, true));
    const idShares = idLike
      ? [lower.slice(0, 8), lower.slice(-8)].map((piece) =>
        lowered("org_id").str.contains(piece, true)
      )
      : [];
    pool = pool.filter([...nameShares, ...idShares].reduce((a, b) => a.or(b))).head(COMPARED);
  }
  const ids = pool.getColumn("org_id").toArray() as string[];
  const names = pool.getColumn("org_name").toArray() as (string | null)[];
  const length = [...query].length;
  const nameEdits = Math.max(1, Math.floor(length / 3));
  const idEdits = Math.max(1, Math.floor(length / 8));
  const near: { id: string; name: string | null; edits: number; whole: number }[] = [];
  let cells = 0;
  for (let k = 0; k < ids.length && cells < COMPARED_CELLS; k++) {
    const [id, name] = [ids[k], names[k]];
    const shortName = name?.slice(0, COMPARED_CHARS) ?? null;
    const byName = shortName === null ? Infinity : substringEdits(query, shortName);
    const byId = idLike && id !== null ? substringEdits(query, id) : Infinity;
    cells += query.length * ((shortName?.length ?? 0) + (idLike ? id?.length ?? 0 : 0));
    const against = byId <= idEdits && byId <= byName ? id : byName <= nameEdits ? name : null;
    if (against === null) continue;
    // of equal edits the one nearer whole first ("Acme Corp" before "Acme Corporation Group")
    const edits = against === id ? byId : byName;
    near.push({ id, name, edits, whole: Math.abs(against.length - query.length) });
  }
  near.sort((a, b) => a.edits - b.edits || a.whole - b.whole || compareText(a.id, b.id));
  return near.slice(0, SUGGESTED).map(({ id, name }) => ({ id, name }));
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
    revenue: organizationRevenue(frame, row),
  };
}
