/**
 * `deno task export`: flags → runExport → (email, retention) → a short summary.
 * Exit codes: 0 done; 1 the export failed (one line on stderr, nothing new written);
 * 2 the export was written but emailing it or pruning old files failed, or lines of its summary
 * were lost (a redirect to a full disk); 130 / 143 interrupted
 * by SIGINT / SIGTERM (one line; see exportUntilInterrupted).
 */
import { outDirFlag } from "../core/chosen_by.ts";
import { loadEnv, UserError } from "../core/config.ts";
import { demoReasonText } from "../core/demo_reason.ts";
import { openFileLimitLine } from "../core/process_limits.ts";
import { emailExport, smtpSettingsFromEnv } from "../delivery/email.ts";
import {
  pruneExports,
  retentionDays,
  RetentionError,
  type RetentionResult,
} from "../delivery/retention.ts";
import { retentionSummary } from "../delivery/retention_summary.ts";
import { outDirChosenBy } from "../core/export_options.ts";
import { parseAsOf as parseAsOfRule, parseWindowDays } from "../core/window.ts";
import { revenueModeFromFlags, revenueSummaryLine } from "../revenue/mod.ts";
import {
  type ExportFormat,
  type ExportOptions,
  exportOptions,
  runExport,
  type StripeMode,
} from "../export.ts";
import { plainLine } from "../formats/markdown.ts";
import { formatBytes } from "../report/numbers.ts";
import { trimAboveBytesFromEnv } from "../report/brief.ts";
import { removeDeliveryFiles } from "../delivery/kept_files.ts";
import { parseCommandFlags, prepareOutDir, runMain } from "./args.ts";
import { listenForInterrupt } from "./interrupt.ts";
import { consoleFailureLine, keepGoingWhenConsoleFails } from "./console_output.ts";

export const HELP = `Usage: deno task export [options]

Exports every organization's seats, usage, LLM cost and revenue to dated CSV/XLSX files.
With no database configured (PRICING_PG_URL, PRICING_CH_URL) it exports the built-in demo data.

Options:
  --out-dir DIR        where files go (default: outputs/)
  --format F           csv, xlsx or both (default both); repeat or comma-separate
  --days N             window length in days, [as-of - N days, as-of) (default 30)
  --as-of TIME         end of the window: 2026-11-01 (midnight UTC) or 2026-11-01T12:00:00Z; not in the future (default now)
  --demo               use the built-in demo dataset even if databases are configured
  --live               require databases (fail instead of falling back to demo data)
  --skip-stripe        do not fetch revenue (revenue columns empty)
  --refresh-stripe     ignore today's Stripe cache and fetch again
  --require-stripe     fail (exit 1) if Stripe revenue cannot be fetched, or the account knows
                       none of the customers (combines with --refresh-stripe)
  --no-charts          draw no charts: no chart SVG/PNG files, and no chart images on the XLSX
                       summary sheet (a line there says so); a leaner, faster run
  --segments           also write one CSV (and XLSX sheet) per segment (docs/analysis.md → Segments)
  --email              email the brief and the CSV, or the XLSX without a CSV
                       (PRICING_SMTP_*, PRICING_EMAIL_*)
  --retention-days N   afterwards delete this kit's files dated more than N days ago, except
                       the newest export set of each kind (live, demo) (default
                       PRICING_RETENTION_DAYS, else keep every file)
  --env-file FILE      settings file read under the environment (default .env, may be
                       missing; a file named here must exist)
  --quiet              print nothing but errors: no warnings, nor what --retention-days
                       deleted (not with --verbose)
  --verbose            print stack traces with errors
  -h, --help           show this help

Exit codes: 0 done; 1 export failed (nothing new written); 2 export written, but the email or
the retention step failed, or lines of its summary were lost (stdout or stderr redirected to a
full disk); 130 / 143 stopped by Ctrl-C / SIGTERM (before publishing: nothing new written,
running queries stopped on their servers; while publishing: the export completes); a second
Ctrl-C stops at once.
`;

export interface CliArgs {
  options: Partial<ExportOptions>;
  envFile: string;
  /** whether --env-file named the file (then it must exist; the default .env is optional) */
  envFileNamed: boolean;
  help: boolean;
  email: boolean;
  /** the flag's text; validated with the environment's PRICING_RETENTION_DAYS */
  retentionDays?: string;
}

function parseFormats(values: string[]): ExportFormat[] {
  const formats = new Set<ExportFormat>();
  for (const value of values.flatMap((v) => v.split(","))) {
    const format = value.trim().toLowerCase();
    if (format === "both") {
      formats.add("csv");
      formats.add("xlsx");
    } else if (format === "csv" || format === "xlsx") formats.add(format);
    else throw new UserError(`--format must be csv, xlsx or both, got ${JSON.stringify(value)}`);
  }
  return [...formats];
}

/** The one as-of rule (lib/core/window.ts), with the flag's name in errors. */
export function parseAsOf(value: string): Date {
  return parseAsOfRule(value, { name: "--as-of" });
}

export function parseCli(args: string[]): CliArgs {
  const parsed = parseCommandFlags(args, {
    flags: {
      format: { type: "string", multiple: true },
      days: { type: "string" },
      "as-of": { type: "string" },
      demo: { type: "boolean" },
      live: { type: "boolean" },
      "skip-stripe": { type: "boolean" },
      "refresh-stripe": { type: "boolean" },
      "require-stripe": { type: "boolean" },
      "no-charts": { type: "boolean" },
      segments: { type: "boolean" },
      email: { type: "boolean" },
      "retention-days": { type: "string" },
      "env-file": { type: "string" },
      verbose: { type: "boolean" },
    },
    positionals: false,
  });
  const v = parsed.values;
  if (v.demo && v.live) throw new UserError("--demo and --live contradict each other; pick one");
  // --quiet hides the progress --verbose asks to see more of (its stack traces): one is meant
  if (v.quiet && v.verbose) {
    throw new UserError("--quiet and --verbose contradict each other; pick one");
  }
  const stripe: StripeMode | null = revenueModeFromFlags({
    skip: v["skip-stripe"],
    refresh: v["refresh-stripe"],
    require: v["require-stripe"],
  });
  if (stripe === null) {
    throw new UserError(
      "--skip-stripe cannot be combined with --refresh-stripe or --require-stripe",
    );
  }
  const options: Partial<ExportOptions> = { stripe, quiet: !!v.quiet, verbose: !!v.verbose };
  if (v["out-dir"]) options.outDir = v["out-dir"];
  if (v.format) options.formats = parseFormats(v.format);
  if (v.days !== undefined) options.windowDays = parseWindowDays(v.days, { name: "--days" });
  if (v["as-of"]) options.asOf = parseAsOf(v["as-of"]);
  if (v.demo) options.demo = true;
  if (v.live) options.demo = false;
  if (v["no-charts"]) options.charts = false;
  if (v.segments) options.segments = true;
  return {
    options,
    envFile: v["env-file"] ?? ".env",
    envFileNamed: v["env-file"] !== undefined,
    help: !!v.help,
    email: !!v.email,
    retentionDays: v["retention-days"],
  };
}

/** The copies of this run's files kept for the email (runExport's keepForDelivery), removed. */
async function removeDelivery(result: Awaited<ReturnType<typeof runExport>>): Promise<void> {
  if (result.delivery) await removeDeliveryFiles(result.delivery);
}

/** Email and retention after a successful export; their failures exit 2, the files stay. */
async function deliver(
  result: Awaited<ReturnType<typeof runExport>>,
  { options, smtp, keepDays, verbose }: {
    options: ExportOptions;
    smtp: ReturnType<typeof smtpSettingsFromEnv>;
    /** --retention-days or its setting (retentionDays); undefined: no pruning */
    keepDays: number | undefined;
    verbose: boolean;
  },
): Promise<number> {
  let code = 0;
  const fail = (step: string, error: unknown) => {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    // (control characters escaped: an SMTP reply is the relay's text, as a file's bytes are data)
    console.error(`error: ${step}: ${plainLine(message)} (the export itself was written)`);
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    code = 2;
  };
  const own = result.delivery ?? result;
  if (smtp) {
    try {
      const attached = await emailExport(smtp, {
        asOf: result.data.asOf,
        demo: result.data.demo,
        demoReason: result.data.demoReason,
        organizations: result.data.frame.height,
        warnings: result.data.warnings,
        windowDays: result.data.windowDays,
        // this run's own bytes (linked before the publish), whatever the folder holds now
        briefPath: own.briefPath,
        csvPath: own.csvPath,
        trimmedPath: own.trimmedPath,
        trimmedRows: result.trimmedRows,
        xlsxPath: own.xlsxPath,
        // as the brief judges the upload (an export's settings were read: this cannot throw)
        uploadLimitBytes: trimAboveBytesFromEnv(options.env ?? {}),
      });
      if (!options.quiet) console.log(`Emailed ${attached.join(", ")}`);
    } catch (error) {
      fail("email", error);
    } finally {
      await removeDelivery(result);
    }
  }
  if (keepDays !== undefined) {
    // what went, one line per date, and a set kept for being the newest (cron logs show this)
    const summarize = (result: RetentionResult) => {
      if (options.quiet) return;
      for (const line of retentionSummary(result, keepDays)) console.log(plainLine(line));
    };
    try {
      summarize(
        await pruneExports(options.outDir, {
          keepDays,
          now: new Date(),
          protect: [...result.files, result.manifestPath],
          onWait: options.quiet ? () => {} : undefined,
          chosenBy: outDirChosenBy(options),
        }),
      );
    } catch (error) {
      if (!(error instanceof RetentionError)) fail("retention", error);
      else {
        // the others went: say so, then one line per file that stayed
        summarize(error.result);
        for (const { path, reason } of error.failures) {
          fail("retention", new Error(`could not delete ${path}: ${reason}`));
        }
      }
    }
  }
  return code;
}

/**
 * runExport, stopped by Ctrl-C or SIGTERM: before publishing, nothing new is written (the export
 * removes its staging folder and snapshot); once publishing, the set completes. Either way one
 * line says which, and the exit code is the signal's (130, 143): email and retention are skipped.
 */
async function exportUntilInterrupted(
  options: ExportOptions,
  progress: (line: string) => void,
): Promise<Awaited<ReturnType<typeof runExport>> | number> {
  using interrupt = listenForInterrupt({
    onFirst: (name) =>
      progress(`${name}: stopping before the export's next step (again, a second later: at once)`),
  });
  try {
    const result = await runExport({ ...options, log: progress, signal: interrupt.signal });
    await interrupt.delivered(); // a signal sent as the export returned counts
    const name = interrupt.received();
    if (name === undefined) return result;
    // no email follows: its copies of this run's files go
    await removeDelivery(result);
    console.error(
      `error: interrupted (${name}) once publishing had begun: the export is complete (${result.manifestPath}); email and retention skipped`,
    );
    return interrupt.exitCode();
  } catch (error) {
    const name = interrupt.received();
    if (name === undefined || error !== interrupt.signal.reason) throw error;
    console.error(
      `error: interrupted (${name}): stopped before publishing; nothing new was written`,
    );
    return interrupt.exitCode();
  }
}

export async function main(args: string[]): Promise<number> {
  using output = keepGoingWhenConsoleFails();
  const run = { written: false };
  const code = await exportCommand(args, run);
  const lost = output.failure();
  // a full disk behind a redirect lost lines of a written export: say it (on the other stream,
  // if that one takes it) and exit 2, as a failed email or retention does
  if (lost === null || !run.written || code !== 0) return code;
  console.error(consoleFailureLine(lost));
  return 2;
}

async function exportCommand(args: string[], run: { written: boolean }): Promise<number> {
  // (with --quiet too, parseCli refuses the pair: that one line, no stack trace)
  let verbose = args.includes("--verbose") && !args.includes("--quiet");
  try {
    const cli = parseCli(args);
    verbose = !!cli.options.verbose;
    if (cli.help) {
      console.log(HELP);
      return 0;
    }
    const env = await loadEnv(cli.envFile, { required: cli.envFileNamed });
    // --email sends this run's own files, kept aside as they are published
    const options = {
      ...exportOptions({ ...cli.options, env }),
      keepForDelivery: cli.email,
      // a folder that cannot be written names --out-dir (passed) or says to pass it (outputs/)
      outDirChosenBy: outDirFlag(cli.options.outDir !== undefined),
    };
    const say = (line: string) => {
      if (!options.quiet) console.error(line);
    };
    // Stage progress only on a terminal: logs and pipes get the summary and errors alone.
    const progress = (line: string) => {
      if (!options.quiet && Deno.stderr.isTerminal()) console.error(line);
    };
    // Check the delivery settings before spending minutes on the export.
    const keepDays = retentionDays(cli.retentionDays, env);
    const smtp = cli.email ? smtpSettingsFromEnv(env) : null;
    if (cli.email && !smtp) {
      throw new UserError(
        "--email needs PRICING_SMTP_HOST, PRICING_EMAIL_FROM and PRICING_EMAIL_TO (see docs/server.md → Email)",
      );
    }
    // checked before the delivery settings' work: the folder's errors name --out-dir as passed;
    // failed or stopped before publishing, a new --out-dir goes too, as nothing was written
    await using _outDir = await prepareOutDir(options.outDir, {
      passed: cli.options.outDir !== undefined,
    });
    const result = await exportUntilInterrupted(options, progress);
    if (typeof result === "number") return result;
    run.written = true;
    const { data } = result;
    if (data.demo && !options.quiet) {
      console.log(
        `━━ DEMO DATA ━━ ${demoReasonText(data.demoReason ?? "no-database")}, so these files\n` +
          "hold the built-in synthetic dataset, not your company's numbers. See README → Configuration.",
      );
    }
    for (const warning of data.warnings) say(`warning: ${plainLine(warning)}`);
    if (!options.quiet) {
      console.log(
        `Exported ${data.frame.height} organizations, window ${data.window.start.toISOString()} → ${data.window.end.toISOString()} (${data.windowDays} days)`,
      );
      // data files first, then charts, then the manifest
      const dataFirst = [...result.files].sort((a, b) =>
        Number(/\.(svg|png)$/.test(a)) - Number(/\.(svg|png)$/.test(b))
      );
      // the sizes this run wrote (a later run of the same set may have replaced the files)
      for (const file of [...dataFirst, result.manifestPath]) {
        // (a folder's name may hold a line break: one file per line, escaped)
        console.log(
          `  ${plainLine(file)} (${
            formatBytes(result.bytes[file] ?? (await Deno.stat(file)).size)
          })`,
        );
      }
      console.log(revenueSummaryLine(data.revenue));
    }
    return await deliver(result, { options, smtp, keepDays, verbose });
  } catch (error) {
    // (control characters escaped: a message may quote a file's bytes, a price book's)
    // out of file descriptors: whichever file came last is named, the limit is the fault
    const limitLine = openFileLimitLine(error);
    if (limitLine) console.error(`error: ${limitLine}, and run again`);
    else if (error instanceof UserError) {
      console.error(`error: ${plainLine(error.message)}`);
    } else {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      console.error(
        `error: ${plainLine(message)}${verbose ? "" : " (run with --verbose for details)"}`,
      );
    }
    if (verbose && error instanceof Error && error.stack) console.error(error.stack);
    return 1;
  }
}

if (import.meta.main) await runMain(main);
