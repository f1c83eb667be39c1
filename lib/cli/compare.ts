/**
 * `deno task compare <old> <new>`: compares two exports of this kit (CSV or XLSX, any as-of
 * dates) and writes the comparison to outputs/. Errors are one line, exit code 1.
 */
import { basename } from "node:path";
import { UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR } from "../export.ts";
import { isoDate } from "../formats/files.ts";
import { formatCount } from "../report/numbers.ts";
import { asOfKey } from "../history/periods.ts";
import { type ExportFile, exportNameInfo, readExportFile } from "../formats/read_export.ts";
import { demoMark } from "../formats/export_demo.ts";
import {
  COMPARED_COLUMNS,
  type ComparisonContext,
  type ComparisonFiles,
  type ComparisonSummary,
  mixedDemoError,
  reversedOrderError,
  windowMismatchWarning,
  writeComparison,
} from "../analysis/compare.ts";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";

export const HELP = `Usage: deno task compare <old export> <new export> [options]

Compares two exports of this kit (helicone_pricing_data_*.csv or .xlsx, any as-of dates), or two
history snapshots (outputs/history/helicone_pricing_data_*.parquet), or one of each:
per-organization deltas of every numeric column, organizations that appeared or disappeared,
tier, raw tier (tier_raw) and plan changes, and totals. Organizations are matched by org_id. Old
comes first: an old file dated after the new one (by the dates in their names) is refused. Two
exports of different windows (a name ending _<N>d is an N-day export, else 30 days; snapshots are
30-day) are compared as written, with a warning naming the window figures (the *_30d columns,
cost_per_seat, seat_utilization_pct), whose deltas compare different windows, not a change, and
the columns on a 30-day basis in both. Demo data (a name ending _demo, or "demo": true in the
manifest or snapshot sidecar beside the file) is compared only with demo data: one demo file
against a live one is refused.

Options:
  --out-dir DIR        where files go (default: outputs/)
  --quiet              print nothing but errors
  -h, --help           show this help

Writes (dates from the file names, or the files' modification dates when renamed):
  helicone_pricing_compare_<old>_to_<new>.csv         one row per organization in either file
  helicone_pricing_compare_<old>_to_<new>_totals.csv  totals of every additive numeric column
  helicone_pricing_compare_<old>_to_<new>.md          summary: counts, totals, tier/plan changes
`;

async function stampOf(file: ExportFile): Promise<string> {
  if (file.name) return file.name.stamp;
  const stat = await Deno.stat(file.path);
  return isoDate(stat.mtime ?? new Date());
}

/**
 * Reads the two files (the columns a comparison reads) and writes their comparison, the
 * per-organization rows as they are made.
 */
async function compareFiles(
  { oldPath, newPath, outDir }: { oldPath: string; newPath: string; outDir: string },
): Promise<{ files: ComparisonFiles; summary: ComparisonSummary; context: ComparisonContext }> {
  const oldFile = await readExportFile(oldPath, { columns: COMPARED_COLUMNS });
  const newFile = await readExportFile(newPath, { columns: COMPARED_COLUMNS });
  const context: ComparisonContext = {
    oldLabel: basename(oldPath),
    newLabel: basename(newPath),
    oldStamp: await stampOf(oldFile),
    newStamp: await stampOf(newFile),
    // a renamed file's window is unknown: no warning can be given for it
    oldWindowDays: oldFile.name?.windowDays,
    newWindowDays: newFile.name?.windowDays,
  };
  const written = await writeComparison(oldFile.frame, newFile.frame, { outDir, context });
  return { ...written, context };
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
    const [oldPath, newPath] = parsed.positionals.map((path) => userPath(path));
    // dates from the names (a renamed file's is unknown), checked before anything is read
    const side = (path: string) => {
      const name = exportNameInfo(path);
      // a snapshot's name may have its time (2026-12-01T120000Z): ordered to the second
      return { label: basename(path), asOfDate: name ? asOfKey(name.asOf) : null };
    };
    const reversed = reversedOrderError(side(oldPath), side(newPath));
    if (reversed) throw new UserError(reversed);
    // demo data against live data compares nothing: refused from the names and the small files
    // beside them, before either export is read
    const mixed = mixedDemoError(
      { label: basename(oldPath), ...await demoMark(oldPath) },
      { label: basename(newPath), ...await demoMark(newPath) },
    );
    if (mixed) throw new UserError(mixed);
    const outDir = parsed.values["out-dir"] ?? DEFAULT_OUT_DIR;
    await prepareOutDir(outDir, { passed: parsed.values["out-dir"] !== undefined });
    const { files, summary, context } = await compareFiles({
      oldPath,
      newPath,
      outDir,
    });
    if (!parsed.values.quiet) {
      const warning = windowMismatchWarning(context);
      if (warning) console.error(`warning: ${warning}`);
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
      for (const path of [files.perOrgPath, files.totalsPath, files.summaryPath]) {
        console.log(`  ${path}`);
      }
    }
    return 0;
  } catch (error) {
    return failed(error);
  }
}

if (import.meta.main) await runMain(main);
