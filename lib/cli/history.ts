/**
 * `deno task history import|backfill|report`: the history folder's command line.
 * Errors are one line, exit code 1.
 */
import { outDirFlag } from "../core/chosen_by.ts";
import { type Env, loadEnv, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR, loadPricingData } from "../export.ts";
import { isoDate } from "../formats/files.ts";
import { backfill, monthStart } from "../history/backfill.ts";
import { reconciliationLine } from "../history/invoice_revenue.ts";
import { settleHistoryFolder } from "../history/settle.ts";
import {
  ensureHistoryDir,
  historyDir,
  historyDirChosenBy,
  historyDirNamed,
} from "../history/history_dir.ts";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";
import { parseAsOf } from "../core/window.ts";
import { nearestName } from "../core/nearest_name.ts";
import { quoteValue } from "../core/quote.ts";
import { importFiles } from "./history_import.ts";
import { untilInterrupted } from "./interrupt.ts";
import { historyInterruption } from "./history_interrupt.ts";
import { type HistoryCliContext, reportKind, writeHistoryReportFiles } from "./history_report.ts";

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
                          month, 00:00 UTC), then the report (once the folder holds two months:
                          with one, a line says so, exit 0); a month end an export or import
                          stored (with revenue) is kept and named, unless --replace
  report                  the MRR bridge per month, plan and billing currency, revenue retention
                          (NRR, GRR, logo churn), MRR cohorts, trends and charts, from the
                          snapshots

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

/** --months: a plain whole number (monthEndAsOfs checks its range). */
function parseMonths(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new UserError(
      `--months must be a whole number from 1 to 120, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

/** The first month-end as-of from `from`: itself when a 1st at 00:00 UTC, else the next 1st. */
const firstMonthEnd = (from: Date): Date =>
  monthStart(from).getTime() === from.getTime()
    ? from
    : new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));

/** Month-end as-ofs (1sts of months) from `from` (rounded up to a 1st) to `last`'s month. */
export function monthsFrom(from: Date, last: Date): number {
  const start = firstMonthEnd(from);
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

/** The history command's flags and positionals. */
function parseHistoryFlags(args: string[]) {
  return parseCommandFlags(args, {
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
}

export async function main(args: string[]): Promise<number> {
  try {
    const parsed = parseHistoryFlags(args);
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
    const env = await loadEnv(parsed.values["env-file"] ?? ".env", {
      required: parsed.values["env-file"] !== undefined,
    });
    const outDir = parsed.values["out-dir"] ?? DEFAULT_OUT_DIR;
    const quiet = parsed.values.quiet ?? false;
    const context: HistoryCliContext = {
      historyDir: parsed.values["history-dir"] ?? historyDir(env, outDir),
      historyDirNamed: parsed.values["history-dir"] ? "--history-dir" : historyDirNamed(env),
      outDir,
      outDirChosenBy: outDirFlag(parsed.values["out-dir"] !== undefined),
      quiet,
      log: quiet ? () => {} : (line) => console.log(line),
      warn: quiet ? () => {} : (line) => console.error(`warning: ${line}`),
    };
    const interruption = historyInterruption(command, context);
    return await untilInterrupted(
      (signal) =>
        historyCommand({ command, rest, parsed, env, context: { ...context, signal } }, {
          onStored: interruption.onStored,
        }),
      interruption,
    );
  } catch (error) {
    return failed(error);
  }
}

/** One history command once the command line is read. */
async function historyCommand(
  { command, rest, parsed, env, context }: {
    command: string | undefined;
    rest: string[];
    parsed: ReturnType<typeof parseHistoryFlags>;
    env: Env;
    context: HistoryCliContext;
  },
  { onStored }: { onStored: (path: string) => void },
): Promise<number> {
  const { outDir, quiet } = context;
  const chosenDemo = parsed.values.demo ? true : parsed.values.live ? false : undefined;
  switch (command) {
    case "import":
      await importFiles(rest.map((path) => userPath(path)), context, {
        replace: parsed.values.replace ?? false,
        signal: context.signal,
      });
      return 0;
    case "backfill": {
      if (rest.length > 0) throw new UserError(`backfill takes no files (got ${rest[0]})`);
      if (parsed.values.every !== undefined && parsed.values.every !== "month") {
        throw new UserError(
          `--every takes month (one snapshot per month end), got ${parsed.values.every}`,
        );
      }
      const last = parsed.values.to
        ? parseAsOf(parsed.values.to, {
          name: "--to",
          futureFix: "leave it out for the 1st of this month",
        })
        : new Date();
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
      const from = parsed.values.from
        ? parseAsOf(parsed.values.from, {
          name: "--from",
          futureFix: "give a month end up to now, or --months N",
        })
        : undefined;
      if (from && firstMonthEnd(from) !== from) {
        // said as --to's rounding is: 2024-02-29 is February, which as-of 2024-03-01 closes
        context.log(
          `--from ${parsed.values.from} is not the 1st of a month at 00:00 UTC: the first as-of is ${
            isoDate(firstMonthEnd(from))
          } (month ends only)`,
        );
      }
      const months = from ? monthsFrom(from, last) : parseMonths(parsed.values.months ?? "12");
      // Both folders are checked before the first snapshot: a failure after writing some
      // would exit 1 with the snapshots left in place.
      await ensureHistoryDir(context.historyDir, { named: context.historyDirNamed });
      // failed or stopped before its report, a new --out-dir goes too, if nothing was written
      await using _outDir = await prepareOutDir(outDir, {
        passed: parsed.values["out-dir"] !== undefined,
      });
      const result = await backfill({
        load: loadPricingData,
        env,
        historyDir: context.historyDir,
        historyDirChosenBy: historyDirChosenBy(context.historyDirNamed),
        outDir,
        outDirChosenBy: context.outDirChosenBy,
        months,
        last,
        demo: chosenDemo,
        quiet,
        log: context.log,
        replace: parsed.values.replace ?? false,
        signal: context.signal,
        onStored,
      });
      context.log(
        `backfilled ${result.snapshots.length} snapshot${
          result.snapshots.length === 1 ? "" : "s"
        } in ${result.durationMs} ms into ${context.historyDir}${
          result.kept.length > 0
            ? `; kept ${result.kept.length} stored one(s), named above (--replace writes over an export's or import's)`
            : ""
        }`,
      );
      return await writeHistoryReportFiles(context, {
        demo: result.demo,
        charts: !parsed.values["no-charts"],
        notes: [
          ...(result.reconciliation ? [reconciliationLine(result.reconciliation)] : []),
          ...(result.warnings ?? []),
        ],
        afterBackfill: true,
      });
    }
    case "report": {
      if (rest.length > 0) throw new UserError(`report takes no files (got ${rest[0]})`);
      // failed or stopped before publishing, a new --out-dir goes too, as nothing was written
      await using _outDir = await prepareOutDir(outDir, {
        passed: parsed.values["out-dir"] !== undefined,
      });
      // a report only reads the folder: it must not be a file, and need not be writable
      await ensureHistoryDir(context.historyDir, {
        named: context.historyDirNamed,
        write: false,
      });
      // what killed runs left is put back before the folder is read, once; a folder the
      // report cannot write is read as those runs left it, said in one warning
      await settleHistoryFolder(context.historyDir, {
        chosenBy: historyDirChosenBy(context.historyDirNamed),
        warn: context.warn,
        onLockWait: context.log,
        readOnly: "read",
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const kind = await reportKind(context.historyDir, chosenDemo);
      return await writeHistoryReportFiles(context, {
        demo: kind.demo,
        charts: !parsed.values["no-charts"],
        kindNote: kind.note,
      });
    }
    case undefined:
      throw new UserError("pass a command: import, backfill or report (see --help)");
    default: {
      const near = nearestName(command, ["import", "backfill", "report"]);
      throw new UserError(
        `unknown command ${quoteValue(command)}${
          near ? ` (did you mean ${near}?)` : ""
        }: use import, backfill or report (see --help)`,
      );
    }
  }
}

if (import.meta.main) await runMain(main);
