/**
 * Before/after comparison of two exports of this kit (the spec's "Export data again after
 * changes, compare before/after"): per-organization deltas of every numeric column, organizations
 * that appeared or disappeared, tier changes, and totals. The exports may have different as-of
 * dates; organizations are matched by org_id.
 *
 * Delta rules: for additive columns (counts and USD amounts) a missing row counts as 0, so an
 * organization that appeared contributes its whole value; an empty cell (unknown) gives an empty
 * delta. Ratio columns (percent, per seat, per request) have a delta only for organizations in
 * both files: a ratio has no meaningful "before" when the organization did not exist.
 *
 * The comparison's files: compare_files.ts.
 */
import pl from "nodejs-polars";
import { collectDroppedFrames } from "../core/memory.ts";
import { quoteValue } from "../core/quote.ts";
import { formatCount } from "../report/numbers.ts";
import { listInWords } from "../core/words.ts";
import { comparedRevenue, SHARED_CUSTOMER, SHARED_CUSTOMER_INPUTS } from "./compare_shared.ts";
import {
  CHANGE_COLUMNS,
  COMPARE_SLICE_ROWS,
  COMPARED_COLUMNS,
  type ComparisonSummary,
  ComparisonTally,
  MRR_ONLY,
  perOrgParts,
} from "./compare_rows.ts";
import {
  ADDITIVE_NAMES,
  type ColumnTotals,
  columnTotals,
  type LikeForLike,
  likeForLikeNeeded,
  likeForLikeSums,
  totalsFrame,
} from "./compare_totals.ts";

// The rows' parts, for the callers of this module.
export {
  CHANGE_COLUMNS,
  cleanDelta,
  COMPARED_COLUMNS,
  type ComparisonCounts,
  type ComparisonSummary,
  HEADLINE_COLUMNS,
  isAdditive,
  type ListedOrganization,
} from "./compare_rows.ts";
export {
  type ComparedSide,
  type ComparisonContext,
  comparisonMarkdown,
  lackedColumnsNote,
  mixedDemoError,
  mixedPartsError,
  reversedOrderError,
  sharedWindowNote,
  windowMismatchWarning,
} from "./compare_markdown.ts";

export type Presence = "both" | "appeared" | "disappeared";

export interface ExportComparison extends ComparisonSummary {
  /**
   * One row per organization in either file: org_id, org_name, presence, then tier, tier_raw and
   * plan each as _old, _new, _changed, <headline>_old/_new, then <column>_delta for every numeric
   * column, then org_name_old (the old name where it changed). Order: organizations in the new
   * file (its order), then those that disappeared.
   */
  perOrg: pl.DataFrame;
}

function assertExportFrame(
  frame: pl.DataFrame,
  which: string,
  { columns = COMPARED_COLUMNS }: { columns?: readonly string[] } = {},
): void {
  const optional: readonly string[] = SHARED_CUSTOMER_INPUTS;
  const missing = columns.filter((name) =>
    !frame.columns.includes(name) && !optional.includes(name)
  );
  if (missing.length > 0) {
    throw new Error(`the ${which} frame is not an export frame: it lacks ${missing.join(", ")}`);
  }
}

/**
 * Compares two export frames (typed as readExportFile or loadPricingData return them; the
 * COMPARED_COLUMNS are enough), column-wise in Polars: a join on org_id, no JS value per
 * organization. The per-organization rows are made a slice at a time (compare_rows.ts);
 * writeComparison writes them as they come instead of holding them.
 */
export function compareExports(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  /** organizations compared at a time (tests pass a small number) */
  { sliceRows = COMPARE_SLICE_ROWS }: { sliceRows?: number } = {},
): ExportComparison {
  const tally = new ComparisonTally();
  [oldFrame, newFrame] = comparedFrames(oldFrame, newFrame);
  const parts = [...tallied(perOrgParts(oldFrame, newFrame, { sliceRows }), tally)];
  const perOrg = parts.length === 1
    ? parts[0]
    : pl.concat(parts, { how: "vertical", rechunk: false });
  return { perOrg, ...framesSummary(oldFrame, newFrame, { tally }) };
}

/**
 * The columns of the largest MRR changes (largestMrrChanges): shared_customer_old/_new say the
 * organization's Stripe customer is shared in that file (empty: not in it), its MRR change then
 * the customer's moving between its organizations (MRR_MOVERS_SHARED_NOTE); org_name_old the old
 * name of one renamed.
 */
export const MRR_MOVER_COLUMNS = [
  "org_id",
  "org_name",
  "presence",
  "tier_old",
  "tier_new",
  "mrr_old",
  "mrr_new",
  "mrr_delta",
  `${SHARED_CUSTOMER}_old`,
  `${SHARED_CUSTOMER}_new`,
  "org_name_old",
] as const;

/** What a largest MRR changes list with a shared customer's organization says of them. */
export const MRR_MOVERS_SHARED_NOTE =
  "shared_customer_old / shared_customer_new true: the organization's Stripe customer is shared with other organizations of that export, whose revenue is shown once, on its paying organization's row (highest tier, then newest; the others count $0); its MRR change is the customer's moving between its organizations, not necessarily new or lost business (see its other organizations' mrr_delta)";

/** Whether largest MRR changes (MRR_MOVER_COLUMNS) list an organization of a shared customer. */
export function moversShareCustomers(movers: pl.DataFrame): boolean {
  const shared = (suffix: string) => pl.col(`${SHARED_CUSTOMER}_${suffix}`).fillNull(false);
  return movers.filter(shared("old").or(shared("new"))).height > 0;
}

/** The `top` rows of a comparison's per-organization rows by |mrr_delta|, ties in row order. */
export function largestMrrChanges(perOrg: pl.DataFrame, top: number): pl.DataFrame {
  return perOrg
    .filter(pl.col("mrr_delta").isNotNull())
    .withColumns(pl.col("mrr_delta").abs().alias("abs_delta"))
    .sort({ by: "abs_delta", descending: true, maintainOrder: true })
    .head(top)
    .select(...MRR_MOVER_COLUMNS);
}

/**
 * The columns a summary's slices compare: the keys, the name, CHANGE_COLUMNS, MRR_ONLY's and
 * whether the organization's Stripe customer is shared (compare_shared.ts).
 */
const SUMMARY_SLICE_COLUMNS = [
  "org_id",
  "org_name",
  ...CHANGE_COLUMNS,
  ...MRR_ONLY.numeric.map((def) => def.name),
  SHARED_CUSTOMER,
];

/**
 * What a summary reads of a file: its slices' columns (revenue_source and stripe_customer_id for
 * `shared_customer`) and the additive ones, for the totals.
 */
export const SUMMARY_COLUMNS: readonly string[] = [
  ...new Set([
    ...SUMMARY_SLICE_COLUMNS.filter((name) => name !== SHARED_CUSTOMER),
    ...SHARED_CUSTOMER_INPUTS,
    ...ADDITIVE_NAMES,
  ]),
];

/** One file as compareExportsSummary needs it: its slices' columns and its totals. */
export interface SummarySide {
  frame: pl.DataFrame;
  totals: ColumnTotals;
  /**
   * The file's org_id and `columns` (additive ones) again, read only where a value is unknown in
   * either file (the totals' change is then like for like: compare_totals.ts).
   */
  reread: (columns: string[]) => Promise<pl.DataFrame>;
}

/**
 * `frame` (at least SUMMARY_COLUMNS) as a summary's side: its totals taken, then only its slices'
 * six columns kept, so a file read for a summary need not stay whole (the MCP server's
 * compare_exports read ~300 MB of a million organizations' snapshot beside the export it holds).
 * A caller that lets the frame go passes `reread` (the default keeps the frame).
 */
export function summarySide(
  frame: pl.DataFrame,
  { reread }: { reread?: (columns: string[]) => Promise<pl.DataFrame> } = {},
): SummarySide {
  assertExportFrame(frame, "compared", { columns: SUMMARY_COLUMNS });
  const compared = comparedRevenue(frame);
  // read again with revenue_source and stripe_customer_id, so a shared_customer row's carried
  // revenue is 0 there too where its customer's is known
  const readAgain = reread ??
    ((columns) => Promise.resolve(frame.select("org_id", ...columns)));
  const inputs = SHARED_CUSTOMER_INPUTS.filter((name) => frame.columns.includes(name));
  return {
    totals: columnTotals(compared, ADDITIVE_NAMES),
    frame: compared.select(...SUMMARY_SLICE_COLUMNS),
    reread: async (columns) =>
      comparedRevenue(await readAgain([...columns, ...inputs]))
        .select("org_id", ...columns, ...inputs.filter((name) => name === "stripe_customer_id")),
  };
}

/**
 * compareExports without its per-organization rows: the summary and the `top` largest MRR
 * changes, each slice of rows let go once tallied and its largest changes kept (the MCP tool's
 * answer: on a million organizations holding every row peaked at ~2.5 GB).
 */
export async function compareExportsSummary(
  oldSide: SummarySide,
  newSide: SummarySide,
  { top, sliceRows = COMPARE_SLICE_ROWS }: { top: number; sliceRows?: number },
): Promise<ComparisonSummary & { largestMrrChanges: pl.DataFrame }> {
  const tally = new ComparisonTally();
  const rows = Math.max(oldSide.frame.height, newSide.frame.height);
  // the whole files the sides were made from, when the caller let them go
  await collectDroppedFrames({ rows });
  let kept: pl.DataFrame | undefined;
  // the tally and the movers read MRR only: parts of every numeric column's delta held ~+200 MB
  // more at a million organizations
  const parts = perOrgParts(oldSide.frame, newSide.frame, { sliceRows, values: MRR_ONLY });
  for (const part of tallied(parts, tally)) {
    const largest = largestMrrChanges(part, top);
    // the earlier slices' first: ties stay in row order
    kept = kept ? largestMrrChanges(pl.concat([kept, largest]), top) : largest;
    await collectDroppedFrames({ rows });
  }
  const needed = likeForLikeNeeded(oldSide.totals, newSide.totals);
  const likeForLike = needed.length === 0
    ? new Map()
    : likeForLikeSums(await oldSide.reread(needed), await newSide.reread(needed), {
      names: needed,
    });
  return {
    ...summaryOf({
      olds: oldSide.totals,
      news: newSide.totals,
      likeForLike,
      heights: [oldSide.frame.height, newSide.frame.height],
      tally,
    }),
    largestMrrChanges: kept!,
  };
}

/** The data rows an empty org_id's refusal names (more are counted). */
const EMPTY_ROWS_NAMED = 3;
const ROW = "__row";

/**
 * The one line refusing a file that holds an organization on several rows (one edited or appended
 * to by another tool; the kit writes one row per organization); null when none repeats. Said
 * before anything joins on org_id: n rows of one organization in each file made n×n (3,000 in two
 * 3,000-row snapshots held 10 GB for 97 s, then failed in Polars' words), and a few summed into
 * the totals silently.
 */
export function repeatedOrganizationError(frame: pl.DataFrame, file: string): string | null {
  // Missing (null) or blank: no organization to name (String(null) read as one named "null"). One
  // of each is the same missing id twice to a reader, though Polars counts them as two values.
  const id = pl.col("org_id").cast(pl.Utf8);
  const isEmpty = id.isNull().or(id.eq(pl.lit("")));
  // (one more than named is read, to tell whether there are more to count)
  const empty = frame.lazy().withRowIndex(ROW, 1).filter(isEmpty).select(ROW)
    .head(EMPTY_ROWS_NAMED + 1).collectSync().getColumn(ROW).toArray() as number[];
  if (empty.length > 1) {
    const count = empty.length <= EMPTY_ROWS_NAMED
      ? empty.length
      : Number(frame.select(isEmpty.sum().alias("n")).getColumn("n").get(0));
    const rows = empty.slice(0, EMPTY_ROWS_NAMED).map(formatCount);
    return `${file} holds ${formatCount(count)} rows with an empty org_id (data rows ${
      count > rows.length
        ? `${rows.join(", ")} and ${formatCount(count - rows.length)} more`
        : listInWords(rows)
    }), and an export has one row per organization: fill in each row's org_id or delete those rows, or compare the files the kit wrote`;
  }
  if (frame.getColumn("org_id").nUnique() === frame.height) return null;
  const [first] = frame.lazy().groupBy("org_id", { maintainOrder: true })
    .agg(pl.len().alias("rows")).filter(pl.col("rows").gt(1)).head(1).collectSync().toRecords();
  return `${file} holds organization ${quoteValue(String(first.org_id))} on ${
    formatCount(Number(first.rows))
  } rows, and an export has one row per organization: compare the files the kit wrote (one edited or appended to by another tool repeats rows)`;
}

/** Two export frames checked for the columns a comparison reads, as compared (comparedRevenue). */
export function comparedFrames(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
): [pl.DataFrame, pl.DataFrame] {
  assertExportFrame(oldFrame, "old");
  assertExportFrame(newFrame, "new");
  return [comparedRevenue(oldFrame), comparedRevenue(newFrame)];
}

/** The parts as they come, each added to `tally` first. */
export function* tallied(
  parts: Iterable<pl.DataFrame>,
  tally: ComparisonTally,
): Generator<pl.DataFrame> {
  for (const part of parts) {
    tally.add(part);
    yield part;
  }
}

export interface FramesSummaryOptions {
  /** the per-organization parts' tally, once every part is tallied */
  tally: ComparisonTally;
}

/** summaryOf of two whole files. */
export function framesSummary(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  { tally }: FramesSummaryOptions,
): ComparisonSummary {
  const [olds, news] = [
    columnTotals(oldFrame, ADDITIVE_NAMES),
    columnTotals(newFrame, ADDITIVE_NAMES),
  ];
  const needed = likeForLikeNeeded(olds, news);
  return summaryOf({
    olds,
    news,
    likeForLike: needed.length === 0
      ? new Map()
      : likeForLikeSums(oldFrame, newFrame, { names: needed }),
    heights: [oldFrame.height, newFrame.height],
    tally,
  });
}

/**
 * Totals, tier, raw tier and plan changes, counts and the listed organizations, once every part is
 * tallied.
 */
function summaryOf(
  { olds, news, likeForLike, heights, tally }: {
    olds: ColumnTotals;
    news: ColumnTotals;
    /** the changes' sums where a value is unknown in either file */
    likeForLike: LikeForLike;
    /** organizations in the old and the new file */
    heights: [number, number];
    tally: ComparisonTally;
  },
): ComparisonSummary {
  return {
    totals: totalsFrame(olds, news, { likeForLike }),
    tierChanges: tally.changes("tier"),
    tierRawChanges: tally.changes("tier_raw"),
    planChanges: tally.changes("plan"),
    counts: {
      organizationsOld: heights[0],
      organizationsNew: heights[1],
      inBoth: tally.inBoth,
      appeared: tally.appeared,
      disappeared: tally.disappeared,
      tierChanged: tally.changed.tier,
      tierRawChanged: tally.changed.tier_raw,
      planChanged: tally.changed.plan,
      renamed: tally.renamed,
    },
    listed: { appeared: tally.first("appeared"), disappeared: tally.first("disappeared") },
  };
}
