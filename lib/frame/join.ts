/**
 * The join stage: one row per organization from PostgreSQL, with ClickHouse usage and PTB spend
 * attached. Organizations without requests get zero counts and false flags, never nulls; a value
 * a query returned unknown (a NaN or ±inf, lib/sources/queries.ts warns) stays unknown, and so does
 * the flag read from it (is_ptb from an unknown ptb_spend_all_time: empty, not false).
 */
import pl from "nodejs-polars";
import type { QueryFrames } from "../sources/queries.ts";
import { quotedTierValues, tierFamily } from "./tiers.ts";
import { formatUsd } from "../core/usd.ts";

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

/** The usage row an organization matched (the rows none matched are the unexported usage). */
const USAGE_ROW = "__usage_row";
/** Mark the prompt and PTB spend rows an organization matched (zeroIfAbsent). */
const IN_PROMPTS = "__in_prompts";
const IN_PTB = "__in_ptb";

/** Row numbers: the order newestFirst computes, and a barrier between its two sorts. */
const ROW = "__row";
const BETWEEN_SORTS = "__between_sorts";
/** A row's org_id is the one before it in org_id order: one organization returned twice. */
const SAME_AS_PREVIOUS = "__same_as_previous";

/**
 * The organizations' order (newestFirstOrder): the row numbers newest first, and whether an org_id
 * is on two rows, seen where the sort on org_id puts equal ids side by side (a count of distinct
 * ids hashed every one again: ~0.1 s of CPU at a million organizations, stop 55).
 */
export interface OrganizationsOrder {
  rows: pl.Series;
  repeatsOrgId: boolean;
}

/**
 * Newest organizations first (the spec's order), org_id breaks ties: the same data always gives
 * the same file. Two passes, org_id then a stable sort on created_at, give the same order as one
 * sort on both keys at a fraction of its cost (a two-key sort encodes every org_id as a row key).
 * Polars's optimiser merges two adjacent sorts back into that two-key sort (4× slower at 1M
 * organizations): a row index between them keeps them apart. The passes run on the two keys
 * and a row number only; the frame is gathered once, in the caller's lazy plan. `order`: the
 * row numbers newestFirstOrder worked out for this frame already.
 */
export function newestFirst(frame: pl.DataFrame, order?: pl.Series): pl.LazyDataFrame {
  const rows = order ?? orderPlan(frame).select(ROW).collectSync().getColumn(ROW);
  return frame.lazy().select(pl.all().gather(rows));
}

/**
 * newestFirst's row numbers of `frame`, sorted on Polars's threads while the caller goes on: the
 * export starts it as the organizations query is done, so the sort (~30 ms of CPU at 100k
 * organizations, ~0.5 s at a million) runs while ClickHouse still answers, not in the join.
 */
export async function newestFirstOrder(frame: pl.DataFrame): Promise<OrganizationsOrder> {
  return organizationsOrderOf(frame, await orderPlan(frame).collect());
}

function organizationsOrderOf(frame: pl.DataFrame, order: pl.DataFrame): OrganizationsOrder {
  return {
    rows: order.getColumn(ROW),
    // (null ids sort together too; their == is null, so they are counted apart)
    repeatsOrgId: Boolean(order.getColumn(SAME_AS_PREVIOUS).any()) ||
      frame.getColumn("org_id").nullCount() > 1,
  };
}

/**
 * Organizations up to which the export sorts their order (newestFirstOrder) on Polars's threads
 * while ClickHouse still answers, not in the join after the queries: at 100k the usage query's
 * FINAL runs on one core with the other mostly idle, and the sort (~30 ms of CPU) leaves the main
 * thread's path from the last answer to the charts. At a million the queries stage is CPU-bound
 * (the databases and the kit use both cores) and its ~0.5 s there was not measured.
 */
const SORT_AHEAD_UP_TO = 250_000;

/** The organizations' order, sorted ahead unless there are many; a failure is the join's to say. */
export function newestFirstOrderAhead(
  organizations: pl.DataFrame,
): Promise<OrganizationsOrder | undefined> | undefined {
  if (organizations.height > SORT_AHEAD_UP_TO) return undefined;
  return newestFirstOrder(organizations).catch(() => undefined);
}

/** The row numbers newest first, and SAME_AS_PREVIOUS from between the sorts. */
function orderPlan(frame: pl.DataFrame): pl.LazyDataFrame {
  const id = pl.col("org_id");
  return frame.lazy().select("org_id", "created_at").withRowIndex(ROW)
    .sort({ by: "org_id", nullsLast: true })
    .withColumns(id.eq(id.shift(1)).fillNull(false).alias(SAME_AS_PREVIOUS))
    .withRowIndex(BETWEEN_SORTS)
    .sort({ by: "created_at", descending: true, nullsLast: true, maintainOrder: true })
    .select(ROW, SAME_AS_PREVIOUS);
}

/**
 * The organizations joined with the other queries' frames, newest first. `organizationsOrder`:
 * newestFirstOrder of frames.organizations, when worked out already.
 */
export function joinOrgFrames(
  frames: QueryFrames,
  { organizationsOrder }: { organizationsOrder?: OrganizationsOrder } = {},
): JoinResult {
  const order = organizationsOrder ??
    organizationsOrderOf(frames.organizations, orderPlan(frames.organizations).collectSync());
  if (order.repeatsOrgId) assertOneRowPerOrg(frames.organizations, "organizations.sql");
  const warnings: string[] = [];

  // Each distinct raw tier (in order of first appearance) gets its family once.
  const distinct = frames.organizations.select(pl.col("tier_raw").unique(true))
    .getColumn("tier_raw").toArray() as (string | null)[];
  const known = distinct.filter((t): t is string => t !== null);
  const mapping = pl.DataFrame([
    pl.Series("tier_raw", known, pl.Utf8),
    pl.Series("tier", known.map(tierFamily), pl.Utf8),
  ]);

  // Sorted first: the one gather of every organization column. The joins then run on the key and
  // the raw tier alone and their columns are set beside the sorted frame: a left join gathers
  // every left column again, so joining the whole frame moved its 9 columns (5 of them text) four
  // times (at a million organizations the stage took ~10 % more CPU). Each query's frame must hold
  // one row per organization: "m:1" checks it as the join builds its table, and the duplicates
  // are counted for the message only when it fails.
  const join = { on: "org_id", how: "left", validate: "m:1", maintainOrder: "left" } as const;
  // 0 for an organization the query returned no row for; a value its row holds unknown (a NaN
  // or ±inf read as null, said by the query stage) stays unknown, not 0
  const zero = (name: string, matched: string) =>
    pl.when(pl.col(matched).isNull()).then(pl.lit(0)).otherwise(pl.col(name)).alias(name);
  let frame: pl.DataFrame;
  try {
    const sorted = newestFirst(frames.organizations, order.rows).collectSync();
    const attached = sorted.lazy().select("org_id", "tier_raw")
      .join(frames.promptsCreated.lazy().withColumns(pl.lit(true).alias(IN_PROMPTS)), join)
      .join(frames.usage.lazy().withRowIndex(USAGE_ROW), join)
      .join(frames.ptbSpend.lazy().withColumns(pl.lit(true).alias(IN_PTB)), join)
      // the tier family last, so the columns keep their order
      .join(mapping.lazy(), { on: "tier_raw", how: "left", maintainOrder: "left" })
      .drop("org_id", "tier_raw")
      .collectSync();
    frame = sorted.hstack(attached).lazy()
      .withColumns(
        pl.col("tier").fillNull(pl.lit(tierFamily(null))),
        zero("prompts_created", IN_PROMPTS),
        zero("requests_30d", USAGE_ROW),
        zero("ptb_requests_30d", USAGE_ROW),
        zero("byok_requests_30d", USAGE_ROW),
        zero("prompts_used_30d", USAGE_ROW),
        zero("requests_cost_unknown_30d", USAGE_ROW),
        zero("ptb_requests_cost_unknown_30d", USAGE_ROW),
        zero("llm_cost_nano", USAGE_ROW).alias("llm_cost_30d"),
        zero("llm_cost_ptb_nano", USAGE_ROW).alias("llm_cost_ptb_30d"),
        zero("llm_cost_byok_nano", USAGE_ROW).alias("llm_cost_byok_30d"),
        zero("ptb_spend_nano", IN_PTB).alias("ptb_spend_all_time"),
      )
      .withColumns(
        pl.col("ptb_spend_all_time").gt(0).alias("is_ptb"),
        pl.col("byok_requests_30d").gt(0).alias("is_byok"),
        pl.col("ptb_requests_30d").gt(0).and(pl.col("byok_requests_30d").eq(0)).alias(
          "has_gateway_only",
        ),
      )
      .drop([
        "llm_cost_nano",
        "llm_cost_ptb_nano",
        "llm_cost_byok_nano",
        "ptb_spend_nano",
        IN_PROMPTS,
        IN_PTB,
      ])
      .collectSync();
  } catch (error) {
    assertOneRowPerOrg(frames.promptsCreated, "prompts_created.sql");
    assertOneRowPerOrg(frames.usage, "usage_30d.sql");
    assertOneRowPerOrg(frames.ptbSpend, "ptb_spend.sql");
    throw error;
  }

  // Usage of organizations PostgreSQL does not export: the usage rows no organization matched.
  const taken = frame.getColumn(USAGE_ROW);
  if (taken.len() - taken.nullCount() < frames.usage.height) {
    const unmatched = unmatchedRows(taken, frames.usage.height);
    warnings.push(
      unexportedUsageWarning(unexportedUsage(frames.usage, unmatched), unmatched.length),
    );
  }
  const unknownTiers = distinct.filter((t) => tierFamily(t) === "other");
  if (unknownTiers.length > 0) {
    warnings.push(
      `unknown tier values exported as tier "other": ${quotedTierValues(unknownTiers)}`,
    );
  }

  frame = frame.drop(USAGE_ROW);
  return { frame, warnings };
}

/** The usage rows no organization matches, summed (0 each when there are none). */
interface UnexportedUsage {
  requests: number;
  cost: number;
  ptb: number;
}

/**
 * The rows of a query frame of `height` rows that no organization took (`taken`: the row numbers
 * the join set beside the organizations, null where none), in the frame's order. Marked in a byte
 * a row: an anti join of the usage against the organizations, which found them before, hashed
 * every org_id again (~0.2 s of CPU at a million organizations, stop 56).
 */
function unmatchedRows(taken: pl.Series, height: number): Uint32Array {
  const isTaken = new Uint8Array(height);
  for (const row of taken.dropNulls().toTypedArray() as Uint32Array) isTaken[row] = 1;
  const rows = new Uint32Array(height - isTaken.reduce((sum, t) => sum + t, 0));
  for (let row = 0, at = 0; row < height; row++) if (isTaken[row] === 0) rows[at++] = row;
  return rows;
}

/**
 * The usage `rows`, summed: gathered in the usage frame's order into one chunk, as the anti join
 * that found them before gave them, so the float sums add in the same order to the same bits.
 */
function unexportedUsage(usage: pl.DataFrame, rows: Uint32Array): UnexportedUsage {
  return usage.lazy().select("requests_30d", "llm_cost_nano", "llm_cost_ptb_nano")
    .select(pl.all().gather(pl.Series(rows)))
    .select(
      pl.col("requests_30d").cast(pl.Float64).sum().alias("requests"),
      pl.col("llm_cost_nano").cast(pl.Float64).sum().alias("cost"),
      pl.col("llm_cost_ptb_nano").cast(pl.Float64).sum().alias("ptb"),
    )
    .collectSync().toRecords()[0] as unknown as UnexportedUsage;
}

/**
 * The usage of organizations the export leaves out, counted: their PTB cost is the company's and
 * is in no total, plan or margin, so a reader weighing the margins needs its size, not only how
 * many organizations it is.
 */
function unexportedUsageWarning(left: UnexportedUsage, organizations: number): string {
  return `${organizations.toLocaleString("en-US")} organization${
    organizations === 1 ? " has" : "s have"
  } requests in the window but ${
    organizations === 1 ? "is" : "are"
  } not exported (deleted, demo tier, or unknown to PostgreSQL): ${
    Math.round(left.requests).toLocaleString("en-US")
  } requests and ${formatUsd(left.cost)} of LLM cost in the window, ${
    formatUsd(left.ptb)
  } of it pass-through billed (the company pays it), in no total, plan or margin here`;
}
