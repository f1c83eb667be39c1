/**
 * `deno task scenario <scenario.json> [more.json …]`: prices every organization under each
 * scenario and writes the comparison with current MRR (per organization, per tier, Markdown
 * summary with the breakeven price) to outputs/. Errors are one line, exit code 1.
 */
import { outDirFlag } from "../core/chosen_by.ts";
import { failed, parseCommandFlags, prepareOutDir, runMain, userPath } from "./args.ts";
import { parseAsOf } from "./export.ts";
import { parseWindowDays } from "../core/window.ts";
import { loadEnv, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR, type ExportOptions } from "../export.ts";
import { usageOnMonthlyBasis } from "../frame/monthly.ts";
import { plainLine } from "../formats/markdown.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import { formatChangePct, formatCount, formatUsd } from "../report/numbers.ts";
import { writeFileSet } from "../formats/staging.ts";
import { loadScenarioData, loadScenarios } from "./scenario_inputs.ts";
import { untilInterrupted } from "./interrupt.ts";
import {
  compareScenario,
  isPriceBook,
  marginLine,
  NO_KNOWN_CURRENT,
  noneComparedReason,
  perOrgWithWindowUsage,
  priceBookBaseline,
  priceBookLine,
  type ScenarioReport,
  stageScenarioFiles,
  windowNote,
} from "../analysis/scenario/mod.ts";
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

/** What stdout says of one scenario's comparison. */
type PrintedResult = Pick<
  ScenarioReport,
  "scenario" | "totals" | "breakeven" | "margin" | "againstPriceBook"
>;

function printResult(
  result: PrintedResult,
  { demo, part, windowDays, files, infrastructureSet }: {
    demo: boolean;
    part?: string;
    windowDays: number;
    files: string[];
    /** whether the data's run counted infrastructure cost (null: not recorded) */
    infrastructureSet: boolean | null;
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
  console.log(marginLine(result.margin, { infrastructureSet }));
  for (const path of files) console.log(`  ${path}`);
}

export async function main(args: string[]): Promise<number> {
  try {
    const cli = parseScenarioArgs(args);
    if (cli.help) {
      console.log(HELP);
      return 0;
    }
    return await untilInterrupted((signal) => scenarioCommand(cli, signal), {
      stopped: () =>
        `stopped before publishing; nothing new was written, the previous files in ${cli.outDir} are unchanged`,
      finished: () => `the scenarios' files are complete in ${cli.outDir}`,
      again: "the next run that writes into that folder removes the staging folder this one left",
    });
  } catch (error) {
    return failed(error);
  }
}

/** The scenarios once the command line is read: checked, priced, written and said. */
async function scenarioCommand(cli: ScenarioArgs, signal: AbortSignal): Promise<number> {
  // Validate every scenario and the output folder before spending time on data.
  const sources = await loadScenarios(cli.files, { breakeven: cli.breakeven });
  // what organizations are billed on: a scenario's differing metered prices are named
  const env = await loadEnv(cli.envFile, { required: cli.envFileNamed });
  const priceBook = (await loadPriceBook(env)).scenario;
  const chosenBy = outDirFlag(cli.outDirPassed);
  // failed or stopped before publishing, a new --out-dir goes too, as nothing was written
  await using _outDir = await prepareOutDir(cli.outDir, { passed: cli.outDirPassed });
  // fresh data: the export's queries stop at the signal
  const loaded = await loadScenarioData({ ...cli, options: { ...cli.options, signal } });
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
      signal.throwIfAborted();
      const priced = await compareScenario(frame, {
        scenario,
        breakeven: cli.breakeven,
        priceBook,
        windowDays,
      });
      signal.throwIfAborted(); // (each step ~1 s at 100,000 organizations: seen between them)
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
      signal.throwIfAborted();
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
  }, { chosenBy, signal });
  if (!cli.quiet) {
    done.forEach((result, i) =>
      printResult(result, {
        demo: context.demo,
        part: context.part,
        windowDays,
        files: paths.slice(3 * i, 3 * i + 3),
        infrastructureSet: context.infrastructureCostSet ?? null,
      })
    );
  }
  return 0;
}

if (import.meta.main) await runMain(main);
