/**
 * The MCP server's compare_exports tool: two exports, two history snapshots or one of each
 * (lib/analysis/compare.ts's summary), old before new, never demo data against live data.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import { z } from "zod";
import { strictInput } from "./input_schema.ts";
import { UserError } from "../core/config.ts";
import { QUOTED_NAME_CHARS, quoteValue } from "../core/quote.ts";
import {
  compareExportsSummary,
  lackedColumnsNote,
  mixedDemoError,
  moversShareCustomers,
  MRR_MOVERS_SHARED_NOTE,
  repeatedOrganizationError,
  reversedOrderError,
  sharedWindowNote,
  SUMMARY_COLUMNS,
  type SummarySide,
  summarySide,
  windowMismatchWarning,
} from "../analysis/compare.ts";
import { totalsWithWindow } from "../analysis/compare_files.ts";
import { filesUnmapped, unmappedChange, type UnmappedPair } from "../analysis/compare_unmapped.ts";
import { unmappedRecord } from "../revenue/unmapped_record.ts";
import { readExportFile } from "../formats/read_export.ts";
import {
  filesFxChange,
  FX_BILLING_COLUMNS,
  type FxChangeImpact,
  type FxFile,
} from "../analysis/compare_fx.ts";
import pl from "nodejs-polars";
import {
  minorInUnits,
  NATIVE_MRR_NOTE,
  type NativeComparison,
  nativeComparison,
  nativeLeftOut,
} from "../analysis/compare_native.ts";
import { type DemoMark, demoMark, ROWS_DEMO_WHY, rowsSayDemo } from "../formats/export_demo.ts";
import { isoDate } from "../formats/files.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import type { DatasetStore } from "./dataset.ts";
import {
  type ExportCandidate,
  exportNamed,
  listExports,
  refuseLiveOnDemoOnly,
} from "./export_folder.ts";
import {
  isSnapshotDate,
  snapshotAsOf,
  snapshotByDate,
  snapshotDates,
  snapshotFile,
} from "./history.ts";
import { COMPARE_EXPORTS_OUTPUT } from "./output_schemas.ts";
import { UnreadableExport } from "./export_reading.ts";
import { guarded, jsonBytes, tableBudget, textResult } from "./result.ts";
import { DATA_NOTE, textJson } from "./text.ts";
import { frameTable, READ_ONLY } from "./tools_analysis.ts";

export function registerCompareTool(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
  server.registerTool("compare_exports", {
    title: "Compare two exports",
    description:
      "Compares two exports in the exports folder, or two history snapshots by as-of date " +
      "(YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ not at 00:00 UTC, YYYY-MM-DDTHH:MM:SS.mmmZ when its milliseconds are not 0; see describe_dataset), or one of each (before/after): organizations that appeared or " +
      "disappeared, tier, raw tier (tier_raw) and plan changes, totals of every additive column " +
      "old vs new, and the organizations whose MRR changed most (shared_customer_old/_new and a " +
      "note mark those whose Stripe customer is shared: its MRR moving between its organizations). " +
      "Two converted at different FX rates get a warning and fx_change: how much of the " +
      "mrr_recurring change is the rate. " +
      "With a history snapshot among the two, native_mrr gives recurring MRR per billing " +
      "currency in that currency, exactly (the snapshots' mrr_recurring_minor: no FX rate moves " +
      "it), organizations whose currency changed or whose amount is unknown counted apart; or, " +
      "where a file has none (an export file, a snapshot stored before them), says which. " +
      "An old dated after new is " +
      "refused (swap them), and so is demo data against live data. Defaults: new = the newest export, old = the export " +
      "before it of the same kind (demo or live) and window (an export is the CSV and XLSX of one date; " +
      "with fewer than two, an error naming the two newest history snapshots to compare instead). Pass file names from the `exports` list this tool returns " +
      "on error or in its result. " + DATA_NOTE,
    inputSchema: strictInput({
      old: z.string().max(200).optional().describe(
        "older export file name (e.g. helicone_pricing_data_2026-10-01.csv) or snapshot as-of date (2026-10-01)",
      ),
      new: z.string().max(200).optional().describe(
        "newer export file name or snapshot as-of date",
      ),
      top: z.number().int().min(1).max(100).default(10).describe(
        "organizations with the largest MRR change to list",
      ),
    }),
    outputSchema: COMPARE_EXPORTS_OUTPUT,
    annotations: READ_ONLY,
  }, (args) =>
    guarded(async () => {
      const dataset = await store.current();
      const exports = await listExports(settings.exportsDir, { demoOnly: settings.demoOnly });
      const names = exports.map((e) => e.name);
      // An as-of date names a history snapshot, anything else an export file; either is read for
      // the columns a summary reads only, and not at all when it is the dataset held here. Its
      // totals are taken as it is read and only its slices' four columns kept (summarySide).
      const columns = SUMMARY_COLUMNS;
      // snapshots are always of 30 days; an export's window is in its name
      type Side = {
        label: string;
        asOfDate: string;
        windowDays: number;
        /** demo data or not (a snapshot is of the served dataset's kind) */
        mark: () => Promise<DemoMark>;
        /**
         * its summary side, whether its rows say demo data (revenue_source demo), and the columns
         * read it did not have (written before them: read as empty)
         */
        read: () => Promise<SummarySide & { rowsDemo: boolean; lacks: readonly string[] }>;
        /** its file, for the FX rates it was converted at (compare_fx.ts) */
        fxFile: () => Promise<FxFile>;
        /** its currency and mrr_recurring, for the rates' part of the MRR change */
        billing: () => Promise<pl.DataFrame>;
      };
      const snapshotSide = (asOf: string): Side => {
        const snapshotRead = (names: readonly string[]) =>
          snapshotByDate(settings, { asOf, demo: dataset.demo, columns: names });
        const snapshotFrame = async (names: readonly string[]) => (await snapshotRead(names)).frame;
        return {
          label: `snapshot ${asOf}`,
          asOfDate: asOf,
          windowDays: STANDARD_WINDOW_DAYS,
          mark: () => Promise.resolve({ demo: dataset.demo, why: "a demo history snapshot" }),
          read: async () => {
            const { frame, lacks } = await snapshotRead(columns);
            return {
              ...summarySide(frame, { reread: (names) => snapshotFrame(["org_id", ...names]) }),
              rowsDemo: false, // the snapshot's kind is the dataset's: mark says it
              lacks,
            };
          },
          fxFile: async () => ({
            path: (await snapshotFile(settings, { asOf, demo: dataset.demo })).path,
            asOf: null, // a snapshot's rates are in its sidecar
          }),
          billing: () => snapshotFrame(FX_BILLING_COLUMNS),
        };
      };
      // an export the store found unreadable (Dataset.notNewest) is refused as it said it
      const unreadable = new Map(
        (dataset.notNewest?.unreadable ?? []).map((u) => [u.name, u.problem]),
      );
      const exportSide = (found: ExportCandidate): Side => {
        const problem = unreadable.get(found.name);
        if (problem !== undefined) throw new UnreadableExport(problem);
        return readableSide(found);
      };
      const readableSide = (found: ExportCandidate): Side => ({
        label: found.name,
        asOfDate: isoDate(found.asOf),
        windowDays: found.windowDays,
        mark: () => demoMark(found.path),
        read: async () => {
          const held = found.path === dataset.source.path;
          // (the held export is in memory whole: nothing to read)
          const file = async (names: readonly string[]) =>
            held
              ? { frame: dataset.frame, lacks: dataset.lacks ?? [] }
              : await readExportFile(found.path, { columns: [...names] });
          const { frame, lacks } = await file([...columns, "revenue_source"]);
          const rowsDemo = rowsSayDemo(frame);
          await refuseLiveOnDemoOnly(found, { demoOnly: settings.demoOnly, rowsDemo });
          // a file read again only where a value is unknown (the totals' change like for like)
          const reread = async (names: string[]) => (await file(["org_id", ...names])).frame;
          return { ...summarySide(frame, { reread }), rowsDemo, lacks };
        },
        fxFile: () => Promise.resolve({ path: found.path, asOf: found.asOf }),
        billing: async () =>
          found.path === dataset.source.path
            ? dataset.frame.select(
              ...FX_BILLING_COLUMNS.filter((name) => dataset.frame.columns.includes(name)),
            )
            : (await readExportFile(found.path, { columns: FX_BILLING_COLUMNS })).frame,
      });
      const named = async (name: string, which: string): Promise<Side> => {
        if (isSnapshotDate(name)) {
          // there, before old and new are put in order: "swap them" for a date with no snapshot
          // sent the caller round in a circle
          const asOf = snapshotAsOf(name);
          await snapshotFile(settings, { asOf, demo: dataset.demo });
          return snapshotSide(asOf);
        }
        const found = exportNamed(exports, name);
        if (!found) {
          // (a hint only: a history folder that cannot be listed leaves the compare's own error)
          const dates = await snapshotDates(settings, dataset.demo).catch(() => [] as string[]);
          throw new UserError(
            `no export named ${quoteValue(name, JSON.stringify, QUOTED_NAME_CHARS)} for ${which}` +
              ` (an export file name, or a snapshot as-of date YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ); ` +
              `exports: ${names.join(", ") || "none"}; snapshots: ${dates.join(", ") || "none"}`,
          );
        }
        return exportSide(found);
      };
      if (args.new !== undefined && isSnapshotDate(args.new) && args.old === undefined) {
        throw new UserError(
          "new is a snapshot date: name old too (an export file name or a snapshot as-of date)",
        );
      }
      // Defaults: new = the newest export, old = the export before new of the same kind (demo
      // or live) and window (a 7-day export's usage against a 30-day one's is no change); one
      // export per stamp, so never a file against its own CSV or XLSX twin.
      // with history snapshots there, the two newest are named: "how did MRR move last month?"
      // is answered by them when the folder holds one export
      const needTwo = async () => {
        // (a hint only: a history folder that cannot be listed leaves the compare's own error)
        const dates = await snapshotDates(settings, dataset.demo).catch(() => [] as string[]);
        return new UserError(
          `comparing needs two exports in ${settings.exportsDir} (or name old and new); found ${names.length}: ${
            names.join(", ") || "none"
          }${
            dates.length < 2
              ? ""
              : `; or compare two history snapshots by as-of date, e.g. old "${
                dates.at(-2)
              }", new "${dates.at(-1)}" (${dates.length} snapshots; describe_dataset lists them)`
          }`,
        );
      };
      const newest = exports[0];
      if (args.new === undefined && !newest) throw await needTwo();
      if (args.new === undefined && unreadable.has(newest.name)) {
        // the newest's change cannot be told: another pair compared instead would pass for it
        throw new UnreadableExport(
          `new defaults to the newest export, which cannot be read: ${
            unreadable.get(newest.name)
          }; or name old and new to compare two others (exports: ${names.join(", ")})`,
        );
      }
      const newer = args.new === undefined ? exportSide(newest!) : await named(args.new, "new");
      let older: Side;
      if (args.old !== undefined) older = await named(args.old, "old");
      else {
        const newExport = args.new === undefined ? newest : exportNamed(exports, args.new);
        const at = newExport ? exports.indexOf(newExport) : -1;
        const before = exports.slice(at + 1).find((e) =>
          e.demo === newExport!.demo && e.windowDays === newExport!.windowDays
        );
        if (!before) {
          if (exports.length < 2) throw await needTwo();
          // two or more exports, none earlier of new's kind and window: that is the reason
          const kind = newExport!.demo ? "demo" : "live";
          throw new UserError(
            `no export before ${newExport!.name} of the same kind (${kind}) and window (${
              newExport!.windowDays
            } days) in ${settings.exportsDir} to compare it with (or name old and new); found ${names.length}: ${
              names.join(", ")
            }`,
          );
        }
        older = exportSide(before);
      }
      if (older.label === newer.label) {
        throw new UserError("old and new are the same; pick two exports or snapshots");
      }
      const reversed = reversedOrderError(older, newer);
      if (reversed) throw new UserError(reversed);
      // demo against live is judged once both are read: a file whose rows say demo (a demo
      // export copied under a live export's name) is demo data whatever its name
      const [oldRead, newRead] = [await older.read(), await newer.read()];
      for (const [side, read] of [[older, oldRead], [newer, newRead]] as const) {
        const repeated = repeatedOrganizationError(read.frame, side.label);
        if (repeated) throw new UserError(repeated);
      }
      const rowsMark = async (side: Side, read: { rowsDemo: boolean }): Promise<DemoMark> => {
        const mark = await side.mark();
        return mark.demo || !read.rowsDemo ? mark : { demo: true, why: ROWS_DEMO_WHY };
      };
      const mixedRows = mixedDemoError(
        { label: older.label, ...await rowsMark(older, oldRead) },
        { label: newer.label, ...await rowsMark(newer, newRead) },
      );
      if (mixedRows) throw new UserError(mixedRows);
      const result = await compareExportsSummary(oldRead, newRead, { top: args.top });
      // converted at different FX rates: how much of the MRR change is the rate (as the CLI says)
      const fx = await filesFxChange({
        old: await older.fxFile(),
        newer: await newer.fxFile(),
        newBilling: newer.billing,
      });
      // the MRR no row holds, of Stripe customers no organization maps to (as the CLI says)
      const unmapped = await filesUnmapped({
        old: await older.fxFile(),
        newer: await newer.fxFile(),
      });
      // in each billing currency, exactly, when one of the two is a history snapshot
      const native = nativeComparison(
        { label: older.label, path: (await older.fxFile()).path },
        { label: newer.label, path: (await newer.fxFile()).path },
      );
      const movers = result.largestMrrChanges;
      // the export names and counts travel too; the totals, the movers and the three change
      // tables together share the rest
      const reserved = jsonBytes(names) + 2 * jsonBytes(result.counts) + 512;
      const budget = Math.floor(tableBudget(settings.maxBytes, reserved) / 3);
      const changesBudget = Math.floor(budget / 3);
      const windows = { oldWindowDays: older.windowDays, newWindowDays: newer.windowDays };
      const warning = windowMismatchWarning(windows);
      const windowNote = sharedWindowNote(windows);
      // of two windows each totals row says its own (as the totals CSV and the summary's Totals
      // do), so a row read without the warning still says its change compares two windows
      const totals = frameTable(totalsWithWindow(result.totals, windows), {
        settings,
        maxBytes: budget,
      });
      const tiers = frameTable(result.tierChanges, { settings, maxBytes: changesBudget });
      const rawTiers = frameTable(result.tierRawChanges, { settings, maxBytes: changesBudget });
      const plans = frameTable(result.planChanges, { settings, maxBytes: changesBudget });
      const moved = frameTable(movers, { settings, maxBytes: budget });
      const nativeTable = native && "change" in native
        ? frameTable(nativeFrame(native.change), { settings, maxBytes: changesBudget })
        : null;
      const nativeNote = native && "change" in native ? nativeLeftOut(native.change) : null;
      // a shared customer's MRR moving between its organizations reads as one's rise, another's fall
      const moversNote = moversShareCustomers(movers) ? MRR_MOVERS_SHARED_NOTE : undefined;
      // a file from before a column every reader takes as it is (read as empty): said, as the
      // CLI says it, so its unknown totals are not read as a change (empty, as the text's cells)
      const lacked = { old: oldRead.lacks, new: newRead.lacks };
      const lackedNote = lackedColumnsNote([
        { side: "old", label: older.label, lacks: lacked.old },
        { side: "new", label: newer.label, lacks: lacked.new },
      ], "empty");
      const text = [
        ...(warning ? [`warning: ${warning}`] : []),
        ...(windowNote ? [`note: ${windowNote}`] : []),
        ...(fx ? [`warning: ${fx.warning}`] : []),
        `old: ${older.label}; new: ${newer.label}`,
        `counts: ${textJson(result.counts)}`,
        "totals:",
        totals.text,
        `note: ${TOTALS_NOTE}`,
        ...(lackedNote ? [`note: ${lackedNote}`] : []),
        ...(unmapped.note ? [`note: ${unmapped.note}`] : []),
        "tier changes:",
        tiers.text,
        "raw tier (tier_raw) changes:",
        rawTiers.text,
        "plan changes:",
        plans.text,
        "largest MRR changes:",
        moved.text,
        ...(moversNote ? [`note: ${moversNote}`] : []),
        ...(native === null ? [] : [
          "recurring MRR per billing currency (old, new, change in the currency's units; *_minor in its minor units):",
          ...("missing" in native ? [native.missing] : [
            `note: ${NATIVE_MRR_NOTE}`,
            nativeTable!.text,
            ...(nativeNote ? [`note: ${nativeNote}`] : []),
          ]),
        ]),
      ].join("\n");
      return textResult(text, {
        old: older.label,
        new: newer.label,
        ...(warning ? { warning } : {}),
        ...(windowNote ? { window_note: windowNote } : {}),
        ...(fx ? { fx_change: fxChangeFields(fx) } : {}),
        ...(lackedNote ? { lacked_columns: { ...lacked, note: lackedNote } } : {}),
        ...(unmapped.old || unmapped.newer
          ? { unmapped_stripe_customers: unmappedFields(unmapped) }
          : {}),
        exports: names,
        counts: result.counts as unknown as Record<string, unknown>,
        totals: totals.rows,
        tier_changes: tiers.rows,
        tier_raw_changes: rawTiers.rows,
        plan_changes: plans.rows,
        mrr_movers: moved.rows,
        ...(moversNote ? { mrr_movers_note: moversNote } : {}),
        ...(native === null
          ? {}
          : { native_mrr: nativeFields(native, { table: nativeTable, leftOutNote: nativeNote }) }),
      }, { maxBytes: settings.maxBytes });
    }));
}

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
