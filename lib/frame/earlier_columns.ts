/**
 * The columns earlier versions of the kit wrote. Columns are only ever added (at the end of the
 * table; none has been renamed, retyped or removed), so an earlier version's export has this
 * version's header without the columns added since. A reader that takes such a file (history
 * import, scenario --input) leaves those columns empty and says which; every other reader
 * (compare, the MCP server, the notebooks) takes only a version whose missing columns all came in
 * readAsIs changes (left empty; ExportFile.lacks names them, and describe_dataset says so), and
 * refuses the rest. A header that is no
 * version's (a column renamed, reordered, missing or unknown) is still refused.
 *
 * When a column is added to the table (lib/frame/extra_columns.ts), add it here with when it
 * came, so exports of the versions before it stay readable.
 */
import { COLUMN_NAMES } from "./columns.ts";

/**
 * Columns the kit added in one change, oldest change first. `readAsIs`: every reader takes a file
 * without them (left empty) as it is, since no other column's reading depends on them; without
 * it, a file lacking them is an earlier version's, refused where that matters (an empty plan
 * reads as every organization changing plan).
 */
const ADDED: readonly { columns: readonly string[]; change: string; readAsIs?: boolean }[] = [
  {
    // every export from the first version (36dc4d1, 2026-11-25) to the history snapshots
    // (f6d6c0c) has the 41 columns before these
    change: "the price book and cost model (2dc7364, 2026-12-01)",
    columns: [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ],
  },
  {
    change: "the count of requests with no cost recorded (stop 51, 2026-12-06)",
    columns: ["requests_cost_unknown_30d"],
    // empty in an export from before it: its sentence (brief, describe_dataset) is not said
    readAsIs: true,
  },
  {
    change: "the count of pass-through requests with no cost recorded (stop 53, 2026-12-06)",
    columns: ["ptb_requests_cost_unknown_30d"],
    // empty in an export from before it: the readings bound the company-basis margin as they
    // did before it, by traffic type (the organizations with pass-through traffic)
    readAsIs: true,
  },
  {
    change: "metered usage not billed (stop 59, 2026-12-07)",
    columns: ["unbilled_usage_usd"],
    // empty in an export from before it: its note and count are not said
    readAsIs: true,
  },
  {
    change: "metered usage discounted, apart from unbilled (stop 60, 2026-12-07)",
    columns: ["usage_discounts"],
    // empty in an export from before it: its note and the warning's clause are not said
    readAsIs: true,
  },
];

/** An earlier version's header: this version's columns without those added since. */
export interface EarlierHeader {
  names: readonly string[];
  /** the columns added since, in the table's order */
  lacks: readonly string[];
  /** whether every reader takes it as it is: each column it lacks came in a readAsIs change */
  readAsIs: boolean;
}

/** Every earlier version's header, newest first. */
export const EARLIER_HEADERS: readonly EarlierHeader[] = ADDED.map((_, i) => {
  const since = new Set(ADDED.slice(i).flatMap((added) => added.columns));
  return {
    names: COLUMN_NAMES.filter((name) => !since.has(name)),
    lacks: COLUMN_NAMES.filter((name) => since.has(name)),
    readAsIs: ADDED.slice(i).every((added) => added.readAsIs === true),
  };
}).reverse();

/** The earlier version whose header `header` is exactly, or null (this version's, or none). */
export function earlierHeader(header: readonly string[]): EarlierHeader | null {
  return EARLIER_HEADERS.find((earlier) =>
    earlier.names.length === header.length &&
    earlier.names.every((name, i) => name === header[i])
  ) ?? null;
}
