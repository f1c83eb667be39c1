/**
 * notebooks/export.ipynb as a page over the pipeline: one `runExport` (the same files as
 * `deno task export`, the brief included) in a process of its own with the task's V8 flags
 * (export_process.ts), which keeps what each cell shows of its stage. No stage is wired here a
 * second time.
 */
import type pl from "nodejs-polars";
import { resolve } from "node:path";
import { loadEnv, sourceSettings, UserError } from "../core/config.ts";
import { redactUrl } from "../core/connection_url.ts";
import type { ExportFormat, QueryStat, StripeMode } from "../core/types.ts";
import { demoReasonText } from "../core/demo_reason.ts";
import { ensureWritableDir } from "../formats/staging.ts";
import { DEFAULT_OUT_DIR, exportOptions } from "../export.ts";
import { checkBoolean } from "../core/export_options.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { requires, stripeSettingsFromEnv } from "../revenue/mod.ts";
import type { PriceBook } from "../economics/types.ts";
import { markdownList } from "../formats/markdown.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { windowAmountLines } from "../report/brief_window.ts";
import { windowInWords } from "../core/window.ts";
import {
  bundleDisplay,
  type Displayable,
  filesDisplay,
  markdown,
  pngFileDisplay,
} from "../report/display.ts";
import { type PageResult, type RevenueSummary, runExportProcess } from "./export_process.ts";
import { nothingToShow, oneLine, oneLineUserErrors, stoppedBy, stoppedValue } from "./stopped.ts";

export type { PageData, PageResult, RevenueSummary } from "./export_process.ts";

/** The parameters cell of export.ipynb. */
export interface ExportPageParams {
  /** undefined: demo data unless both databases are configured */
  demo?: boolean;
  windowDays: number;
  asOf: Date;
  formats: ExportFormat[];
  /** "refresh-require": fetch again, and fail if Stripe cannot be read (both flags) */
  stripe: StripeMode;
  /** dated SVG + PNG chart files beside the data (the workbook keeps its charts either way) */
  writeChartFiles: boolean;
  /** undefined: $PRICING_NOTEBOOK_OUT_DIR, else the repository's outputs/ */
  outDir?: string;
  /** settings file read under the environment (the kernel runs in notebooks/) */
  envFile?: string;
}

/**
 * What the cells show of each stage: tables of a few rows, not the stages' frames (at a million
 * organizations the query results, the joined frame and the frame with revenue held ~1 GB in the
 * kernel). The export's own frame is `metrics.frame` (`result.data.frame`); the revenue is its
 * summary (source, calls, customers), not every customer's figures.
 */
export interface ExportPage {
  result: PageResult;
  outDir: string;
  queries: { stats: QueryStat[]; tables: { name: string; table: Displayable }[] };
  join: { warnings: string[]; table: Displayable };
  revenue: { revenue: RevenueSummary; warnings: string[]; table: Displayable };
  metrics: { frame: pl.DataFrame; table: Displayable };
  /** the headline margins and the per-plan table */
  economics: Displayable[];
  /** the charts, drawn by the export's process when it wrote no chart files (else empty) */
  charts: Displayable[];
  /** the price book the run priced plans with (plan order of the per-plan table) */
  priceBook: PriceBook;
  /** data source, window and output folder, in Markdown */
  banner: string;
}

/** The page runExportPage returned last: its frame is let go when the next run's is read. */
let lastPage: ExportPage | undefined;

/**
 * Runs the whole export once and keeps what the cells show of each stage. One export frame in the
 * kernel at a time: a cell run again replaces its `run` only once the new run has returned, so
 * the last run's frame (~550 MB at a million organizations) would still be held as the new one is
 * read. Once the new export has succeeded the last page's frame is let go (reading it then throws
 * an error that says so).
 */
export function runExportPage(params: ExportPageParams): Promise<ExportPage> {
  // a parameter's error is one line in the cell, not a stack into lib/
  return oneLineUserErrors(() => runPage(params));
}

/**
 * For `runExportPage(…).catch(stoppedRun)` in the notebook: a UserError leaves `run` defined as a
 * page that stopped, so the cell's `run.banner` shows the error in one line and the stage cells
 * below say they have nothing to show. Any other error is thrown again.
 */
export function stoppedRun(error: unknown): ExportPage {
  return stoppedValue<ExportPage>(error);
}

/** The note for a stage cell whose run stopped, or null when the run succeeded. */
function stoppedNote(page: ExportPage): Displayable[] | null {
  return stoppedBy(page) ? [nothingToShow("the export")] : null;
}

async function runPage(params: ExportPageParams): Promise<ExportPage> {
  // named as the parameters cell names them, before `demo` picks the data or is mapped to charts
  checkBoolean(params.demo, {
    name: "demo (--demo)",
    optional: true,
    undefinedMeans: "demo data unless both databases are configured",
  });
  checkBoolean(params.writeChartFiles, { name: "writeChartFiles" });
  const envFile = params.envFile ?? "../.env";
  const env = await loadEnv(envFile);
  const settings = params.demo ? null : sourceSettings(env);
  if (params.demo === false && !settings) {
    throw new UserError(
      "demo = false but no database is configured: set PRICING_PG_URL and PRICING_CH_URL (see ../.env.example)",
    );
  }
  // checked here, where the error can name the parameter (the revenue stage names no flag, and
  // would fail only once the queries have run)
  if (settings && requires(params.stripe) && !stripeSettingsFromEnv(env).apiKey) {
    throw new UserError(
      `stripe (--require-stripe) is ${
        JSON.stringify(params.stripe)
      } but STRIPE_SECRET_KEY is not set: set it (environment or ${envFile}), or set stripe to "auto" or "skip"`,
    );
  }
  const outDir = params.outDir ?? env.PRICING_NOTEBOOK_OUT_DIR ?? DEFAULT_OUT_DIR;
  // what chose the folder, for its errors here and in the export's process (its files, a disk
  // gone read-only or full mid-run)
  const outDirChosenBy = {
    named: params.outDir
      ? "outDir"
      : env.PRICING_NOTEBOOK_OUT_DIR
      ? "PRICING_NOTEBOOK_OUT_DIR"
      : undefined,
    otherwise: "set outDir",
  };
  const runParams = {
    demo: params.demo,
    windowDays: params.windowDays,
    asOf: params.asOf,
    formats: params.formats,
    stripe: params.stripe,
    chartFiles: params.writeChartFiles,
    outDir,
    outDirChosenBy,
  };
  // refused here, in the parameters' names, before a process is started (an invalid asOf crossed
  // the pipe as null: JSON has no Invalid Date), and before a folder is made (outDir = "  " made a
  // folder named by two spaces, then was refused as empty)
  exportOptions(runParams);
  // checked here, where the error can name what chose the folder (the export's process cannot)
  await ensureWritableDir(outDir, outDirChosenBy);
  const { result, shown } = await runExportProcess({
    beforeFrameRead: async () => {
      if (!lastPage) return;
      releaseFrame(lastPage);
      lastPage = undefined;
      await collectDroppedFrames(); // the kernel has no --expose-gc: a collection made at run time
    },
    params: runParams,
    env,
  });
  const { window, demo, demoReason } = result.data;
  // resolved: a relative outDir is the kernel's folder's, notebooks/ (outputs/nb is
  // notebooks/outputs/nb); Deno.cwd(), as node:path's resolve may not see a later chdir
  const filesDir = resolve(Deno.cwd(), outDir);
  const banner = [
    demo
      ? `**Demo data**: ${
        demoReasonText(demoReason ?? "no-database", { asked: "demo = true" })
      }, so every number below is synthetic.`
      : `**Live data**: PostgreSQL ${redactUrl(settings?.postgres?.url ?? "")}, ClickHouse ${
        redactUrl(settings?.clickhouse?.url ?? "")
      }.`,
    // as the brief names it (`30 days, 2026-10-02 to 2026-10-31 (as of 2026-11-01 00:00 UTC)`),
    // not two ISO instants with milliseconds
    `Window: ${windowInWords(window.end, window.days)}. ` +
    `Files go to \`${filesDir}\`.`,
    runWarnings(result.data.warnings),
  ].join("\n\n");
  return lastPage = {
    result,
    outDir: filesDir,
    queries: {
      stats: shown.queries.stats,
      tables: shown.queries.tables.map(({ name, table }) => ({
        name,
        table: bundleDisplay(table),
      })),
    },
    join: { warnings: shown.join.warnings, table: bundleDisplay(shown.join.table) },
    revenue: {
      revenue: shown.revenue.revenue,
      warnings: shown.revenue.warnings,
      table: bundleDisplay(shown.revenue.table),
    },
    metrics: { frame: result.data.frame, table: bundleDisplay(shown.metrics) },
    economics: shown.economics.map(bundleDisplay),
    charts: shown.charts.map(bundleDisplay),
    priceBook: result.data.economics.priceBook,
    banner,
  };
}

/** Makes the page's frame unreachable from it: reading it afterwards throws, saying why. */
function releaseFrame(page: ExportPage): void {
  // one line in the cell, as a parameter's error: the getter's frame in lib/ helps no reader
  const released = () => {
    throw oneLine(
      new UserError(
        "this run's frame was let go when the export ran again (one export frame in the kernel at a time): read the newer run's, run.result.data.frame",
      ),
    );
  };
  Object.defineProperty(page.metrics, "frame", { get: released });
  Object.defineProperty(page.result.data, "frame", { get: released });
}

/**
 * Every warning of the run (the manifest's and the brief's), under the banner, where they are read
 * first; the stage cells count theirs and point here, so each is shown once.
 */
function runWarnings(warnings: string[]): string {
  if (warnings.length === 0) return "No warnings from this run.";
  return [
    "**Warnings from this run** (also in the manifest and the brief):",
    "",
    ...markdownList(warnings),
  ]
    .join("\n");
}

/** A stage's warnings, which the banner lists with the run's others. */
const stageWarnings = (warnings: string[], stage: string) =>
  warnings.length === 0
    ? `No ${stage} warnings.`
    : `${warnings.length} ${stage} warning${
      warnings.length === 1 ? "" : "s"
    }, listed with the run's warnings at the top.`;

/** Stage 1: one row per query (file, rows, time), then the first rows of each frame. */
export function queriesDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  const table = [
    "| query | file | rows | ms |",
    "|---|---|---:|---:|",
    ...page.queries.stats.map((s) =>
      `| ${s.name} | \`${s.file}\` | ${s.rows.toLocaleString("en-US")} | ${s.durationMs} |`
    ),
  ].join("\n");
  return [
    markdown(table),
    ...page.queries.tables.flatMap(({ name, table }) => [markdown(`**${name}**`), table]),
  ];
}

/** Stage 2: the joined frame, one row per organization. */
export function joinDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  return [
    markdown(stageWarnings(page.join.warnings, "join")),
    page.join.table,
  ];
}

/** Stage 3: where revenue came from, and the revenue columns, highest MRR first. */
export function revenueDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  const { revenue, warnings, table } = page.revenue;
  return [
    markdown(
      [
        `Revenue source: **${revenue.source}**, ${revenue.apiCalls} Stripe API calls, ` +
        `${revenue.customers.toLocaleString("en-US")} customers.`,
        stageWarnings(warnings, "revenue"),
      ].join("\n\n"),
    ),
    table,
  ];
}

/**
 * Stage 4: the metric columns, biggest LLM cost first; another window's table says which figures
 * are the window's (cost_per_seat beside monthly revenue_per_seat read as a month's), as the
 * brief's Scope does.
 */
export function metricsDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  const days = page.result.data.windowDays;
  if (days === MONTH_DAYS) return [page.metrics.table];
  const intro =
    `Window of ${days} days: the columns named \`*_30d\` hold ${days}-day values; margins, \`revenue_per_request\` and list prices set them against monthly MRR on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${days}).`;
  return [markdown([intro, ...windowAmountLines(days)].join("\n")), page.metrics.table];
}

/**
 * Unit economics: the headline margins on both bases (company cost first, each with its basis),
 * then the per-plan table the brief, the XLSX summary sheet and the admin page show.
 */
export function economicsDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  return page.economics;
}

/**
 * Stage 5: the export's charts as PNG images: the PNG files it wrote (the charts' files keep SVG
 * and PNG), or, when it wrote none, those its process drew.
 */
export function chartDisplays(page: ExportPage): Displayable[] {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  const pngs = page.result.files.filter((path) => path.endsWith(".png"));
  return pngs.length > 0 ? pngs.map(pngFileDisplay) : page.charts;
}

/** Stage 6: every file the run wrote (data, charts, brief), then the manifest. */
export async function filesDisplays(page: ExportPage): Promise<Displayable[]> {
  const stopped = stoppedNote(page);
  if (stopped) return stopped;
  return [
    await filesDisplay([...page.result.files, page.result.manifestPath], page.result.bytes),
  ];
}
