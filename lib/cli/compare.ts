/**
 * `deno task compare <old> <new>`: compares two exports of this kit (CSV or XLSX, any as-of
 * dates) and writes the comparison to outputs/. Errors are one line, exit code 1.
 */
import { type ChosenBy, outDirFlag } from "../core/chosen_by.ts";
import { basename } from "node:path";
import type pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { UNKNOWN_MARK } from "../core/signs.ts";
import { DEFAULT_OUT_DIR } from "../export.ts";
import { exportStamp, suffixedStamp } from "../formats/export_names.ts";
import { formatCount } from "../report/numbers.ts";
import { asOfKey } from "../history/periods.ts";
import { exportFileFormat, readExportFile } from "../formats/read_export.ts";
import {
  exportAsOfProblem,
  exportAssumptionWarning,
  type ExportFileFacts,
  exportFileFacts,
  withRowsFacts,
} from "../formats/export_demo.ts";
import { exportPart } from "../report/export_parts.ts";
import {
  COMPARED_COLUMNS,
  type ComparisonContext,
  type ComparisonSummary,
  lackedColumnsNote,
  mixedDemoError,
  mixedPartsError,
  repeatedOrganizationError,
  reversedOrderError,
  sharedWindowNote,
  windowMismatchWarning,
} from "../analysis/compare.ts";
import { type ComparisonFiles, writeComparison } from "../analysis/compare_files.ts";
import { filesFxChange, FX_BILLING_COLUMNS } from "../analysis/compare_fx.ts";
import { nativeComparison } from "../analysis/compare_native.ts";
import { filesUnmapped } from "../analysis/compare_unmapped.ts";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";
import { untilInterrupted } from "./interrupt.ts";

export const HELP = `Usage: deno task compare <old export> <new export> [options]

Compares two exports of this kit (helicone_pricing_data_*.csv or .xlsx, any as-of dates), or two
history snapshots (outputs/history/helicone_pricing_data_*.parquet), or one of each:
per-organization deltas of every numeric column, organizations that appeared or disappeared,
tier, raw tier (tier_raw) and plan changes, and totals. Organizations are matched by org_id. Old
comes first: an old file dated after the new one (by the dates in their names or manifests) is
refused. Two
exports of different windows (a name ending _<N>d is an N-day export, else 30 days; snapshots are
30-day) are compared as written, with a warning naming the window figures (the *_30d columns,
cost_per_seat, seat_utilization_pct), whose deltas compare different windows, not a change, and
the columns on a 30-day basis in both. Two exports converted at different FX rates (their
manifests' or sidecars' PRICING_FX_RATES) get a warning saying how much of the recurring MRR
change of the organizations billed in that currency is the rate. Demo data ("demo": true in the
manifest or snapshot sidecar beside the file, which decides when it is there; else a name ending
_demo or a workbook titled DEMO DATA; or rows whose revenue_source is demo) is compared only with
demo data: one demo file against a live one is refused.

Segments: two files of one segment (…_<date>_underpriced.csv of two dates; also two trimmed CSVs)
compare: who entered or left the segment and how its totals moved; the output names keep the
segment (<old> = 2026-10-01_underpriced) and the summary says both are that segment only. A segment
against the whole export, or against another segment, is refused: everyone outside it would read
as appeared or disappeared.

Renamed files: the as-of, demo flag and window come from the manifest copied beside the file
(<renamed>.manifest.json, or a snapshot's <renamed>.parquet.json), else from a workbook's summary
sheet (its title's date and DEMO DATA, its "Window: N days" line); without either, a warning says
the window is unknown (not checked) and the file's modification date names the outputs.

Options:
  --out-dir DIR        where files go (default: outputs/)
  --quiet              print nothing but errors
  -h, --help           show this help

Writes (<old>, <new>: the stamps in the file names with any segment, e.g. 2026-11-01_demo;
_demo for demo data however it was judged, its rows too):
  helicone_pricing_compare_<old>_to_<new>.csv         one row per organization in either file
  helicone_pricing_compare_<old>_to_<new>_totals.csv  totals of every additive numeric column (change like for like;
                                                      a window column when the windows differ)
  helicone_pricing_compare_<old>_to_<new>.md          summary: counts, totals, tier/plan changes
`;

/** One file to compare: its path and what its name or the manifest beside it says. */
interface Side {
  path: string;
  label: string;
  facts: ExportFileFacts;
}

/**
 * What names the comparison's files for one side: its name's stamp with its suffix (a segment's
 * comparison never replaces the whole exports'), else the manifest's as-of, demo flag and window,
 * else its modification date. Demo data is named `_demo` by what was judged (name, manifest or
 * rows), as scenario --input names it: a demo export copied under a live name is still demo data.
 */
async function stampOf({ path, facts }: Side): Promise<string> {
  const demo = facts.demo.demo;
  if (facts.name) {
    // the stamp's first part is the date (and a snapshot's time); `_demo` follows it
    const stamp = demo && !facts.name.demo
      ? facts.name.stamp.replace(/^[^_]+/, "$&_demo")
      : facts.name.stamp;
    return suffixedStamp({ stamp, suffix: facts.name.suffix });
  }
  const asOf = facts.asOf ?? (await Deno.stat(path)).mtime ?? new Date();
  return exportStamp({ asOf, demo, windowDays: facts.windowDays ?? undefined });
}

/**
 * Reads the two files (the columns a comparison reads) and writes their comparison, the
 * per-organization rows as they are made.
 */
async function compareFiles(
  { old: oldNamed, newer: newerNamed, outDir, chosenBy, signal }: {
    old: Side;
    newer: Side;
    outDir: string;
    chosenBy: ChosenBy;
    signal: AbortSignal;
  },
): Promise<{
  files: ComparisonFiles;
  summary: ComparisonSummary;
  context: ComparisonContext;
  sides: [Side, Side];
}> {
  // revenue_source too: rows of the demo generator's make a file demo data whatever its name
  const columns = [...COMPARED_COLUMNS, "revenue_source"];
  // (each read is ~1 s at 100,000 organizations: a stop is seen between them, and between each
  // read's steps)
  const oldFile = await readExportFile(oldNamed.path, { columns, signal });
  signal.throwIfAborted();
  const newFile = await readExportFile(newerNamed.path, { columns, signal });
  signal.throwIfAborted();
  for (const [named, file] of [[oldNamed, oldFile], [newerNamed, newFile]] as const) {
    const repeated = repeatedOrganizationError(file.frame, named.path);
    if (repeated) throw new UserError(repeated);
  }
  const old = { ...oldNamed, facts: withRowsFacts(oldNamed.facts, oldFile.frame) };
  const newer = { ...newerNamed, facts: withRowsFacts(newerNamed.facts, newFile.frame) };
  const mixed = mixedDemoError(
    { label: old.label, ...old.facts.demo },
    { label: newer.label, ...newer.facts.demo },
  );
  if (mixed) throw new UserError(mixed);
  const compared = (frame: pl.DataFrame) =>
    COMPARED_COLUMNS.includes("revenue_source") ? frame : frame.drop("revenue_source");
  // both are one part (mixedPartsError refused two): its name, for the summary
  const suffix = old.facts.name?.suffix ?? newer.facts.name?.suffix;
  const context: ComparisonContext = {
    oldLabel: old.label,
    newLabel: newer.label,
    oldStamp: await stampOf(old),
    newStamp: await stampOf(newer),
    // a renamed file's window without a manifest is unknown: no warning can be given for it
    oldWindowDays: old.facts.windowDays ?? undefined,
    newWindowDays: newer.facts.windowDays ?? undefined,
    part: (suffix && exportPart(suffix)) || undefined,
    ...await fxWarningOf(old, newer),
    ...await unmappedNoteOf(old, newer),
    // a file from before a column every reader takes as it is (read as empty): said, so its
    // unknown totals are not read as a change
    // (as the summary's Totals table shows them)
    lackedNote: lackedColumnsNote([
      { side: "old", label: old.label, lacks: oldFile.lacks },
      { side: "new", label: newer.label, lacks: newFile.lacks },
    ], UNKNOWN_MARK),
    // in each billing currency, exactly, when a file is a history snapshot
    native: nativeComparison(
      { label: old.label, path: old.path },
      { label: newer.label, path: newer.path },
    ),
  };
  const written = await writeComparison(compared(oldFile.frame), compared(newFile.frame), {
    outDir,
    chosenBy,
    context,
    signal,
  });
  return { ...written, context, sides: [old, newer] };
}

/**
 * The warning when the two files were converted at different FX rates for a currency an
 * organization of the new file is billed in (compare_fx.ts): its USD revenue moves with the rate.
 */
async function fxWarningOf(old: Side, newer: Side): Promise<{ fxWarning?: string }> {
  const change = await filesFxChange({
    old: { path: old.path, asOf: old.facts.asOf },
    newer: { path: newer.path, asOf: newer.facts.asOf },
    newBilling: async () =>
      (await readExportFile(newer.path, { columns: FX_BILLING_COLUMNS })).frame,
  });
  return change ? { fxWarning: change.warning } : {};
}

/** The note on the MRR of Stripe customers no organization maps to, in either file. */
async function unmappedNoteOf(old: Side, newer: Side): Promise<{ unmappedNote?: string }> {
  const { note } = await filesUnmapped({
    old: { path: old.path, asOf: old.facts.asOf },
    newer: { path: newer.path, asOf: newer.facts.asOf },
  });
  return note ? { unmappedNote: note } : {};
}

/**
 * The refusal when exactly one side is demo data, once both are known to be exports: a file that
 * is not one (a scenario's CSV, another table) is refused for that, not taken for live data. Each
 * side's rows are read (revenue_source) before it is called live: a demo export renamed with
 * nothing beside it, or named as a live export, is demo data and compares with a demo export.
 */
async function refuseMixedDemo(old: Side, newer: Side): Promise<void> {
  const mixed = (a: Side, b: Side) =>
    mixedDemoError({ label: a.label, ...a.facts.demo }, { label: b.label, ...b.facts.demo });
  if (!mixed(old, newer)) return;
  // one after the other: a file that is no export is named in the order given
  const withRows = async (side: Side): Promise<Side> => ({
    ...side,
    facts: withRowsFacts(
      side.facts,
      (await readExportFile(side.path, { columns: ["revenue_source"] })).frame,
    ),
  });
  const oldRows = await withRows(old);
  const refusal = mixed(oldRows, await withRows(newer));
  if (refusal) throw new UserError(refusal);
}

export async function main(args: string[]): Promise<number> {
  try {
    const parsed = parseCommandFlags(args, { flags: {}, positionals: true });
    if (parsed.values.help) {
      console.log(HELP);
      return 0;
    }
    if (parsed.positionals.length !== 2) {
      throw new UserError(
        `pass two exports, old then new (got ${parsed.positionals.length}; see --help)`,
      );
    }
    const outDir = parsed.values["out-dir"] ?? DEFAULT_OUT_DIR;
    return await untilInterrupted((signal) => compareCommand(parsed, { outDir, signal }), {
      stopped: () =>
        `stopped before publishing; nothing new was written, the previous files in ${outDir} are unchanged`,
      finished: () => `the comparison's files are complete in ${outDir}`,
      again: "the next run that writes into that folder removes the staging folder this one left",
    });
  } catch (error) {
    return failed(error);
  }
}

/** The comparison once the command line is read: checked, read, written and said. */
async function compareCommand(
  parsed: { positionals: string[]; values: { quiet?: boolean; "out-dir"?: string } },
  { outDir, signal }: { outDir: string; signal: AbortSignal },
): Promise<number> {
  // each is a file of an export's kind (a missing one says so), then what it is: from the names
  // and the small files beside them, checked before either export is read
  const [old, newer] = await Promise.all(parsed.positionals.map(async (typed) => {
    const path = userPath(typed);
    await exportFileFormat(path);
    return { path, label: basename(path), facts: await exportFileFacts(path) };
  }));
  // one file as both sides compared it with itself: every delta 0, written as a comparison
  if (await Deno.realPath(old.path) === await Deno.realPath(newer.path)) {
    throw new UserError(
      `${old.path} is given as both the old and the new export; pass two different exports, old then new`,
    );
  }
  // a date after today or before 1970 is a misnamed file, as scenario --input and history
  // import refuse it
  for (const side of [old, newer]) {
    const problem = side.facts.asOf ? exportAsOfProblem(side.facts.asOf) : null;
    if (problem !== null) {
      throw new UserError(
        `${side.path}: ${problem}; rename it to the date it was exported (or fix its manifest)`,
      );
    }
  }
  // a snapshot's name may have its time (2026-12-01T120000Z, T000000.500Z): ordered by it
  const asOfDate = (side: Side) => side.facts.asOf ? asOfKey(side.facts.asOf) : null;
  const reversed = reversedOrderError(
    { label: old.label, asOfDate: asOfDate(old) },
    { label: newer.label, asOfDate: asOfDate(newer) },
  );
  if (reversed) throw new UserError(reversed);
  const parts = mixedPartsError(
    { label: old.label, suffix: old.facts.name ? old.facts.name.suffix : undefined },
    { label: newer.label, suffix: newer.facts.name ? newer.facts.name.suffix : undefined },
  );
  if (parts) throw new UserError(parts);
  // demo data against live data compares nothing (refused before the compared columns are read)
  await refuseMixedDemo(old, newer);
  signal.throwIfAborted();
  const passed = parsed.values["out-dir"] !== undefined;
  // failed or stopped before publishing, a new --out-dir goes too, as nothing was written
  await using _outDir = await prepareOutDir(outDir, { passed });
  const { files, summary, context, sides } = await compareFiles({
    old,
    newer,
    outDir,
    chosenBy: outDirFlag(passed),
    signal,
  });
  if (!parsed.values.quiet) {
    const assumed = sides.map((side) =>
      exportAssumptionWarning(side.path, {
        facts: side.facts,
        assumed: {
          demo: "live data",
          windowDays: "an unknown window (not checked against the other file's)",
          asOf: "its modification date in the output names (the order of the files not checked)",
        },
      })
    );
    // an earlier kit's name that gave the wrong window: said, since the file's name is not read
    const windowNotes = sides.map((side) => side.facts.windowNote);
    const fx = context.fxWarning ?? null;
    const lacked = context.lackedNote ?? null;
    for (
      const warning of [...assumed, ...windowNotes, windowMismatchWarning(context), fx, lacked]
    ) {
      if (warning) console.error(`warning: ${warning}`);
    }
    const c = summary.counts;
    console.log(
      `Compared ${context.oldLabel} (${
        formatCount(c.organizationsOld)
      } organizations) with ${context.newLabel} (${formatCount(c.organizationsNew)}): ${
        formatCount(c.appeared)
      } appeared, ${formatCount(c.disappeared)} disappeared, ${
        formatCount(c.tierChanged)
      } changed tier, ${formatCount(c.tierRawChanged)} changed raw tier, ${
        formatCount(c.planChanged)
      } changed plan`,
    );
    const note = sharedWindowNote(context);
    if (note) console.log(`note: ${note}`);
    if (context.unmappedNote) console.log(`note: ${context.unmappedNote}`);
    for (const path of [files.perOrgPath, files.totalsPath, files.summaryPath]) {
      console.log(`  ${path}`);
    }
  }
  return 0;
}

if (import.meta.main) await runMain(main);
