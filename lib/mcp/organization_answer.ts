/**
 * The organization tool's answer from its profile (organization.ts): the text and structured
 * channels, its plan's counts, another window's notes and an empty `mrr`'s note.
 */
import { MONTH_DAYS, windowWarning } from "../frame/monthly.ts";
import { windowAmountRatios } from "../report/brief_window.ts";
import { NO_PLAN, perPlanLabel } from "../core/no_plan.ts";
import { nounFor } from "../core/words.ts";
import { NUMERIC_COLUMNS, type OrganizationProfile } from "./organization.ts";
import { rowWithTextCut } from "./result.ts";
import { cellText } from "./text.ts";

/** "1 organization", "4 organizations" (the count as a number, as the tool's other figures). */
const organizations = (count: number) => `${count} ${nounFor(count, "organization")}`;

/**
 * Its plan's organizations by the `plan` column (the plan medians' peers) and, where that differs,
 * where describe_dataset's per-plan table counts it: a shared Stripe customer's organizations are
 * there in the plan of the row carrying its revenue.
 */
function planCounts(profile: OrganizationProfile, shownPlan: string): string {
  const own = perPlanLabel(profile.plan);
  const table = profile.perPlanTable;
  if (table.plan === own && table.organizations === profile.peers.plan) {
    return `${organizations(profile.peers.plan)}, as in describe_dataset's per-plan table`;
  }
  const why =
    "which counts a Stripe customer several organizations share, with all of them, in the plan of the row carrying its revenue";
  return `${organizations(profile.peers.plan)} with this plan column; ${
    table.plan === own
      ? `${table.organizations} in describe_dataset's per-plan table, ${why}`
      : `describe_dataset's per-plan table counts it under ${cellText(shownPlan)}, ${
        organizations(table.organizations)
      }, ${why}`
  }`;
}

/**
 * Another window's notes on an organization's figures: the export's window warning, and each
 * money ratio left at the window's length beside a monthly one (cost_per_seat beside
 * revenue_per_seat), as the brief's Scope says them; none for 30 days.
 */
function organizationWindowNotes(windowDays: number): string[] {
  const warning = windowWarning(windowDays);
  if (warning === null) return [];
  return [
    warning,
    ...windowAmountRatios().map(({ name, monthly }) =>
      `${name} is a ${windowDays}-day figure${
        monthly.length > 0 ? ` beside monthly ${monthly.join(", ")}` : ""
      }: × ${MONTH_DAYS} / ${windowDays} puts it on a ${MONTH_DAYS}-day basis before comparing`
    ),
  ];
}

/**
 * The note on an empty `mrr`: the sibling's row carrying its shared customer's revenue, or unknown
 * (that row's unknown too, or none carrying it; null when its MRR is its own and known). Names cut
 * past `maxChars` as the row's.
 */
function revenueOut(
  revenue: OrganizationProfile["revenue"],
  maxChars: number,
): { mrr: string; note: string | null; revenue_row: Record<string, unknown> | null } {
  const carrier = revenue.revenueRow;
  if (revenue.mrr === "known") return { mrr: "known", note: null, revenue_row: null };
  if (carrier === null) {
    return {
      mrr: "unknown",
      note: `mrr unknown (revenue_source ${
        revenue.revenueSource === null ? "empty" : cellText(revenue.revenueSource)
      }), not $0: it is in no MRR total; pricing://dictionary defines revenue_source`,
      revenue_row: null,
    };
  }
  const shown = rowWithTextCut({ org_name: carrier.orgName }, maxChars).org_name as string | null;
  const all = carrier.organizations;
  const revenueRow = {
    org_id: carrier.orgId,
    org_name: shown,
    mrr: carrier.mrr,
    organizations: all,
  };
  if (revenue.mrr === "unknown") {
    return {
      mrr: "unknown",
      note: `mrr unknown, not $0: Stripe customer ${
        cellText(revenue.customer)
      } is shared by ${all} organizations and its revenue row, ${cellText(carrier.orgId)} ${
        cellText(shown)
      }, has unknown mrr (revenue_source ${
        carrier.revenueSource === null ? "empty" : cellText(carrier.revenueSource)
      }); it is in no MRR total`,
      revenue_row: revenueRow,
    };
  }
  return {
    mrr: "on_sibling_row",
    note: `mrr empty on this row, not unknown: Stripe customer ${
      cellText(revenue.customer)
    } is shared by ${all} organizations and its revenue is on the row of ${
      cellText(carrier.orgId)
    } ${cellText(shown)} (mrr ${cellText(carrier.mrr)} USD per month for all ${all})`,
    revenue_row: revenueRow,
  };
}

/** An organization's profile in both channels, its text values cut past `maxChars`. */
export function organizationOut(
  profile: OrganizationProfile,
  { maxChars, windowDays }: { maxChars: number; windowDays: number },
): { text: string; structured: Record<string, unknown> } {
  const row = rowWithTextCut(profile.row, maxChars);
  const tier = row.tier as string | null, plan = row.plan as string | null;
  const windowNotes = organizationWindowNotes(windowDays);
  const revenue = revenueOut(profile.revenue, maxChars);
  const perPlanTable = {
    ...profile.perPlanTable,
    plan: rowWithTextCut({ plan: profile.perPlanTable.plan }, maxChars).plan as string,
  };
  const lines = [
    `organization ${cellText(row.org_id)} ${cellText(row.org_name)}; tier ${
      tier === null ? "(no tier)" : cellText(tier)
    } (${organizations(profile.peers.tier)}), plan ${plan === null ? NO_PLAN : cellText(plan)} (${
      planCounts(profile, perPlanTable.plan)
    })`,
    ...(revenue.note === null ? [] : [`note: ${revenue.note}`]),
    ...windowNotes.map((note) => `note: ${note}`),
    "fields:",
    ...Object.entries(row).filter(([k]) => !NUMERIC_COLUMNS.includes(k)).map(([k, v]) =>
      `- ${k}: ${cellText(v)}`
    ),
    // over the organizations with a value: "of all N" read a paying-only metric's 60 as 60 % of all
    `metric | value | tier median | plan median | percentile (percent at or below it of the organizations with a value, of ${profile.peers.all}: empty cells left out)`,
    ...NUMERIC_COLUMNS.map((m) =>
      `${m} | ${cellText(row[m])} | ${cellText(profile.tierMedians[m])} | ${
        cellText(profile.planMedians[m])
      } | ${profile.percentiles[m] === null ? "" : cellText(profile.percentiles[m])}`
    ),
  ];
  return {
    text: lines.join("\n"),
    structured: {
      row,
      tier,
      plan,
      peers: profile.peers,
      per_plan_table: perPlanTable,
      revenue,
      tier_medians: profile.tierMedians,
      plan_medians: profile.planMedians,
      percentiles: profile.percentiles,
      window_notes: windowNotes,
    },
  };
}
