/**
 * How complete the LLM cost is: the window's requests with no cost recorded
 * (requests_cost_unknown_30d: cost 0 in ClickHouse, a model the gateway does not price, an unknown
 * provider, a cost not yet backfilled). Their cost is missing from every cost sum, so an analyst
 * pricing on margins must know how many there are: one sentence for the brief's Totals and the MCP
 * server's describe_dataset, none when there are none.
 */
import pl from "nodejs-polars";
import { formatCount, formatPct } from "../report/numbers.ts";

const COLUMN = "requests_cost_unknown_30d";

/** The requests with no cost recorded, the window's requests and the organizations with any. */
export interface CostUnrecorded {
  requests: number;
  windowRequests: number;
  organizations: number;
}

/**
 * The counts over `frame`; null when no request lacks a cost (or the frame lacks the column: an
 * export written before it, whose completeness is not known).
 */
export function costUnrecorded(frame: pl.DataFrame): CostUnrecorded | null {
  if (!frame.columns.includes(COLUMN) || !frame.columns.includes("requests_30d")) return null;
  const counted = pl.col(COLUMN).cast(pl.Float64);
  const row = frame.lazy().select(
    counted.sum().alias("requests"),
    pl.col("requests_30d").cast(pl.Float64).sum().alias("windowRequests"),
    counted.gt(0).cast(pl.Float64).sum().alias("organizations"),
  ).collectSync().toRecords()[0] as unknown as CostUnrecorded;
  return row.requests > 0 ? row : null;
}

/** 2.4 %, or < 0.1 % for a share that rounds to 0.0 % (it is above 0). */
function shareText(part: number, whole: number): string {
  const pct = whole > 0 ? part / whole * 100 : 100;
  return pct < 0.05 ? "< 0.1 %" : formatPct(pct);
}

/**
 * "N requests (X % of the window's) had no cost recorded …": the LLM cost is short of their cost,
 * so it is a lower bound and the margins over it upper bounds; null when there are none.
 */
export function costUnrecordedSentence(frame: pl.DataFrame): string | null {
  const counts = costUnrecorded(frame);
  if (!counts) return null;
  const { requests, windowRequests, organizations } = counts;
  return `${formatCount(requests)} request${requests === 1 ? "" : "s"} (${
    shareText(requests, windowRequests)
  } of the window's) had no cost recorded (\`${COLUMN}\`: cost 0 in ClickHouse, e.g. a model the gateway does not price), so LLM cost is a lower bound and margins are upper bounds for ${
    formatCount(organizations)
  } organization${organizations === 1 ? "" : "s"}.`;
}
