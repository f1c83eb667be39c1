/**
 * `deno task scenario <scenario.json> [more.json …]`: prices every organization under each
 * scenario and writes the comparison with current MRR (per organization, per tier, Markdown
 * summary with the breakeven price) to outputs/. Errors are one line, exit code 1.
 */
import { outDirFlag } from "../core/chosen_by.ts";
import { basename } from "node:path";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";
import { parseAsOf } from "./export.ts";
import { parseWindowDays } from "../core/window.ts";
import { loadEnv, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR, type ExportOptions, loadPricingData } from "../export.ts";
import { isoDate } from "../formats/files.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import { usageOnMonthlyBasis } from "../frame/monthly.ts";
import { plainLine } from "../formats/markdown.ts";
import { formatChangePct, formatCount, formatUsd } from "../report/numbers.ts";
import { readExportFile } from "../formats/read_export.ts";
import {
  exportAsOfProblem,
  exportAssumptionWarning,
  exportFileFacts,
  withRowsFacts,
} from "../formats/export_demo.ts";
import { exportPart } from "../report/export_parts.ts";
import { writeFileSet } from "../formats/staging.ts";
import {
  compareScenario,
  COST_UNRECORDED_COLUMNS,
  isPriceBook,
  loadScenarioFile,
  MARGIN_INPUT_COLUMNS,
  marginLine,
  NO_KNOWN_CURRENT,
  noneComparedReason,
  perOrgWithWindowUsage,
  priceBookBaseline,
  priceBookLine,
  priceParameter,
  type Scenario,
  SCENARIO_INPUT_COLUMNS,
  type ScenarioReport,
  type ScenarioReportContext,
  stageScenarioFiles,
  windowNote,
} from "../analysis/scenario/mod.ts";
import type pl from "nodejs-polars";
import { loadPriceBook } from "../economics/price_book.ts";

export const HELP = `Usage: deno task scenario <scenario.json> [more.json …] [options]

Prices every organization under a pricing scenario and compares it with current MRR: per
organization (current, proposed, delta, % change, pays more / less), totals by tier, the
breakeven price of the scenario's "breakeven" parameter, the proposal against the price book
(PRICING_PRICE_BOOK) on the same organizations, and the company margin before and after (MRR +
PTB revenue − company cost, the cost unchanged). Example scenarios are in scenarios/;
their format, price bounds and warnings are in docs/analysis.md (Scenarios).

Data: an export file given with --input, or fresh data from the export pipeline (demo data when
no database is configured, as deno task export does).

Options:
  --input FILE         an export of this kit (helicone_pricing_data_*.csv or .xlsx) or a
                       history snapshot (outputs/history/helicone_pricing_data_*.parquet);
                       another window's (…_7d.csv) usage is priced on a 30-day basis, as --days
  --out-dir DIR        where files go (default: outputs/)
  --breakeven PATH     price to solve for, e.g. plans[0].pctOfLlmCost.percent
                       (default: the scenario's "breakeven" field); a price the scenario
                       charges, not one of meteredPrices (docs/analysis.md, Scenarios)
  --demo / --live      fresh data only: force demo data / require databases
  --as-of TIME         fresh data only: end of the window (default now)
  --days N             fresh data only: window length in days (default 30); its usage is priced
                       on a 30-day basis (× 30 / N), as prices are monthly; active users are
                       not scaled (flatTiers on active_users_30d are warned of)
  --env-file FILE      settings file read under the environment (default .env, may be
                       missing; a file named here must exist)
  --quiet              print nothing but errors
  -h, --help           show this help

Writes, per scenario, in the output directory (date = the data's as-of date):
  helicone_pricing_scenario_<name>_<date>.csv          one row per organization
  helicone_pricing_scenario_<name>_<date>_by_tier.csv  totals and margins per tier, last row "all"
  helicone_pricing_scenario_<name>_<date>.md           summary: against the price book, company
                                                       margin, breakeven, biggest movers

--input a segment file or the trimmed CSV (helicone_pricing_data_<date>_<segment>.csv, …_trimmed.csv)
prices those organizations only: <date> keeps the suffix (…_<date>_underpriced.csv), so the whole
export's files are not replaced, and the summary and the printed line say which part was priced.
A renamed file's as-of, window and demo flag come from the manifest copied beside it
(<renamed>.manifest.json), else from a workbook's summary sheet; without either, a warning says
what was assumed (live data, a 30-day window, the file's modification date). A file whose rows'
revenue_source is demo is demo data, whatever its name.
`;

interface ScenarioArgs {
  files: string[];
  input?: string;
  outDir: string;
  /** --out-dir named outDir (else the default): its errors name the flag */
  outDirPassed: boolean;
  breakeven?: string;
  options: Partial<ExportOptions>;
  envFile: string;
  /** whether --env-file named the file (then it must exist; the default .env is optional) */
  envFileNamed: boolean;
  quiet: boolean;
  help: boolean;
}

export function parseScenarioArgs(args: string[]): ScenarioArgs {
  const parsed = parseCommandFlags(args, {
    flags: {
      input: { type: "string" },
      breakeven: { type: "string" },
      demo: { type: "boolean" },
      live: { type: "boolean" },
      "as-of": { type: "string" },
      days: { type: "string" },
      "env-file": { type: "string" },
    },
    positionals: true,
  });
  const v = parsed.values;
  const help = !!v.help;
  if (!help && parsed.positionals.length === 0) {
    throw new UserError(
      "no scenario file: pass one such as scenarios/per_request.json (see --help)",
    );
  }
  if (v.demo && v.live) throw new UserError("--demo and --live contradict each other; pick one");
  const fresh = v.demo || v.live || v["as-of"] !== undefined || v.days !== undefined;
  if (v.input && fresh) {
    throw new UserError(
      "--demo, --live, --as-of and --days are for fresh data; drop them with --input",
    );
  }
  const options: Partial<ExportOptions> = { quiet: !!v.quiet };
  if (v.demo) options.demo = true;
  if (v.live) options.demo = false;
  if (v["as-of"]) options.asOf = parseAsOf(v["as-of"]);
  if (v.days !== undefined) options.windowDays = parseWindowDays(v.days, { name: "--days" });
  return {
    files: parsed.positionals.map((path) => userPath(path)),
    input: v.input,
    outDir: v["out-dir"] ?? DEFAULT_OUT_DIR,
    outDirPassed: v["out-dir"] !== undefined,
    breakeven: v.breakeven,
    options,
    envFile: v["env-file"] ?? ".env",
    envFileNamed: v["env-file"] !== undefined,
    quiet: !!v.quiet,
    help,
  };
}

/** A scenario and the file it came from. */
interface ScenarioSource {
  file: string;
  scenario: Scenario;
}

/**
 * Reads every scenario and checks what spans them before any data is loaded or file written:
 * --breakeven names a price in each, and no two share a name (their files would overwrite).
 */
export async function loadScenarios(
  files: string[],
  { breakeven }: { breakeven?: string },
): Promise<ScenarioSource[]> {
  const sources: ScenarioSource[] = [];
  for (const file of files) {
    const scenario = await loadScenarioFile(file);
    if (breakeven !== undefined) {
      try {
        priceParameter(scenario, breakeven);
      } catch (error) {
        throw new UserError(`${file}: --breakeven ${(error as Error).message}`);
      }
    }
    const same = sources.find((source) => source.scenario.name === scenario.name);
    if (same && await Deno.realPath(same.file) === await Deno.realPath(file)) {
      throw new UserError(`${file} is given more than once; give each scenario file once`);
    }
    if (same) {
      throw new UserError(
        `${same.file} and ${file} are both named ${
          JSON.stringify(scenario.name)
        } (the name names the output files); rename one`,
      );
    }
    sources.push({ file, scenario });
  }
  return sources;
}

/**
 * The export file given with --input and what it is: its as-of, window and demo flag from its name,
 * else from the manifest beside it (a renamed file), else assumed with a one-line warning; a
 * segment or trimmed file keeps its suffix in the output names (a segment's scenario never replaces
 * the whole export's) and its summary says which part it priced.
 */
async function loadInputFile(
  path: string,
  { quiet }: { quiet: boolean },
): Promise<{ frame: pl.DataFrame; context: ScenarioReportContext }> {
  // the columns a scenario reads only (SCENARIO_INPUT_COLUMNS: 13 of the export's 46); a missing
  // file or one that is not an export is refused before anything is said about it
  // an earlier kit version's export too: it has every column a scenario reads
  const file = await readExportFile(path, {
    // billing_interval and currency: the term-billing and currency warnings (term_notes.ts,
    // currency_notes.ts), not pricing; the company
    // margin's cost and PTB revenue (an earlier kit version's export lacks them: said), and the
    // pass-through requests without a cost that make it an upper bound
    columns: [
      ...SCENARIO_INPUT_COLUMNS,
      "billing_interval",
      "currency",
      ...MARGIN_INPUT_COLUMNS,
      // MARGIN_BOUND_COLUMN among them
      ...COST_UNRECORDED_COLUMNS,
    ],
    earlier: true,
  });
  // said on stderr and in each summary: a summary priced on an assumed window must say so
  const dataWarnings: string[] = [];
  // an export from before the requests without a cost reads as none (the margin as before, no
  // lower bound said): not said
  const lacks = file.lacks.filter((name) =>
    !(COST_UNRECORDED_COLUMNS as readonly string[]).includes(name)
  );
  if (lacks.length > 0) {
    dataWarnings.push(
      `${basename(path)} is an export of an earlier kit version: it has no ${
        lacks.join(", ")
      } (added since), read as empty`,
    );
  }
  // a renamed demo export is demo data by its rows (revenue_source demo), whatever its name
  const facts = withRowsFacts(await exportFileFacts(path), file.frame);
  const modified = async () => {
    const stat = await Deno.stat(path);
    return new Date(`${isoDate(stat.mtime ?? new Date())}T00:00:00Z`);
  };
  const asOf = facts.asOf ?? await modified();
  const asOfProblem = exportAsOfProblem(asOf);
  if (asOfProblem !== null) {
    throw new UserError(
      `--input ${path}: ${asOfProblem}; rename it to the date it was exported (or fix its manifest)`,
    );
  }
  const warning = exportAssumptionWarning(path, facts, {
    demo: "live data",
    windowDays: `a ${STANDARD_WINDOW_DAYS}-day window`,
    asOf: `as-of ${isoDate(asOf)} (its modification date)`,
  });
  if (warning) dataWarnings.push(warning);
  if (facts.windowNote) dataWarnings.push(facts.windowNote);
  if (!quiet) { for (const line of dataWarnings) console.error(`warning: ${line}`); }
  const part = facts.name?.suffix ? exportPart(facts.name.suffix) : null;
  return {
    frame: file.frame,
    context: {
      dataLabel: `export file ${basename(path)}${
        part ? ` (${part.name} only, not the whole company; ${part.holds})` : ""
      }`,
      asOf,
      demo: facts.demo.demo,
      windowDays: facts.windowDays ?? STANDARD_WINDOW_DAYS,
      suffix: facts.name?.suffix ?? undefined,
      part: part?.name,
      dataWarnings,
    },
  };
}

async function loadFrame(
  cli: ScenarioArgs,
): Promise<{ frame: pl.DataFrame; context: ScenarioReportContext }> {
  if (cli.input) return await loadInputFile(cli.input, { quiet: cli.quiet });
  const env = await loadEnv(cli.envFile, { required: cli.envFileNamed });
  const progress = (line: string) => {
    if (!cli.quiet && Deno.stderr.isTerminal()) console.error(line);
  };
  const data = await loadPricingData({ ...cli.options, env, log: progress });
  if (!cli.quiet) {
    for (const warning of data.warnings) console.error(`warning: ${plainLine(warning)}`);
  }
  return {
    frame: data.frame,
    context: {
      dataLabel: `${data.demo ? "demo data" : "fresh data"} from the export pipeline, ${
        formatCount(data.frame.height)
      } organizations`,
      asOf: data.asOf,
      demo: data.demo,
      windowDays: data.windowDays,
    },
  };
}

/** What stdout says of one scenario's comparison. */
type PrintedResult = Pick<
  ScenarioReport,
  "scenario" | "totals" | "breakeven" | "margin" | "againstPriceBook"
>;

function printResult(
  result: PrintedResult,
  { demo, part, windowDays, files }: {
    demo: boolean;
    part?: string;
    windowDays: number;
    files: string[];
  },
): void {
  const t = result.totals;
  const notes = [demo ? "DEMO DATA" : "", part ? `${part} only` : ""].filter(Boolean);
  const head = `Scenario ${result.scenario.name}${
    notes.length > 0 ? ` (${notes.join("; ")})` : ""
  }`;
  console.log(
    t.comparable === 0
      // nothing to compare: the proposed $0 of no organization would read as the scenario's yield
      ? `${head}: ${
        t.notComparable === 0
          ? `current MRR unknown (${NO_KNOWN_CURRENT}), no comparison; ${
            formatCount(t.unknownCurrent)
          } organization${t.unknownCurrent === 1 ? "" : "s"} with unknown current MRR`
          : noneComparedReason(t)
      }, proposed ${formatUsd(t.proposedMrrUnknownCurrentUsd)}${
        t.proposedUnknown > 0
          ? ` (${formatCount(t.proposedUnknown)} of them with unknown proposed MRR too, not in it)`
          : ""
      }`
      : `${head}: current MRR ${formatUsd(t.currentMrrUsd)}, proposed ${
        formatUsd(t.proposedMrrUsd)
      } (${formatChangePct(t.changePct)}); ${formatCount(t.paysMore)} pay more, ${
        formatCount(t.paysLess)
      } pay less, ${formatCount(t.unchanged)} unchanged${
        t.notComparable > 0
          ? `, ${formatCount(t.notComparable)} not comparable (current MRR ${
            formatUsd(t.currentMrrNotComparableUsd)
          } left out)`
          : ""
      }`,
  );
  const note = windowNote(windowDays);
  if (note) console.log(`  ${note}`);
  const b = result.breakeven;
  if (b) {
    console.log(
      b.value === null
        ? `  breakeven ${b.parameter}: none (${b.reason})`
        : `  breakeven ${b.parameter} = ${+b.value.toPrecision(
          6,
        )} ${b.unit} (scenario: ${b.scenarioValue} ${b.unit})`,
    );
  }
  const baseline = result.againstPriceBook?.baseline;
  if (baseline) console.log(plainLine(priceBookLine(baseline)));
  console.log(marginLine(result.margin));
  for (const path of files) console.log(`  ${path}`);
}

export async function main(args: string[]): Promise<number> {
  try {
    const cli = parseScenarioArgs(args);
    if (cli.help) {
      console.log(HELP);
      return 0;
    }
    // Validate every scenario and the output folder before spending time on data.
    const sources = await loadScenarios(cli.files, { breakeven: cli.breakeven });
    // what organizations are billed on: a scenario's differing metered prices are named
    const env = await loadEnv(cli.envFile, { required: cli.envFileNamed });
    const priceBook = (await loadPriceBook(env)).scenario;
    const chosenBy = outDirFlag(cli.outDirPassed);
    await prepareOutDir(cli.outDir, { passed: cli.outDirPassed });
    const loaded = await loadFrame(cli);
    const context = loaded.context;
    // prices are monthly: another window's usage is priced on a 30-day basis
    const windowDays = context.windowDays ?? STANDARD_WINDOW_DAYS;
    let frame = loaded.frame;
    if (windowDays !== STANDARD_WINDOW_DAYS) {
      frame = usageOnMonthlyBasis(frame, windowDays);
      if (!cli.quiet) {
        console.error(
          `warning: window is ${windowDays} days: usage priced on a 30-day basis (× 30 / ${windowDays})`,
        );
      }
    }

    // Every scenario's files are staged, then published together: all of them or none.
    const done: PrintedResult[] = [];
    const paths = await writeFileSet(cli.outDir, async (dir) => {
      const staged: string[] = [];
      for (const { scenario } of sources) {
        const priced = await compareScenario(frame, {
          scenario,
          breakeven: cli.breakeven,
          priceBook,
          windowDays,
        });
        // the proposal against the price book: current MRR is billed MRR, which the book misses
        // by discounts, term billing and unlisted prices (none to compare: no section)
        const againstPriceBook = isPriceBook(scenario, priceBook)
          ? { book: priceBook.name, baseline: null }
          : priced.totals.comparable > 0
          ? {
            book: priceBook.name,
            baseline: await priceBookBaseline(frame, {
              perOrg: priced.perOrg,
              book: priceBook,
              windowDays,
              movers: 10,
            }),
          }
          : undefined;
        // the file shows the export's usage under the export's names, not the scaled one
        const result: ScenarioReport = {
          ...priced,
          ...(frame === loaded.frame
            ? {}
            : { perOrg: perOrgWithWindowUsage(priced.perOrg, loaded.frame) }),
          againstPriceBook,
        };
        const files = await stageScenarioFiles(result, { dir, chosenBy, context });
        staged.push(files.perOrgPath, files.byTierPath, files.summaryPath);
        done.push({
          scenario,
          totals: result.totals,
          breakeven: result.breakeven,
          margin: result.margin,
          againstPriceBook,
        });
        if (cli.quiet) continue;
        for (const warning of result.warnings) {
          console.error(`warning: ${plainLine(`${scenario.name}: ${warning}`)}`);
        }
      }
      return staged;
    }, { chosenBy });
    if (!cli.quiet) {
      done.forEach((result, i) =>
        printResult(result, {
          demo: context.demo,
          part: context.part,
          windowDays,
          files: paths.slice(3 * i, 3 * i + 3),
        })
      );
    }
    return 0;
  } catch (error) {
    return failed(error);
  }
}

if (import.meta.main) await runMain(main);
