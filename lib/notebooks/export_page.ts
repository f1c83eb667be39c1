/**
 * notebooks/export.ipynb as a page over the pipeline: one `runExport` (the same files as
 * `deno task export`, the brief included), with a stage hook that keeps what each cell shows of
 * its stage. No stage is wired here a second time.
 */
import type pl from "nodejs-polars";
import { loadEnv, redactUrl, sourceSettings, UserError } from "../core/config.ts";
import type { ExportFormat, ExportResult, QueryStat, StripeMode } from "../core/types.ts";
import { DEFAULT_OUT_DIR, runExport } from "../export.ts";
import type { RevenueResult } from "../revenue/types.ts";
import { customerCount } from "../revenue/customers.ts";
import { reportCharts } from "../economics/charts.ts";
import { headlineKpis, loadPriceBook, perPlanTable, type PriceBook } from "../economics/mod.ts";
import { formatKpi } from "../economics/report.ts";
import { markdownList, markdownTable } from "../formats/markdown.ts";
import {
  chartDisplay,
  type Displayable,
  filesDisplay,
  frameHtml,
  markdown,
  pngFileDisplay,
} from "../report/display.ts";

/** The parameters cell of export.ipynb. */
export interface ExportPageParams {
  /** undefined: demo data unless both databases are configured */
  demo?: boolean;
  windowDays: number;
  asOf: Date;
  formats: ExportFormat[];
  stripe: StripeMode;
  /** dated SVG + PNG chart files beside the data */
  writeChartFiles: boolean;
  /** undefined: $PRICING_NOTEBOOK_OUT_DIR, else the repository's outputs/ */
  outDir?: string;
  /** settings file read under the environment (the kernel runs in notebooks/) */
  envFile?: string;
}

/**
 * What the cells show of each stage, kept by the stage hook as it ran: tables of a few rows, not
 * the stages' frames (at a million organizations the query results, the joined frame and the
 * frame with revenue held ~1 GB in the kernel). The export's own frame is `metrics.frame`
 * (`result.data.frame`).
 */
export interface ExportPage {
  result: ExportResult;
  outDir: string;
  queries: { stats: QueryStat[]; tables: { name: string; table: Displayable }[] };
  join: { warnings: string[]; table: Displayable };
  revenue: { revenue: RevenueResult; warnings: string[]; table: Displayable };
  metrics: { frame: pl.DataFrame };
  /** the price book the run priced plans with (plan order of the per-plan table) */
  priceBook: PriceBook;
  /** data source, window and output folder, in Markdown */
  banner: string;
}

/** Runs the whole export once and keeps what the cells show of each stage as the stage ends. */
export async function runExportPage(params: ExportPageParams): Promise<ExportPage> {
  const env = await loadEnv(params.envFile ?? "../.env");
  const settings = params.demo ? null : sourceSettings(env);
  if (params.demo === false && !settings) {
    throw new UserError(
      "demo = false but no database is configured: set PRICING_PG_URL and PRICING_CH_URL (see ../.env.example)",
    );
  }
  const outDir = params.outDir ?? env.PRICING_NOTEBOOK_OUT_DIR ?? DEFAULT_OUT_DIR;
  const shown: Partial<Pick<ExportPage, "queries" | "join" | "revenue">> = {};
  const result = await runExport({
    demo: params.demo,
    windowDays: params.windowDays,
    asOf: params.asOf,
    formats: params.formats,
    stripe: params.stripe,
    charts: params.writeChartFiles,
    outDir,
    env,
    quiet: true,
    log: () => {},
    onStage: (event) => {
      if (event.stage === "queries") {
        shown.queries = {
          stats: event.stats,
          tables: Object.entries(event.frames).map(([name, frame]) => ({
            name,
            table: frameHtml(frame, 5),
          })),
        };
      }
      if (event.stage === "join") {
        shown.join = { warnings: event.warnings, table: frameHtml(event.frame, 10) };
      }
      if (event.stage === "revenue") {
        shown.revenue = {
          revenue: event.revenue,
          warnings: event.warnings,
          table: revenueTable(event.frame),
        };
      }
    },
  });
  const { window, demo } = result.data;
  const banner = [
    demo
      ? "**Demo data**: no database is configured, so every number below is synthetic."
      : `**Live data**: PostgreSQL ${redactUrl(settings?.postgres?.url ?? "")}, ClickHouse ${
        redactUrl(settings?.clickhouse?.url ?? "")
      }.`,
    `Window ${window.start.toISOString()} → ${window.end.toISOString()} (${window.days} days). ` +
    `Files go to \`${outDir}\`.`,
  ].join("\n\n");
  return {
    result,
    outDir,
    queries: shown.queries!,
    join: shown.join!,
    revenue: shown.revenue!,
    metrics: { frame: result.data.frame },
    priceBook: await loadPriceBook(env),
    banner,
  };
}

const warningList = (warnings: string[], none: string) =>
  warnings.length > 0 ? markdownList(warnings).join("\n") : none;

/** Stage 1: one row per query (file, rows, time), then the first rows of each frame. */
export function queriesDisplays(page: ExportPage): Displayable[] {
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
  return [
    markdown(warningList(page.join.warnings, "No join warnings.")),
    page.join.table,
  ];
}

/** The revenue columns of the frame with revenue, highest MRR first. */
function revenueTable(frame: pl.DataFrame): Displayable {
  return frameHtml(
    frame
      .select(
        "org_name",
        "tier",
        "stripe_customer_id",
        "mrr",
        "base_subscription",
        "usage_charges",
        "addon_prompts",
        "addon_other",
        "revenue_source",
      )
      .sort("mrr", true, true),
    10,
  );
}

/** Stage 3: where revenue came from, and the revenue columns, highest MRR first. */
export function revenueDisplays(page: ExportPage): Displayable[] {
  const { revenue, warnings, table } = page.revenue;
  return [
    markdown(
      [
        `Revenue source: **${revenue.source}**, ${revenue.apiCalls} Stripe API calls, ` +
        `${customerCount(revenue)} customers.`,
        warningList(warnings, ""),
      ].filter(Boolean).join("\n\n"),
    ),
    table,
  ];
}

/** Stage 4: the metric columns, biggest LLM cost first. */
export function metricsDisplays(page: ExportPage): Displayable[] {
  return [frameHtml(
    page.metrics.frame
      .select(
        "org_name",
        "tier",
        "seats",
        "requests_30d",
        "llm_cost_30d",
        "mrr",
        "cost_per_seat",
        "revenue_per_seat",
        "cost_per_request",
        "gross_margin_pct",
        "seat_utilization_pct",
      )
      .sort("llm_cost_30d", true),
    15,
  )];
}

/**
 * Unit economics: the headline margins on both bases (company cost first, each with its basis),
 * then the per-plan table the brief, the XLSX summary sheet and the admin page show.
 */
export function economicsDisplays(page: ExportPage): Displayable[] {
  const frame = page.result.data.frame;
  const kpis = markdownTable(
    ["measure", "value", "basis"],
    headlineKpis(frame).map((k) => [k.label, formatKpi(k.value, k.unit), k.basis]),
  );
  const plans = perPlanTable(frame, page.priceBook.scenario.plans.map((p) => p.name));
  return [markdown(kpis), frameHtml(plans, plans.height)];
}

/**
 * Stage 5: the export's charts as PNG images: the PNG files it wrote (the charts' files keep SVG
 * and PNG), or, when it wrote none, drawn now (at a million organizations a second drawing costs
 * seconds and ~130 MB in the kernel).
 */
export function chartDisplays(page: ExportPage): Displayable[] {
  const pngs = page.result.files.filter((path) => path.endsWith(".png"));
  if (pngs.length > 0) return pngs.map(pngFileDisplay);
  return reportCharts(page.metrics.frame).map(chartDisplay);
}

/** Stage 6: every file the run wrote (data, charts, brief), then the manifest. */
export async function filesDisplays(page: ExportPage): Promise<Displayable[]> {
  return [await filesDisplay([...page.result.files, page.result.manifestPath])];
}
