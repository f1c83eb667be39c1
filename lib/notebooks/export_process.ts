/**
 * The export notebook's run in a process of its own, started by runExportPage (export_page.ts):
 * `deno run` with the export task's V8 flags, which a notebook's Deno kernel does not have. Without
 * `--expose-gc` the writers' slices wait for V8's own collections, and without
 * `--no-memory-pool-share-memory-on-teardown` a finished worker's heap stays in the process: at a
 * million organizations the kernel peaked at ~1.3 GB where `deno task export` takes ~0.9. The
 * kernel gets the export's frame (Parquet) and what each cell shows of the other stages, and the
 * export's garbage leaves with the process.
 *
 * Protocol: the request is one JSON line on stdin (the settings go through the pipe, never to a
 * file); the reply (v8-serialized) and the frame are written into the request's folder. stdin
 * stays open while the export runs: its end (the kernel gone) ends the process.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import v8 from "node:v8";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pl from "nodejs-polars";
import { type Env, UserError } from "../core/config.ts";
import type {
  ExportFormat,
  ExportResult,
  PricingData,
  QueryStat,
  StripeMode,
} from "../core/types.ts";
import { runExport } from "../export.ts";
import type { RevenueResult } from "../revenue/types.ts";
import { customerCount } from "../revenue/customers.ts";
import {
  chartDisplay,
  type Displayable,
  frameHtml,
  markdown,
  type MimeBundle,
  mimeBundle,
} from "../report/display.ts";
import { formatKpi, formatPlanCell, PER_PLAN_MARGINS_NOTE } from "../economics/report.ts";
import { headlineKpis } from "../economics/headline_margins.ts";
import { perPlanRunNotes } from "../economics/run_notes.ts";
import { costModelInWords } from "../economics/cost_model.ts";
import { type PerPlanRow, perPlanTable } from "../economics/per_plan.ts";
import { usagePricedPlans } from "../economics/price_book.ts";
import type { EconomicsContext } from "../economics/types.ts";
import { markdownTable } from "../formats/markdown.ts";
import { QUERY_COLUMNS } from "../sources/queries.ts";
import { utf8 } from "../formats/cell_text.ts";
import { listenForInterrupt } from "../cli/interrupt.ts";

/** The export task's V8 flags (deno.json's `export`; a test keeps them the same). */
export const EXPORT_TASK_V8_FLAGS = "--expose-gc,--no-memory-pool-share-memory-on-teardown";

const CONFIG_FILE = fileURLToPath(new URL("../../deno.json", import.meta.url));
const REPLY_FILE = "reply.bin";
const FRAME_FILE = "frame.parquet";

/** What the notebook's parameters cell sets (export_page.ts's ExportPageParams, resolved). */
export interface ExportRunParams {
  demo?: boolean;
  windowDays: number;
  asOf: Date;
  formats: ExportFormat[];
  stripe: StripeMode;
  /** the charts' SVG and PNG files (the workbook's summary sheet has its charts either way) */
  chartFiles: boolean;
  outDir: string;
  /** how outDir was chosen (the outDir parameter, PRICING_NOTEBOOK_OUT_DIR), for its errors */
  outDirChosenBy?: ChosenBy;
}

/** The revenue stage as the page shows it: where it came from and how many customers. */
export type RevenueSummary =
  & Pick<RevenueResult, "source" | "apiCalls" | "durationMs" | "failed" | "warnings" | "ptb">
  & { customers: number };

/** The export's data as the page holds it: the frame, and the revenue as its summary. */
export type PageData = Omit<PricingData, "revenue"> & { revenue: RevenueSummary };
export type PageResult = Omit<ExportResult, "data"> & { data: PageData };

/**
 * What the cells show of each stage, as MIME bundles: tables of a few rows, the economics, and the
 * charts drawn here when the export wrote no chart files. Made in the export's process, so the
 * kernel computes nothing over a million rows (its garbage would stay: no `--expose-gc` there).
 */
export interface ShownStages {
  queries: { stats: QueryStat[]; tables: { name: string; table: MimeBundle }[] };
  join: { warnings: string[]; table: MimeBundle };
  revenue: { revenue: RevenueSummary; warnings: string[]; table: MimeBundle };
  metrics: MimeBundle;
  economics: MimeBundle[];
  /** empty when the export wrote chart files (the page shows those) */
  charts: MimeBundle[];
}

type Reply =
  | {
    ok: true;
    shown: ShownStages;
    result: Omit<PageResult, "data"> & { data: Omit<PageData, "frame"> };
  }
  | { ok: false; message: string; userError: boolean };

/** Runs the export in its own process; its result with the frame, and the stages' tables. */
export async function runExportProcess(
  { params, env, beforeFrameRead }: {
    params: ExportRunParams;
    env: Env;
    /** awaited once the export has succeeded, before its frame is read into this process */
    beforeFrameRead?: () => Promise<void>;
  },
): Promise<{ result: PageResult; shown: ShownStages }> {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-notebook-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        `--v8-flags=${EXPORT_TASK_V8_FLAGS}`,
        "--config",
        CONFIG_FILE,
        fileURLToPath(import.meta.url),
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stdin = child.stdin.getWriter();
    const stderr = new Response(child.stderr).text();
    // a process that failed at start has closed its end: its own message (stderr) says why
    await stdin.write(utf8(JSON.stringify({ params, env, dir }) + "\n")).catch(() => {});
    const status = await child.status;
    await stdin.close().catch(() => {});
    let reply: Reply;
    try {
      reply = v8.deserialize(await Deno.readFile(join(dir, REPLY_FILE)));
    } catch {
      const said = (await stderr).trim().split("\n").pop() ?? "";
      throw new Error(
        `the export's process ended (exit code ${status.code}) without a result${
          said ? `: ${said}` : ""
        }`,
      );
    }
    if (!reply.ok) throw reply.userError ? new UserError(reply.message) : new Error(reply.message);
    await beforeFrameRead?.();
    const frame = pl.readParquet(join(dir, FRAME_FILE));
    return {
      result: { ...reply.result, data: { ...reply.result.data, frame } },
      shown: reply.shown,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The export, keeping what the cells show of each stage as it ends (this process's side). */
async function runExportStages(
  params: ExportRunParams,
  env: Env,
  { signal }: { signal?: AbortSignal } = {},
): Promise<{ result: ExportResult; shown: ShownStages }> {
  const shown: Partial<ShownStages> = {};
  const result = await runExport({
    ...params,
    env,
    signal,
    quiet: true,
    log: () => {},
    onStage: (event) => {
      if (event.stage === "queries") {
        shown.queries = {
          stats: event.stats,
          tables: Object.entries(event.frames).map(([name, frame]) => ({
            name,
            table: mimeBundle(frameHtml(withUsdNames(frame), 5)),
          })),
        };
      }
      if (event.stage === "join") {
        shown.join = { warnings: event.warnings, table: mimeBundle(frameHtml(event.frame, 10)) };
      }
      if (event.stage === "revenue") {
        shown.revenue = {
          revenue: revenueSummary(event.revenue),
          warnings: event.warnings,
          table: mimeBundle(revenueTable(event.frame)),
        };
      }
    },
  });
  const { frame } = result.data;
  shown.metrics = mimeBundle(metricsTable(frame));
  shown.economics = economicsTables(frame, result.data.economics, {
    fxRates: result.data.revenue.fxRates,
    windowStart: new Date(result.data.asOf.getTime() - result.data.windowDays * 86_400_000),
  }).map(mimeBundle);
  // Plot and resvg load only for this: the export's own charts are drawn in its chart worker
  const charts = result.files.some((path) => path.endsWith(".png"))
    ? []
    : (await import("../economics/charts.ts")).reportCharts(frame, {
      windowDays: result.data.windowDays,
      demo: result.data.demo,
    });
  shown.charts = charts.map((chart) => mimeBundle(chartDisplay(chart)));
  return { result, shown: shown as ShownStages };
}

/** The query columns that hold nano-USD in SQL; the query stage has made them dollars already. */
const NANO_USD_COLUMNS = new Set(
  Object.values(QUERY_COLUMNS).flatMap((columns) =>
    Object.entries(columns).filter(([, type]) => type === "nanoUsd").map(([name]) => name)
  ),
);

/**
 * A query result with its `…_nano` columns shown as `…_usd`: they hold dollars by then (the
 * names stay `_nano` in lib/sources and lib/frame/join.ts, which read them; only the display
 * renames).
 */
export function withUsdNames(frame: pl.DataFrame): pl.DataFrame {
  const renames = Object.fromEntries(
    frame.columns.filter((name) => NANO_USD_COLUMNS.has(name))
      .map((name) => [name, name.replace(/_nano$/, "_usd")]),
  );
  return Object.keys(renames).length > 0 ? frame.rename(renames) : frame;
}

/** The metric columns, biggest LLM cost first. */
function metricsTable(frame: pl.DataFrame): Displayable {
  return frameHtml(
    frame
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
  );
}

/**
 * The headline margins on both bases (company cost first, each with its basis), then the per-plan
 * table the brief, the XLSX summary sheet and the admin page show, with the summary sheet's words
 * on how its margins differ from the headline's and the brief's notes under it on this run's data
 * (organizations created inside the window, customers billed in another currency), then the cost
 * model in the brief's words (an unset infrastructure cost makes the company-basis margins an
 * upper bound).
 */
function economicsTables(
  frame: pl.DataFrame,
  { priceBook, windowDays, costModel }: Pick<
    EconomicsContext,
    "priceBook" | "windowDays" | "costModel"
  >,
  runNotes: Parameters<typeof perPlanRunNotes>[1],
): Displayable[] {
  const kpis = markdownTable(
    ["measure", "value", "basis"],
    headlineKpis(frame, { windowDays, costModel }).map((
      k,
    ) => [k.label, formatKpi(k.value, k.unit), k.basis]),
  );
  const plans = perPlanTable(frame, {
    windowDays,
    planOrder: priceBook.scenario.plans.map((p) => p.name),
    usagePricedPlans: usagePricedPlans(priceBook),
  });
  return [
    markdown(kpis),
    markdown(PER_PLAN_MARGINS_NOTE),
    // its figures as the brief and the summary sheet print them ($1.9979 per 1,000 requests,
    // -104.1 %), not rounded to 2 decimals without units
    frameHtml(plans, plans.height, {
      numberText: (column, value) =>
        formatPlanCell(column as keyof PerPlanRow, value as number | null),
    }),
    // the brief's lines under its table: without them a margin on a few days' cost reads as a month's
    ...notesDisplay(perPlanRunNotes(frame, runNotes)),
    // the kit's own words, no data in them: listed as the brief lists them
    markdown(
      ["**Cost model**", "", ...costModelInWords(costModel).map((line) => `- ${line}`)].join("\n"),
    ),
  ];
}

/** Markdown lines as one display (none for no lines). */
function notesDisplay(lines: string[]): Displayable[] {
  const text = lines.join("\n").trim();
  return text === "" ? [] : [markdown(text)];
}

function revenueSummary(revenue: RevenueResult): RevenueSummary {
  const { source, apiCalls, durationMs, failed, warnings, ptb } = revenue;
  return {
    source,
    apiCalls,
    durationMs,
    failed,
    warnings,
    ...(ptb ? { ptb } : {}),
    customers: customerCount(revenue),
  };
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

/** The first line of `reader`'s bytes (without its newline); the rest stays unread. */
async function firstLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the export's request ended before its first line");
    text += decoder.decode(value, { stream: true });
  }
  return text.slice(0, text.indexOf("\n"));
}

async function main(): Promise<never> {
  const stdin = Deno.stdin.readable.getReader();
  const request = JSON.parse(await firstLine(stdin)) as {
    // an Invalid Date arrives as null (JSON has none)
    params: ExportRunParams & { asOf: string | null };
    env: Env;
    dir: string;
  };
  // A notebook's interrupt: Jupyter signals the kernel's process group, this process with it. The
  // export stops as `deno task export` does at Ctrl-C, its own clean-up removing its staging
  // folder and temporary files (by default SIGINT ended it at once, leaving them in the outputs).
  using interrupt = listenForInterrupt({
    again: (name) => `${name} again: the notebook's export stopped at once`,
  });
  // The lifeline: the kernel keeps stdin open until this process ends; its end means it is gone
  // (Deno's kernel ends at an interrupt, and the end of stdin may arrive before the signal), and
  // so is its `finally` that removes the request's folder. The export stops as at an interrupt.
  const kernel = new AbortController();
  (async () => {
    while (!(await stdin.read()).done) { /* nothing else is sent */ }
    kernel.abort(new Error("the kernel is gone"));
  })().catch(() => kernel.abort(new Error("the kernel is gone"))); // (stdin failing: gone too)
  const signal = AbortSignal.any([interrupt.signal, kernel.signal]);
  let reply: Reply;
  try {
    // null is no date: refused by the window rule (`new Date(null)` would be 1970-01-01)
    const { asOf } = request.params;
    const params = { ...request.params, asOf: new Date(typeof asOf === "string" ? asOf : NaN) };
    const { result, shown } = await runExportStages(params, request.env, { signal });
    const { frame, revenue: _revenue, ...data } = result.data;
    // Parquet, not Arrow IPC: Polars' IPC writer copied the whole frame first (+455 MB at a
    // million organizations); LZ4 Parquet took +40 MB and 0.7 s, read back in 0.2 s, the same frame
    frame.writeParquet(join(request.dir, FRAME_FILE), { compression: "lz4" });
    reply = {
      ok: true,
      shown,
      // the revenue stage's summary, made as it ended (the same revenue)
      result: { ...result, data: { ...data, revenue: shown.revenue.revenue } },
    };
  } catch (error) {
    if (signal.aborted && error === signal.reason) {
      reply = {
        ok: false,
        message: `the export was interrupted (${
          interrupt.received() ?? "its kernel gone"
        }) before publishing: nothing new was written; run the cell again`,
        userError: true,
      };
    } else {
      const userError = error instanceof UserError;
      const message = userError ? error.message : String((error as Error)?.stack ?? error);
      reply = { ok: false, message, userError };
    }
  }
  if (kernel.signal.aborted) {
    await Deno.remove(request.dir, { recursive: true }).catch(() => {});
    Deno.exit(130);
  }
  await Deno.writeFile(join(request.dir, REPLY_FILE), v8.serialize(reply));
  Deno.exit(0);
}

if (import.meta.main) await main();
