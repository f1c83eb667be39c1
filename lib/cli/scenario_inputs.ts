/**
 * `deno task scenario`'s inputs, read before anything is written: the scenario files (checked
 * across each other) and the data they price, an export file (--input) or the export pipeline.
 */
import type pl from "nodejs-polars";
import { basename } from "node:path";
import { loadEnv, UserError } from "../core/config.ts";
import { type ExportOptions, loadPricingData } from "../export.ts";
import { isoDate } from "../formats/files.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import { plainLine } from "../formats/markdown.ts";
import { formatCount } from "../report/numbers.ts";
import { readExportFile } from "../formats/read_export.ts";
import {
  exportAsOfProblem,
  exportAssumptionWarning,
  exportFileFacts,
  withRowsFacts,
} from "../formats/export_demo.ts";
import { exportPart } from "../report/export_parts.ts";
import { manifestInfraUsdPer1kRequests } from "../formats/export_manifest_records.ts";
import { infrastructureCostSet } from "../economics/infrastructure_cost.ts";
import {
  COST_UNRECORDED_COLUMNS,
  loadScenarioFile,
  MARGIN_INPUT_COLUMNS,
  priceParameter,
  type Scenario,
  SCENARIO_INPUT_COLUMNS,
  type ScenarioReportContext,
} from "../analysis/scenario/mod.ts";

/** Where the scenarios' data comes from (the command line's --input, --env-file, the options). */
export interface ScenarioDataSource {
  /** an export file to price; else the export pipeline runs */
  input?: string;
  options: Partial<ExportOptions>;
  envFile: string;
  /** whether --env-file named the file (then it must exist; the default .env is optional) */
  envFileNamed: boolean;
  quiet: boolean;
}

/** A scenario and the file it came from. */
export interface ScenarioSource {
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
  { quiet, signal }: { quiet: boolean; signal?: AbortSignal },
): Promise<{ frame: pl.DataFrame; context: ScenarioReportContext }> {
  // the columns a scenario reads only (SCENARIO_INPUT_COLUMNS: 13 of the export's 46); a missing
  // file or one that is not an export is refused before anything is said about it
  // an earlier kit version's export too: it has every column a scenario reads
  const file = await readExportFile(path, {
    ...(signal ? { signal } : {}), // (the command's stop, between the read's steps)
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
  const warning = exportAssumptionWarning(path, {
    facts,
    assumed: {
      demo: "live data",
      windowDays: `a ${STANDARD_WINDOW_DAYS}-day window`,
      asOf: `as-of ${isoDate(asOf)} (its modification date)`,
    },
  });
  if (warning) dataWarnings.push(warning);
  if (facts.windowNote) dataWarnings.push(facts.windowNote);
  if (!quiet) { for (const line of dataWarnings) console.error(`warning: ${line}`); }
  const part = facts.name?.suffix ? exportPart(facts.name.suffix) : null;
  // its run's cost model, from the manifest of this very export (none beside it: not said)
  const infrastructureSet = infrastructureCostSet(await manifestInfraUsdPer1kRequests(path, asOf));
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
      infrastructureCostSet: infrastructureSet,
    },
  };
}

/**
 * The data the scenarios price: the export file given with --input, else a fresh run of the
 * export pipeline (its warnings on stderr unless quiet).
 */
export async function loadScenarioData(
  cli: ScenarioDataSource,
): Promise<{ frame: pl.DataFrame; context: ScenarioReportContext }> {
  if (cli.input) {
    return await loadInputFile(cli.input, {
      quiet: cli.quiet,
      ...(cli.options.signal ? { signal: cli.options.signal } : {}),
    });
  }
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
      infrastructureCostSet: infrastructureCostSet(
        data.economics.costModel.infraUsdPer1kRequests,
      ),
    },
  };
}
