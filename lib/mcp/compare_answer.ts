/**
 * compare_exports' answer: its text and its structuredContent (COMPARE_EXPORTS_OUTPUT), from the
 * summary of the two sides (compare_sides.ts) and what their files say beside it
 * (compare_reads.ts). The tables share the answer's byte budget.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import pl from "nodejs-polars";
import {
  type compareExportsSummary,
  lackedColumnsNote,
  moversShareCustomers,
  MRR_MOVERS_SHARED_NOTE,
  sharedWindowNote,
  windowMismatchWarning,
} from "../analysis/compare.ts";
import { totalsWithWindow } from "../analysis/compare_files.ts";
import { unmappedChange, type UnmappedPair } from "../analysis/compare_unmapped.ts";
import type { FxChangeImpact } from "../analysis/compare_fx.ts";
import {
  minorInUnits,
  NATIVE_MRR_NOTE,
  type NativeComparison,
  nativeLeftOut,
} from "../analysis/compare_native.ts";
import { unmappedRecord } from "../revenue/unmapped_record.ts";
import { formatUsd } from "../core/usd.ts";
import type { McpSettings } from "./settings.ts";
import type { CompareSide } from "./compare_sides.ts";
import type { BesideSummary, SideRead } from "./compare_reads.ts";
import { jsonBytes, tableBudget, textResult } from "./result.ts";
import { dataLiteral, textJson } from "./text.ts";
import { frameTable } from "./tools_analysis.ts";

/**
 * What the totals' columns are over: delta is like for like, so it is not new_total − old_total
 * where a sum skipped unknown values (the demo's list_price_mrr: 22,249 − 21,025 beside a delta
 * of 2,023), which read as an arithmetic slip.
 */
export const TOTALS_NOTE =
  "old_total and new_total sum each file's known values (unknown_old, unknown_new: the " +
  "organizations each skipped); delta and change_pct are like for like, over the organizations " +
  "whose value both files know (one in only one file counts from or to 0), so where a sum " +
  "skipped some, delta is not new_total − old_total";

/**
 * What the movers' amounts are beside mrr_history's bridge, when usage charges part the two: mrr
 * holds the last closed period's metered usage, the bridge recurring MRR alone, so a churned
 * customer's mrr_delta is larger than its churn there and the changes listed do not add up to the
 * bridge's (the demo's 2026-11 churners: 447.80 USD listed, 438.20 USD of churn). Undefined when
 * neither file has usage charges, or a total is unknown (an earlier file without the column).
 */
export function moversUsageNote(totals: pl.DataFrame): string | undefined {
  const names = totals.getColumn("column").toArray() as string[];
  const row = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) return null;
    const at = (c: string) => totals.getColumn(c).get(i) as number | null;
    return { old: at("old_total"), new: at("new_total"), delta: at("delta") };
  };
  const usage = row("usage_charges"), recurring = row("mrr_recurring"), mrr = row("mrr");
  if (!usage || !recurring || !mrr) return undefined;
  const figures = [usage.old, usage.new, recurring.delta, mrr.delta];
  if (figures.some((v) => v === null || !Number.isFinite(v))) return undefined;
  if (usage.old === 0 && usage.new === 0) return undefined;
  return `mrr_old, mrr_new and mrr_delta are mrr: recurring MRR plus the last closed period's metered usage charges (usage_charges: ${
    formatUsd(usage.old!)
  } in all in the old file, ${
    formatUsd(usage.new!)
  } in the new), so an organization's mrr_delta is not its movement in mrr_history's bridge, which moves recurring MRR alone (mrr_recurring): one that churned also loses its usage charges here, and the changes listed do not add up to the bridge's; recurring MRR changed by ${
    formatUsd(recurring.delta!)
  } in all (the totals' mrr_recurring row), mrr by ${
    formatUsd(mrr.delta!)
  }; each organization's mrr_recurring is a column of both files (query_sql: table history for the history snapshots)`;
}

/** What the answer is made from. */
export interface CompareAnswerInput {
  settings: McpSettings;
  /** the exports folder's exports by name, listed in the answer */
  exportNames: string[];
  older: CompareSide;
  newer: CompareSide;
  oldRead: SideRead;
  newRead: SideRead;
  summary: Awaited<ReturnType<typeof compareExportsSummary>>;
  beside: BesideSummary;
}

/** The answer: its text, and the same as structuredContent, within the server's byte limit. */
export function compareAnswer(input: CompareAnswerInput): CallToolResult {
  const parts = answerParts(input);
  return textResult(answerText(input, parts), answerFields(input, parts), {
    maxBytes: input.settings.maxBytes,
  });
}

type Table = ReturnType<typeof frameTable>;

/** The answer's tables, cut to their share of the byte budget, and its warnings and notes. */
interface AnswerParts {
  totals: Table;
  tiers: Table;
  rawTiers: Table;
  plans: Table;
  moved: Table;
  nativeTable: Table | null;
  warning: string | null;
  windowNote: string | null;
  nativeNote: string | null;
  moversNote: string | undefined;
  usageNote: string | undefined;
  lackedNote: string | undefined;
}

function answerParts(
  { settings, exportNames, older, newer, oldRead, newRead, summary, beside }: CompareAnswerInput,
): AnswerParts {
  const { native } = beside;
  const movers = summary.largestMrrChanges;
  // the export names and counts travel too; the totals, the movers and the three change
  // tables together share the rest
  const reserved = jsonBytes(exportNames) + 2 * jsonBytes(summary.counts) + 512;
  const budget = Math.floor(tableBudget(settings.maxBytes, reserved) / 3);
  const changesBudget = Math.floor(budget / 3);
  const windows = { oldWindowDays: older.windowDays, newWindowDays: newer.windowDays };
  const change = native && "change" in native ? native.change : null;
  return {
    // of two windows each totals row says its own (as the totals CSV and the summary's Totals
    // do), so a row read without the warning still says its change compares two windows
    totals: frameTable(totalsWithWindow(summary.totals, windows), {
      settings,
      maxBytes: budget,
    }),
    tiers: frameTable(summary.tierChanges, { settings, maxBytes: changesBudget }),
    rawTiers: frameTable(summary.tierRawChanges, { settings, maxBytes: changesBudget }),
    plans: frameTable(summary.planChanges, { settings, maxBytes: changesBudget }),
    moved: frameTable(movers, { settings, maxBytes: budget }),
    nativeTable: change
      ? frameTable(nativeFrame(change), { settings, maxBytes: changesBudget })
      : null,
    warning: windowMismatchWarning(windows),
    windowNote: sharedWindowNote(windows),
    nativeNote: change ? nativeLeftOut(change) : null,
    // a shared customer's MRR moving between its organizations reads as one's rise, another's fall
    moversNote: moversShareCustomers(movers) ? MRR_MOVERS_SHARED_NOTE : undefined,
    usageNote: moversUsageNote(summary.totals),
    // a file from before a column every reader takes as it is (read as empty): said, as the
    // CLI says it, so its unknown totals are not read as a change (empty, as the text's cells)
    lackedNote: lackedColumnsNote([
      { side: "old", label: older.label, lacks: oldRead.lacks },
      { side: "new", label: newer.label, lacks: newRead.lacks },
    ], "empty"),
  };
}

function answerText(
  { older, newer, summary, beside: { fx, unmapped, native } }: CompareAnswerInput,
  parts: AnswerParts,
): string {
  const { warning, windowNote, lackedNote, moversNote, usageNote, nativeNote } = parts;
  return [
    // literals: they quote a file's name
    ...snapshotWarnings(older, newer).map((line) => `warning: ${dataLiteral(line)}`),
    ...(warning ? [`warning: ${warning}`] : []),
    ...(windowNote ? [`note: ${windowNote}`] : []),
    ...(fx ? [`warning: ${fx.warning}`] : []),
    `old: ${older.label}; new: ${newer.label}`,
    `counts: ${textJson(summary.counts)}`,
    "totals:",
    parts.totals.text,
    `note: ${TOTALS_NOTE}`,
    ...(lackedNote ? [`note: ${lackedNote}`] : []),
    ...(unmapped.note ? [`note: ${unmapped.note}`] : []),
    "tier changes:",
    parts.tiers.text,
    "raw tier (tier_raw) changes:",
    parts.rawTiers.text,
    "plan changes:",
    parts.plans.text,
    "largest MRR changes:",
    parts.moved.text,
    ...(moversNote ? [`note: ${moversNote}`] : []),
    ...(usageNote ? [`note: ${usageNote}`] : []),
    ...(native === null ? [] : [
      "recurring MRR per billing currency (old, new, change in the currency's units; *_minor in its minor units):",
      ...("missing" in native ? [native.missing] : [
        `note: ${NATIVE_MRR_NOTE}`,
        parts.nativeTable!.text,
        ...(nativeNote ? [`note: ${nativeNote}`] : []),
      ]),
    ]),
  ].join("\n");
}

function answerFields(
  { exportNames, older, newer, oldRead, newRead, summary, beside }: CompareAnswerInput,
  parts: AnswerParts,
): Record<string, unknown> {
  const { fx, unmapped, native } = beside;
  const { warning, windowNote, lackedNote, moversNote, usageNote } = parts;
  const lacked = { old: oldRead.lacks, new: newRead.lacks };
  return {
    old: older.label,
    new: newer.label,
    ...(warning ? { warning } : {}),
    ...(snapshotWarnings(older, newer).length > 0
      ? { snapshot_warnings: snapshotWarnings(older, newer) }
      : {}),
    ...(windowNote ? { window_note: windowNote } : {}),
    ...(fx ? { fx_change: fxChangeFields(fx) } : {}),
    ...(lackedNote ? { lacked_columns: { ...lacked, note: lackedNote } } : {}),
    ...(unmapped.old || unmapped.newer
      ? { unmapped_stripe_customers: unmappedFields(unmapped) }
      : {}),
    exports: exportNames,
    counts: summary.counts as unknown as Record<string, unknown>,
    totals: parts.totals.rows,
    tier_changes: parts.tiers.rows,
    tier_raw_changes: parts.rawTiers.rows,
    plan_changes: parts.plans.rows,
    mrr_movers: parts.moved.rows,
    ...(moversNote ? { mrr_movers_note: moversNote } : {}),
    ...(usageNote ? { mrr_movers_usage_note: usageNote } : {}),
    ...(native === null ? {} : {
      native_mrr: nativeFields(native, { table: parts.nativeTable, leftOutNote: parts.nativeNote }),
    }),
  };
}

/** The native comparison's rows, per currency: amounts in its units, then its minor units. */
function nativeFrame(change: Extract<NativeComparison, { change: unknown }>["change"]) {
  const rows = change.byCurrency;
  const units = (pick: (r: (typeof rows)[number]) => number) =>
    rows.map((r) => minorInUnits(pick(r), r.currency));
  return pl.DataFrame([
    pl.Series("currency", rows.map((r) => r.currency), pl.Utf8),
    pl.Series("organizations", rows.map((r) => r.organizations), pl.Int64),
    pl.Series("old", units((r) => r.old_minor), pl.Float64),
    pl.Series("new", units((r) => r.new_minor), pl.Float64),
    pl.Series("change", units((r) => r.change_minor), pl.Float64),
    pl.Series("old_minor", rows.map((r) => r.old_minor), pl.Int64),
    pl.Series("new_minor", rows.map((r) => r.new_minor), pl.Int64),
    pl.Series("change_minor", rows.map((r) => r.change_minor), pl.Int64),
  ]);
}

/** compare_exports' structured `native_mrr` (COMPARE_EXPORTS_OUTPUT). */
function nativeFields(
  native: NonNullable<NativeComparison>,
  { table, leftOutNote }: {
    table: ReturnType<typeof frameTable> | null;
    leftOutNote: string | null;
  },
) {
  if ("missing" in native) return { not_compared: native.missing };
  return {
    note: NATIVE_MRR_NOTE,
    by_currency: table!.rows,
    left_out: {
      currency_changed: native.change.currencyChanged,
      unknown: native.change.unknown,
      on_sibling: native.change.onSibling,
      ...(leftOutNote ? { note: leftOutNote } : {}),
    },
  };
}

/** An FX change as compare_exports' structured `fx_change` has it (COMPARE_EXPORTS_OUTPUT). */
function fxChangeFields(fx: FxChangeImpact & { warning: string }) {
  return {
    warning: fx.warning,
    rates: fx.rateChanges.map(({ currency, oldRate, newRate }) => ({
      currency,
      old_rate: oldRate,
      new_rate: newRate,
    })),
    mrr_recurring_from_rates: fx.mrrRecurringFromRates,
    organizations_valued: fx.valued,
    organizations_mixed: fx.mixed,
  };
}

/**
 * The two files' unmapped Stripe customers as compare_exports' structured
 * `unmapped_stripe_customers` has them (COMPARE_EXPORTS_OUTPUT): null where a file does not record
 * them, all 0 where it records none.
 */
function unmappedFields(pair: UnmappedPair & { note: string | null }) {
  const change = unmappedChange(pair);
  return {
    old: pair.old && unmappedRecord(pair.old),
    new: pair.newer && unmappedRecord(pair.newer),
    mrr_change_usd: change?.mrrUsd ?? null,
    mrr_recurring_change_usd: change?.mrrRecurringUsd ?? null,
    ...(pair.note ? { note: pair.note } : {}),
  };
}

/** The sides' warnings for a snapshot dated after now, old's first. */
function snapshotWarnings(older: CompareSide, newer: CompareSide): string[] {
  return [older.futureWarning, newer.futureWarning].filter((line) => line !== null);
}
