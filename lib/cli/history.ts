/**
 * `deno task history import|backfill|report`: the history folder's command line.
 * Errors are one line, exit code 1.
 */
import { loadEnv, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR, loadPricingData } from "../export.ts";
import { basename, dirname, extname, join } from "node:path";
import { isoDate, stampedFileName, STANDARD_WINDOW_DAYS } from "../formats/files.ts";
import { type ExportNameInfo, exportNameInfo, readExportFile } from "../formats/read_export.ts";
import { exportPart } from "../report/export_parts.ts";
import { backfill, monthStart } from "../history/backfill.ts";
import { reconciliationLine } from "../history/invoice_revenue.ts";
import { asOfKey } from "../history/periods.ts";
import { keptOverNoRevenue, replacedSnapshot } from "../history/keep.ts";
import {
  loadHistoryReport,
  loadMonthlyHistoryPoints,
  writeHistoryReport,
} from "../history/report.ts";
import {
  ensureHistoryDir,
  historyDir,
  historyDirNamed,
  listSnapshots,
  type PreparedSnapshot,
  prepareSnapshot,
} from "../history/snapshot.ts";
import { snapshotFileName } from "../history/snapshot_names.ts";
import {
  type ExactAsOf,
  exportAsOfProblem,
  exportExactAsOf,
  exportFileFacts,
  withRowsFacts,
} from "../formats/export_demo.ts";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";
import { parseAsOf } from "../core/window.ts";

export const HELP = `Usage: deno task history <command> [options]

Commands:
  import FILE…            import older 30-day exports (helicone_pricing_data_<date>[_demo].csv,
                          .xlsx or .parquet) into the history folder as Parquet snapshots (the
                          as-of is the exact one of the manifest beside the file, else the name's
                          date at 00:00 UTC; not in the future); all of them or, on an error,
                          none. Whole exports only: a segment file (…_<date>_underpriced.csv)
                          or the trimmed CSV (…_trimmed.csv) is refused, naming the export to
                          import instead. An earlier kit version's export is imported with the
                          columns added since left empty (said in a line). A file whose rows'
                          revenue_source is demo is stored as a demo snapshot whatever its
                          name (said in a line). A file without revenue does not replace a
                          stored snapshot of its as-of that has revenue (said in a line),
                          unless --replace; each line says what an import replaced
  backfill --months N     write a snapshot at each of the last N month ends (as-of the 1st of each
                          month, 00:00 UTC), then the report; a month end an export or import
                          stored (with revenue) is kept and named, unless --replace
  report                  the MRR bridge per month and plan, trends and charts, from the snapshots

Options:
  --history-dir DIR       the history folder (default PRICING_HISTORY_DIR, else <out-dir>/history)
  --out-dir DIR           where the report goes (default outputs/)
  --live                  backfill/report: the live snapshots (a backfill needs a database and
                          STRIPE_SECRET_KEY)
  --demo                  backfill/report: the demo dataset's snapshots
                          (backfill default: demo when no database is configured; report default:
                          the live snapshots, or the demo ones when the folder holds no live one)
  --months N              backfill: how many month ends (default 12)
  --from DATE             backfill: from this month on instead of --months (the first as-of is
                          the 1st of the month after DATE's, unless DATE is a 1st)
  --every month           backfill: the step between snapshots (month, the only one)
  --to DATE               backfill: the last as-of, rounded down to the 1st of DATE's month
                          (default the 1st of this month)
  --replace               backfill: write over the month ends an export or import stored (they
                          have the base/add-on split, status, interval and plan names a backfill
                          leaves empty); import: a file without revenue over a stored snapshot
                          that has revenue
  --no-charts             backfill/report: no charts (an earlier report's charts of the same
                          name are removed: they would show its numbers)
  --env-file FILE         settings file (default .env, may be missing; a file named here must
                          exist)
  --quiet                 print nothing but errors
  -h, --help              show this help

An option a command does not take is refused (report takes no --months: it reports every
snapshot in the folder).
`;

export interface HistoryCliContext {
  historyDir: string;
  /** the flag or setting that chose historyDir (its errors name it), else the default */
  historyDirNamed?: string;
  outDir: string;
  quiet: boolean;
  log: (line: string) => void;
}

/**
 * Imports export files as snapshots, all or none: every name is checked first (its as-of: the
 * manifest's exact one where it is beside the file, else the name's date; not in the future, one
 * file per snapshot), then each file is read and written under a temporary name, and only when all
 * are written are they put in place (a stored snapshot with revenue kept over a file without, as
 * an export's is: keep.ts).
 */
async function importFiles(
  files: string[],
  context: HistoryCliContext,
  { replace }: { replace: boolean },
): Promise<void> {
  if (files.length === 0) throw new UserError("pass one or more export files to import");
  const now = new Date();
  // per file, its exact as-of (exportExactAsOf)
  const asOfs = new Map<string, ExactAsOf>();
  for (const file of files) {
    if (!(await Deno.stat(file).catch(() => null))?.isFile) {
      throw new UserError(`${file} does not exist or is not a file; pass an export of this kit`);
    }
    const name = exportNameInfo(file);
    // the kit's other files are no export whatever their name says: no rename makes one
    const other = /^helicone_pricing_(compare|scenario|history)_/.exec(basename(file))?.[1];
    if (!name && other) {
      throw new UserError(
        `${file} is a ${other} file, not an export: import takes the exports the kit wrote (helicone_pricing_data_<YYYY-MM-DD>[_demo].csv or .xlsx)`,
      );
    }
    if (!name) {
      throw new UserError(
        `${file}: the as-of date comes from the name helicone_pricing_data_<YYYY-MM-DD>[_demo].csv; rename the file`,
      );
    }
    if (name.windowDays !== STANDARD_WINDOW_DAYS) {
      throw new UserError(
        `${file}: a ${name.windowDays}-day export; history compares 30-day exports only (export without --days)`,
      );
    }
    if (name.suffix !== null) throw new UserError(partOfExportError(file, name));
    const exact = (await exportExactAsOf(file))!;
    const problem = exportAsOfProblem(exact.asOf, now.getTime());
    if (problem !== null) {
      throw new UserError(`${file}: ${problem}; rename it to the date it was exported`);
    }
    asOfs.set(file, exact);
  }
  await ensureHistoryDir(context.historyDir, { named: context.historyDirNamed });
  const dir = context.historyDir;
  // per file, in order: its snapshot and what it replaces, or why the stored one is kept
  const outcomes: {
    file: string;
    snapshot?: PreparedSnapshot;
    replaced?: string | null;
    kept?: string;
    lacks?: string | null;
    demoLine?: string | null;
  }[] = [];
  // per snapshot name, the file that goes there (known once the rows say demo data or not)
  const bySnapshot = new Map<string, string>();
  try {
    for (const file of files) {
      // an earlier kit version's export too: the past as-of's revenue cannot be exported again
      const read = await readExportFile(file, { earlier: true });
      const lacks = read.lacks.length > 0 ? lacksLine(read.lacks) : null;
      // demo data whatever the name says (a renamed demo export stored as live history would
      // read as every customer churning or signing up beside the real months)
      const mark = withRowsFacts(await exportFileFacts(file), read.frame).demo;
      const { demo } = mark;
      const demoLine = demo && !read.name!.demo
        ? `stored as a demo snapshot, not a live one: ${mark.why}`
        : null;
      const { asOf } = asOfs.get(file)!;
      const snapshotName = snapshotFileName(asOf, demo);
      const same = bySnapshot.get(snapshotName);
      if (same) {
        const stamp = snapshotName.replace(/^helicone_pricing_data_|\.parquet$/g, "");
        throw new UserError(`${same} and ${file} are both dated ${stamp}; import one`);
      }
      bySnapshot.set(snapshotName, file);
      // the rules of an export's snapshot (keep.ts): without revenue, a stored one with revenue
      // stays, unless --replace
      const kept = replace
        ? null
        : await keptOverNoRevenue(dir, { asOf, demo, frame: read.frame, writer: "import" });
      if (kept) {
        outcomes.push({ file, kept: kept.reason });
        continue;
      }
      outcomes.push({
        file,
        lacks,
        demoLine,
        replaced: await replacedSnapshot(dir, { asOf, demo, frame: read.frame }),
        snapshot: await prepareSnapshot(read.frame, {
          dir,
          asOf,
          demo,
          origin: "import",
          sourceFile: file,
          warnings: [
            `imported from ${file}`,
            ...(demoLine ? [demoLine] : []),
            ...(lacks ? [lacks] : []),
          ],
        }),
      });
    }
  } catch (error) {
    for (const { snapshot } of outcomes) await snapshot?.discard();
    throw error;
  }
  for (const { file, snapshot, replaced, kept, lacks, demoLine } of outcomes) {
    if (!snapshot) {
      context.log(`${file}: ${kept}`);
      continue;
    }
    await snapshot.commit();
    if (demoLine) context.log(`${file}: ${demoLine}`);
    if (lacks) context.log(`${file}: ${lacks}`);
    context.log(
      `imported ${file} as ${asOfKey(snapshot.asOf)} (${asOfs.get(file)!.from}) → ${snapshot.path}${
        replaced ? ` (${replaced})` : ""
      }`,
    );
  }
}

/** What an earlier kit version's export lacks, in one line (lib/frame/earlier_columns.ts). */
function lacksLine(lacks: readonly string[]): string {
  const names = lacks.length === 1
    ? lacks[0]
    : `${lacks.slice(0, -1).join(", ")} and ${lacks.at(-1)}`;
  return `an export of an earlier kit version: it has no ${names} (added since), left empty in its snapshot`;
}

/**
 * Why a segment, the trimmed CSV or a file with another suffix is not imported, and which file
 * to import instead: a snapshot stands for the whole company at its month end, so a segment's 14
 * organizations would read as everyone else churning.
 */
function partOfExportError(file: string, name: ExportNameInfo): string {
  const whole = join(dirname(file), stampedFileName(name.stamp, { ext: "csv" }));
  const part = exportPart(name.suffix!);
  return part
    ? `${file} is ${part.name} (${part.holds}), not the whole company a snapshot stands for; import the whole export ${whole} (or its .xlsx)`
    : `${file}: "_${name.suffix}" after the date is not a name the kit gives a whole export; if it is the whole export, rename it ${
      basename(whole).replace(/\.csv$/, () => extname(file))
    }`;
}

/** --months: a plain whole number (monthEndAsOfs checks its range). */
function parseMonths(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new UserError(
      `--months must be a whole number from 1 to 120, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

/** Month-end as-ofs (1sts of months) from `from` (rounded up to a 1st) to `last`'s month. */
export function monthsFrom(from: Date, last: Date): number {
  const start = monthStart(from).getTime() === from.getTime()
    ? from
    : new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const end = monthStart(last);
  const months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() -
    start.getUTCMonth() + 1;
  if (months < 1) {
    throw new UserError(`--from ${isoDate(from)} is after the last as-of ${isoDate(end)}`);
  }
  return months;
}

/** The options each command takes besides --history-dir, --out-dir, --env-file and --quiet. */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  import: ["replace"],
  backfill: ["months", "from", "every", "to", "demo", "live", "no-charts", "replace"],
  report: ["demo", "live", "no-charts"],
};
const SHARED_OPTIONS = ["history-dir", "out-dir", "env-file", "quiet", "help"];

/** Refuses an option the command does not take: it would be silently ignored. */
function refuseForeignOptions(command: string, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || SHARED_OPTIONS.includes(name)) continue;
    if (COMMAND_OPTIONS[command].includes(name)) continue;
    const takers = Object.keys(COMMAND_OPTIONS).filter((c) => COMMAND_OPTIONS[c].includes(name));
    throw new UserError(
      `--${name} is ${takers.join("/")} only; history ${command} does not take it (see --help)`,
    );
  }
}

/**
 * Which snapshots a report reads. --demo/--live choose; otherwise the live ones (reading a
 * shared folder needs no database), or the demo ones when the folder holds no live snapshot.
 * When both kinds are there, `note` says which was taken and how to pick the other.
 */
export async function reportKind(
  dir: string,
  chosen: boolean | undefined,
): Promise<{ demo: boolean; note: string | null }> {
  if (chosen !== undefined) return { demo: chosen, note: null };
  const live = (await listSnapshots(dir, false)).length;
  const demo = (await listSnapshots(dir, true)).length;
  if (live === 0 && demo > 0) return { demo: true, note: null };
  return {
    demo: false,
    note: live > 0 && demo > 0
      ? `${dir} holds ${live} live and ${demo} demo snapshot(s): reporting the live ones (pass --demo for the demo ones)`
      : null,
  };
}

async function report(
  context: HistoryCliContext,
  { demo, charts, notes = [], kindNote = null }: {
    demo: boolean;
    charts: boolean;
    notes?: string[];
    /** which kind reportKind took, when the folder holds both: said once the report can run */
    kindNote?: string | null;
  },
): Promise<number> {
  if (!(await Deno.stat(context.historyDir).then((s) => s.isDirectory, () => false))) {
    // (said as "holds 0 snapshot month(s)" before: a mistyped folder read as an empty one)
    throw new UserError(
      `the history folder ${context.historyDir}${
        context.historyDirNamed ? ` (${context.historyDirNamed})` : ""
      } does not exist or is no folder; name the folder the exports' snapshots are in, or export at two as-of dates or run deno task history backfill`,
    );
  }
  const points = await loadMonthlyHistoryPoints(context.historyDir, demo);
  if (points.length < 2) { // (buildHistoryReport also refuses fewer than two with revenue)
    const other = (await listSnapshots(context.historyDir, !demo)).length;
    throw new UserError(
      `${context.historyDir} holds ${points.length} ${
        demo ? "demo" : "live"
      } snapshot month(s) and a report needs two; ${
        other >= 2
          ? `pass ${demo ? "--live" : "--demo"} for its ${other} ${
            demo ? "live" : "demo"
          } snapshot(s)`
          : "export at two as-of dates or run deno task history backfill"
      }`,
    );
  }
  if (kindNote) context.log(kindNote);
  const built = await loadHistoryReport(points, demo);
  if (built.months.length === 0) {
    // every snapshot is of a time before the first organization: a bridge of nothing
    context.log(
      `${context.historyDir}: its ${points.length} ${demo ? "demo" : "live"} snapshot month(s), ${
        asOfKey(points[0].asOf)
      } to ${
        asOfKey(points.at(-1)!.asOf)
      }, hold no organizations: no history report written (nothing to bridge)`,
    );
    return 0;
  }
  const files = await writeHistoryReport(built, { outDir: context.outDir, charts, notes });
  context.log(
    `history ${built.months[0]} to ${built.months.at(-1)} (${built.months.length} snapshots):`,
  );
  for (const path of [files.csvPath, files.changesPath, files.markdownPath, ...files.chartPaths]) {
    context.log(`  ${path}`);
  }
  if (built.failures.length > 0) {
    const f = built.failures[0];
    console.error(
      `error: the bridge does not reconcile in ${built.failures.length} place(s), first ${f.month}${
        f.plan === null ? "" : ` plan ${f.plan}`
      }: ${f.problem}`,
    );
    return 1;
  }
  return 0;
}

export async function main(args: string[]): Promise<number> {
  try {
    const parsed = parseCommandFlags(args, {
      flags: {
        "history-dir": { type: "string" },
        "env-file": { type: "string" },
        months: { type: "string" },
        to: { type: "string" },
        from: { type: "string" },
        every: { type: "string" },
        "no-charts": { type: "boolean" },
        replace: { type: "boolean" },
        demo: { type: "boolean" },
        live: { type: "boolean" },
      },
      positionals: true,
    });
    if (parsed.values.help) {
      console.log(HELP);
      return 0;
    }
    const [command, ...rest] = parsed.positionals;
    if (command !== undefined && command in COMMAND_OPTIONS) {
      refuseForeignOptions(command, parsed.values);
    }
    if (parsed.values.demo && parsed.values.live) {
      throw new UserError("--demo and --live contradict each other; pick one");
    }
    const chosenDemo = parsed.values.demo ? true : parsed.values.live ? false : undefined;
    const env = await loadEnv(parsed.values["env-file"] ?? ".env", {
      required: parsed.values["env-file"] !== undefined,
    });
    const outDir = parsed.values["out-dir"] ?? DEFAULT_OUT_DIR;
    const quiet = parsed.values.quiet ?? false;
    const context: HistoryCliContext = {
      historyDir: parsed.values["history-dir"] ?? historyDir(env, outDir),
      historyDirNamed: parsed.values["history-dir"] ? "--history-dir" : historyDirNamed(env),
      outDir,
      quiet,
      log: quiet ? () => {} : (line) => console.log(line),
    };
    switch (command) {
      case "import":
        await importFiles(rest.map((path) => userPath(path)), context, {
          replace: parsed.values.replace ?? false,
        });
        return 0;
      case "backfill": {
        if (rest.length > 0) throw new UserError(`backfill takes no files (got ${rest[0]})`);
        if (parsed.values.every !== undefined && parsed.values.every !== "month") {
          throw new UserError(
            `--every takes month (one snapshot per month end), got ${parsed.values.every}`,
          );
        }
        const last = parsed.values.to ? parseAsOf(parsed.values.to, { name: "--to" }) : new Date();
        if (parsed.values.to && monthStart(last).getTime() !== last.getTime()) {
          context.log(
            `--to ${parsed.values.to} is not the 1st of a month at 00:00 UTC: the last as-of is ${
              isoDate(monthStart(last))
            } (month ends only)`,
          );
        }
        if (parsed.values.from && parsed.values.months) {
          throw new UserError("pass --from or --months, not both");
        }
        const months = parsed.values.from
          ? monthsFrom(parseAsOf(parsed.values.from, { name: "--from" }), last)
          : parseMonths(parsed.values.months ?? "12");
        // Both folders are checked before the first snapshot: a failure after writing some
        // would exit 1 with the snapshots left in place.
        await ensureHistoryDir(context.historyDir, { named: context.historyDirNamed });
        await prepareOutDir(outDir, { passed: parsed.values["out-dir"] !== undefined });
        const result = await backfill({
          load: loadPricingData,
          env,
          historyDir: context.historyDir,
          outDir,
          months,
          last,
          demo: chosenDemo,
          quiet,
          log: context.log,
          replace: parsed.values.replace ?? false,
        });
        context.log(
          `backfilled ${result.snapshots.length} snapshots in ${result.durationMs} ms into ${context.historyDir}${
            result.kept.length > 0
              ? `; kept ${result.kept.length} stored one(s), named above (--replace writes over an export's or import's)`
              : ""
          }`,
        );
        return await report(context, {
          demo: result.demo,
          charts: !parsed.values["no-charts"],
          notes: [
            ...(result.reconciliation ? [reconciliationLine(result.reconciliation)] : []),
            ...(result.warnings ?? []),
          ],
        });
      }
      case "report": {
        if (rest.length > 0) throw new UserError(`report takes no files (got ${rest[0]})`);
        await prepareOutDir(outDir, { passed: parsed.values["out-dir"] !== undefined });
        // a report only reads the folder: it must not be a file, and need not be writable
        await ensureHistoryDir(context.historyDir, {
          named: context.historyDirNamed,
          write: false,
        });
        const kind = await reportKind(context.historyDir, chosenDemo);
        return await report(context, {
          demo: kind.demo,
          charts: !parsed.values["no-charts"],
          kindNote: kind.note,
        });
      }
      case undefined:
        throw new UserError("pass a command: import, backfill or report (see --help)");
      default:
        throw new UserError(`unknown command ${command}: use import, backfill or report`);
    }
  } catch (error) {
    return failed(error);
  }
}

if (import.meta.main) await runMain(main);
