/**
 * How complete the LLM cost is: the window's requests with no cost recorded
 * (requests_cost_unknown_30d: cost 0 in ClickHouse, a model the gateway does not price, an unknown
 * provider, a cost not yet backfilled). Their cost is missing from every cost sum, so an analyst
 * pricing on margins must know how many there are: one sentence for the brief's Totals and the MCP
 * server's describe_dataset, none when there are none. Of them, ptb_requests_cost_unknown_30d are
 * those the company pays the provider for (pass-through, not cache hits): they alone bound the
 * company-basis margin. An export from before that column is read by traffic type instead (an
 * organization with pass-through traffic may have some).
 */
import pl from "nodejs-polars";
import { formatCount, formatPct } from "../report/numbers.ts";

const COLUMN = "requests_cost_unknown_30d";
const PTB_COLUMN = "ptb_requests_cost_unknown_30d";

/**
 * The requests with no cost recorded, the window's requests, the organizations with any and, of
 * them, those with pass-through (PTB) traffic (null where the frame cannot say: no PTB columns).
 */
export interface CostUnrecorded {
  requests: number;
  windowRequests: number;
  organizations: number;
  withPtb: number | null;
  /** of `organizations`, those whose PTB use is unknown (a request count that decides it is) */
  ptbUnknown: number;
  /**
   * Of `requests`, those the company pays the provider for (PTB_COLUMN), and the organizations
   * that sent them; null where an organization with requests without a cost has it empty (an
   * export from before it).
   */
  companyPaid: { requests: number; organizations: number } | null;
}

const PTB_COLUMNS = ["has_gateway_only", "ptb_requests_30d"];

/**
 * The counts over `frame`; null when no request lacks a cost (or the frame lacks the column: an
 * export written before it, whose completeness is not known). PTB use as the PTB vs BYOK section
 * reads an organization's own: gateway-only or PTB requests in the window (Kleene: unknown stays
 * unknown).
 */
export function costUnrecorded(frame: pl.DataFrame): CostUnrecorded | null {
  if (!frame.columns.includes(COLUMN) || !frame.columns.includes("requests_30d")) return null;
  const counted = pl.col(COLUMN).cast(pl.Float64);
  const ptbKnown = PTB_COLUMNS.every((name) => frame.columns.includes(name));
  const usesPtb = pl.col("has_gateway_only").or(pl.col("ptb_requests_30d").gt(0));
  const some = counted.gt(0);
  const hasPtbCount = frame.columns.includes(PTB_COLUMN);
  const ptbCounted = pl.col(PTB_COLUMN).cast(pl.Float64);
  const row = frame.lazy().select(
    counted.sum().alias("requests"),
    pl.col("requests_30d").cast(pl.Float64).sum().alias("windowRequests"),
    some.cast(pl.Float64).sum().alias("organizations"),
    ...(ptbKnown
      ? [
        some.and(usesPtb.fillNull(false)).cast(pl.Float64).sum().alias("withPtb"),
        some.and(usesPtb.isNull()).cast(pl.Float64).sum().alias("ptbUnknown"),
      ]
      : []),
    ...(hasPtbCount
      ? [
        ptbCounted.sum().alias("ptbRequests"),
        ptbCounted.gt(0).cast(pl.Float64).sum().alias("ptbOrganizations"),
        some.and(ptbCounted.isNull()).cast(pl.Float64).sum().alias("ptbCountUnknown"),
      ]
      : []),
  ).collectSync().toRecords()[0];
  if (!(Number(row.requests) > 0)) return null;
  return {
    requests: Number(row.requests),
    windowRequests: Number(row.windowRequests),
    organizations: Number(row.organizations),
    withPtb: ptbKnown ? Number(row.withPtb) : null,
    ptbUnknown: ptbKnown ? Number(row.ptbUnknown) : 0,
    companyPaid: hasPtbCount && Number(row.ptbCountUnknown) === 0
      ? { requests: Number(row.ptbRequests), organizations: Number(row.ptbOrganizations) }
      : null,
  };
}

/** 2.4 %, or < 0.1 % for a share that rounds to 0.0 % (it is above 0). */
function shareText(part: number, whole: number): string {
  const pct = whole > 0 ? part / whole * 100 : 100;
  return pct < 0.05 ? "< 0.1 %" : formatPct(pct);
}

const orgs = (n: number) => `${formatCount(n)} organization${n === 1 ? "" : "s"}`;

/**
 * What follows "… an upper bound for N organizations": whose company-basis margin the missing cost
 * bounds, only those with PTB traffic (the company pays the provider); a BYOK-only organization's
 * counts no BYOK cost and stands, as the PTB vs BYOK reading says.
 */
function companyMarginWords(counts: CostUnrecorded): string {
  const { organizations, withPtb, ptbUnknown } = counts;
  if (withPtb === null) return ", and the company-basis margin for those with pass-through traffic";
  if (withPtb === organizations) {
    return `, and the company-basis margin too (${
      organizations === 1 ? "it has" : "each has"
    } pass-through traffic)`;
  }
  const byokOnly = organizations - withPtb - ptbUnknown;
  if (withPtb === 0 && byokOnly === 0) {
    return ", and the company-basis margin if they have pass-through traffic (their traffic type is unknown)";
  }
  const are = (n: number) => n === 1 ? "is" : "are";
  const notes = [
    byokOnly > 0
      ? `${withPtb > 0 ? "the other " : ""}${formatCount(byokOnly)} ${
        are(byokOnly)
      } BYOK only: the margin counts no BYOK cost and stands`
      : null,
    ptbUnknown > 0 ? `${orgs(ptbUnknown)} of unknown traffic type may have some` : null,
  ].filter((note) => note !== null).join("; ");
  return withPtb > 0
    ? `, and the company-basis margin for the ${
      formatCount(withPtb)
    } of them with pass-through traffic (${notes})`
    : `, but not the company-basis margin (${notes})`;
}

/**
 * What follows "… an upper bound for N organizations" where the export counts the pass-through
 * ones: the company-basis margin is an upper bound for the organizations that sent those (their
 * PTB and company cost lower bounds), and stands where there are none.
 */
function companyPaidWords({ requests, companyPaid }: CostUnrecorded): string {
  const { requests: paid, organizations } = companyPaid!;
  const column = `\`${PTB_COLUMN}\``;
  if (paid === 0) {
    return `; none was a pass-through request the company pays the provider for (${column} 0: BYOK requests or PTB cache hits), so the company-basis margin stands`;
  }
  const lead = paid === requests
    ? paid === 1 ? "it was" : "all were"
    : `${formatCount(paid)} of them ${paid === 1 ? "was" : "were"}`;
  return `; ${lead} ${
    paid === 1 ? "a pass-through request" : "pass-through requests"
  } the company pays the provider for (${column}), so the company-basis margin is an upper bound for the ${
    orgs(organizations)
  } that sent ${paid === 1 ? "it" : "them"} (their PTB and company cost lower bounds)`;
}

/**
 * "N requests (X % of the window's) had no cost recorded …": the LLM cost is short of their cost,
 * so it is a lower bound and gross_margin_pct an upper bound for every organization with any, the
 * company-basis margin only for those that sent pass-through ones (or, in an export from before
 * their count, those with PTB traffic); null when there are none.
 */
export function costUnrecordedSentence(frame: pl.DataFrame): string | null {
  const counts = costUnrecorded(frame);
  if (!counts) return null;
  const { requests, windowRequests, organizations } = counts;
  return `${formatCount(requests)} request${requests === 1 ? "" : "s"} (${
    shareText(requests, windowRequests)
  } of the window's) had no cost recorded (\`${COLUMN}\`: cost 0 in ClickHouse, e.g. a model the gateway does not price), so LLM cost is a lower bound and \`gross_margin_pct\` an upper bound for ${
    orgs(organizations)
  }${counts.companyPaid ? companyPaidWords(counts) : companyMarginWords(counts)}.`;
}
