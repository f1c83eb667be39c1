/**
 * notebooks/pricing_questions.ipynb's plumbing: where the frame comes from (an export file, or the
 * pipeline on live or demo data) and how one answer is shown (table, chart as PNG, reading).
 */
import type pl from "nodejs-polars";
import { dirname, extname, isAbsolute, join, normalize } from "node:path";
import { loadEnv, UserError } from "../core/config.ts";
import { quoteParameter } from "../core/quote.ts";
import { windowInWords } from "../core/window.ts";
import { demoReasonText } from "../core/demo_reason.ts";
import { loadPricingData } from "../export.ts";
import {
  type ExportFile,
  exportFrameFromColumns,
  missingExportMessage,
  readExportFile,
} from "../formats/read_export.ts";
import { exportAssumptionWarning, exportFileFacts, withRowsFacts } from "../formats/export_demo.ts";
import { escapeMarkdown, markdownList } from "../formats/markdown.ts";
import { MONTH_DAYS, usageOnMonthlyBasis } from "../frame/monthly.ts";
import type { Chart } from "../report/charts.ts";
import {
  chartDisplay,
  type Displayable,
  frameHtml,
  markdown,
  readingDisplay,
} from "../report/display.ts";
import {
  ANSWER_COLUMN_UNITS,
  DEFAULT_MODEL_PRICES,
  DEFAULT_THRESHOLDS,
  type ModelPrices,
  modelPrices,
  type QuestionThresholds,
  thresholds,
} from "../analysis/question_common.ts";
import { columnNumberText } from "../report/table_numbers.ts";
import { nothingToShow, oneLineUserErrors, stoppedBy, stoppedValue } from "./stopped.ts";
import { fileRecordNotes } from "./questions_record.ts";
import { historyDir } from "../history/history_dir.ts";
import { loadPriceBook } from "../economics/price_book.ts";
import type { PriceBook } from "../economics/types.ts";

export interface QuestionsSource {
  /**
   * the export frame, its additive window columns (requests_30d, llm_cost_30d…) on a 30-day basis
   * for a window other than 30 days: the questions set them against monthly MRR and prices
   */
  frame: pl.DataFrame;
  /** where the frame came from, in Markdown */
  label: string;
  /** the window's days the file or the run covered (30 unless the name or manifest says not) */
  windowDays: number;
  demo: boolean;
  /** the run's as-of, or the file's (its manifest, name or contents); null where none says */
  asOf: Date | null;
  /**
   * the history folder the upgrade and churn outlook reads its earlier snapshot from:
   * PRICING_HISTORY_DIR, else the run's `../outputs/history` or the file's folder's `history`
   */
  historyDir: string;
  /** the price book the run priced with; a file's: the settings' (undefined: a stopped source) */
  priceBook?: PriceBook;
  /** the thresholds parameter, checked, defaults filled in: what the answer cells ask with */
  thresholds: QuestionThresholds;
  /** the modelPrices parameter, checked, defaults filled in */
  modelPrices: ModelPrices;
  /**
   * the pipeline's warnings when it loaded the data (Stripe not read, organizations not
   * exported…), as the export's manifest and brief list them; a file's: those its manifest lists
   */
  warnings: string[];
  /** the heading over `warnings`, in Markdown */
  warningsFrom: string;
  /**
   * Markdown lines under the count, for a file: the unmapped customers' MRR its manifest records
   * (the brief's "Not in these totals" line), or that it has no manifest; none for the pipeline
   */
  notes: string[];
}

const EXPORT_EXTENSIONS = [".csv", ".xlsx", ".parquet"];

/**
 * The export file at `csvPath`, else the pipeline's frame (demo data when no database is set).
 * Either way a window other than 30 days has its usage put on a 30-day basis (× 30 / N), as the
 * export's own margins do (lib/frame/monthly.ts), and the label says so.
 */
export function loadQuestionsFrame(params: QuestionsParams): Promise<QuestionsSource> {
  // a parameter's error is one line in the cell, not a stack into lib/
  return oneLineUserErrors(() => questionsSource(params));
}

/** The parameters cell's data source: a file, else the pipeline. */
export interface QuestionsParams {
  demo?: boolean;
  asOf: Date;
  windowDays?: number;
  csvPath?: string;
  envFile?: string;
  /** checked here, so a bad one stops the loading cell once, not every answer cell */
  thresholds?: Partial<QuestionThresholds>;
  modelPrices?: Partial<ModelPrices>;
}

/**
 * For `loadQuestionsFrame(…).catch(stoppedSource)` in the notebook: a UserError leaves the source
 * defined with no organization (`frame`: every export column, no row), so the answer cells run
 * and say they have no data (answerDisplays) instead of failing on an undefined `frame`; the
 * loading cell shows the error in one line (sourceDisplays). The parameters read as their
 * defaults (a bad one is what stopped it: asked again, each answer cell would repeat the error).
 * Any other error is thrown again.
 */
export function stoppedSource(error: unknown): QuestionsSource {
  return stoppedValue<QuestionsSource>(error, {
    frame: exportFrameFromColumns({}),
    windowDays: MONTH_DAYS,
    // read by the charts' note in the setup cell (the answers then show no chart)
    demo: false,
    asOf: null,
    historyDir: "",
    thresholds: { ...DEFAULT_THRESHOLDS },
    modelPrices: { ...DEFAULT_MODEL_PRICES },
    warnings: [],
    warningsFrom: "",
    notes: [],
  });
}

/**
 * The loading cell's line: how many organizations from where, a file's notes (the unmapped
 * customers' MRR, no manifest), then the pipeline's or the file's manifest's warnings (the answers
 * below rest on them: revenue not read, organizations left out); the error when it stopped.
 */
export function sourceDisplays(source: QuestionsSource): Displayable[] {
  const stopped = stoppedBy(source);
  if (stopped) throw stopped;
  const line = markdown(
    `${source.frame.height.toLocaleString("en-US")} organizations from ${source.label}.`,
  );
  const notes = source.notes.map((note) => markdown(note));
  if (source.warnings.length === 0) return [line, ...notes];
  return [
    line,
    ...notes,
    markdown([source.warningsFrom, "", ...markdownList(source.warnings)].join("\n")),
  ];
}

async function questionsSource(params: QuestionsParams): Promise<QuestionsSource> {
  // checked first: a misspelled threshold is said before minutes of loading
  const checked = {
    thresholds: thresholds(params.thresholds),
    modelPrices: modelPrices(params.modelPrices),
  };
  if (params.csvPath) {
    const file = await questionsFrameFromFile(params.csvPath);
    const unused = unusedWithFile(params, file);
    // the settings as a run reads them (the environment over ../.env): an export's snapshots go
    // to the history folder beside it unless PRICING_HISTORY_DIR moves it; a price book that
    // cannot be read stops the loading in one line, as a run's (the outlook would otherwise judge
    // expansion without the plans' included amounts, unsaid)
    const env = await loadEnv(params.envFile ?? "../.env");
    return {
      ...file,
      historyDir: historyDir(env, dirname(params.csvPath)),
      priceBook: await loadPriceBook(env),
      label: unused ? `${file.label}; **Not used with csvPath:** ${unused}` : file.label,
      ...checked,
      // what its run warned of, as its brief said it (a file alone said none of it)
      ...await fileRecordNotes(params.csvPath),
    };
  }
  const env = await loadEnv(params.envFile ?? "../.env");
  const data = await loadPricingData({
    demo: params.demo,
    asOf: params.asOf,
    windowDays: params.windowDays,
    env,
    quiet: true,
    log: () => {},
  });
  return {
    frame: usageOnMonthlyBasis(data.frame, data.windowDays),
    label: [
      `${
        data.demo
          ? `**Demo data** (${
            demoReasonText(data.demoReason ?? "no-database", { asked: "demo = true" })
          })`
          : "live data"
      }, window ${
        windowInWords(data.asOf, data.windowDays)
      }, revenue source ${data.revenue.source}`,
      monthlyBasisNote(data.windowDays, "window"),
    ].filter(Boolean).join("; "),
    windowDays: data.windowDays,
    demo: data.demo,
    asOf: data.asOf,
    historyDir: historyDir(env, "../outputs"),
    priceBook: data.economics.priceBook,
    ...checked,
    warnings: data.warnings,
    warningsFrom: "**Warnings from loading the data** (as an export lists them):",
    notes: [],
  };
}

/** An export file, its window and demo flag as exportFileFacts reads them (demo: manifest first) */
async function questionsFrameFromFile(
  path: string,
): Promise<
  Omit<
    QuestionsSource,
    | "thresholds"
    | "modelPrices"
    | "warnings"
    | "warningsFrom"
    | "notes"
    | "historyDir"
    | "priceBook"
  >
> {
  if (!EXPORT_EXTENSIONS.includes(extname(path).toLowerCase())) {
    throw new UserError(
      `csvPath ${path} is not a .csv, .xlsx or .parquet file; set csvPath to an export, e.g. "../outputs/helicone_pricing_data_2026-11-01.csv" (the notebook runs in notebooks/)`,
    );
  }
  let file: ExportFile;
  try {
    // read in pieces, column-wise (a 1M-row file's text read whole peaked at ~1.4 GB)
    file = await readExportFile(path);
  } catch (error) {
    // a missing file: the notebook's own fix (set csvPath, from notebooks/), not the command line's
    if (error instanceof UserError && error.message === missingExportMessage(path)) {
      throw new UserError(`csvPath: ${path} does not exist${await missingPathHint(path)}`);
    }
    if (error instanceof UserError) throw new UserError(`csvPath: ${error.message}`);
    throw error;
  }
  // a renamed file: from the manifest copied beside it, as compare and scenario --input read it,
  // else from what it carries (a workbook's summary sheet; demo rows)
  const facts = withRowsFacts(await exportFileFacts(path), file.frame);
  const windowDays = facts.windowDays ?? MONTH_DAYS;
  const demo = facts.demo.demo;
  const shown = `export file \`${path.replace(/[`\r\n]/g, "")}\``;
  // what nothing says is assumed, and the page says so (a renamed _7d file was read as 30 days)
  const assumed = exportAssumptionWarning(path, {
    facts,
    assumed: {
      demo: "live data",
      windowDays: `a ${MONTH_DAYS}-day window (its usage read as ${MONTH_DAYS} days', not scaled)`,
    },
  });
  return {
    frame: usageOnMonthlyBasis(file.frame, windowDays),
    label: [
      demo
        ? `**Demo data** (${shown}: the built-in demo dataset, not real customers${
          facts.name?.demo || facts.manifestFound ? "" : `; ${facts.demo.why}`
        })`
        : shown,
      monthlyBasisNote(windowDays, "export"),
      assumed ? `**Assumed:** ${escapeMarkdown(assumed, { maxLength: 1000 })}` : "",
    ].filter(Boolean).join("; "),
    windowDays,
    demo,
    asOf: facts.asOf,
  };
}

/**
 * The parameters the file overrules, when they say otherwise (`windowDays = 7` on a 30-day
 * export was dropped without a word, and the answers said "in the 30-day window"); "" if none.
 */
function unusedWithFile(
  params: QuestionsParams,
  file: { windowDays: number; demo: boolean },
): string {
  // as typed, in a code span (no backtick of the value can end it)
  const typed = (name: string, value: unknown) =>
    `\`${name} = ${quoteParameter(value).replace(/`/g, "'")}\``;
  return [
    params.windowDays !== undefined && params.windowDays !== file.windowDays
      ? `${typed("windowDays", params.windowDays)} (the file's window is ${file.windowDays} days)`
      : "",
    params.demo !== undefined && params.demo !== file.demo
      ? `${typed("demo", params.demo)} (the file holds ${file.demo ? "demo" : "live"} data)`
      : "",
  ].filter(Boolean).join(", ");
}

/**
 * For a relative csvPath that does not exist: the notebook runs in notebooks/, so a path typed
 * from the repository's root (outputs/…) needs ../ first; when ../<path> exists, it is named.
 */
async function missingPathHint(path: string): Promise<string> {
  // (one that starts with ../ already was meant from notebooks/)
  if (isAbsolute(path) || /^\.\.(\/|\\|$)/.test(normalize(path))) return "";
  const above = join("..", path);
  const exists = await Deno.stat(above).then((info) => info.isFile, () => false);
  return exists
    ? ` (the notebook runs in notebooks/: ${above} exists; set csvPath = ${JSON.stringify(above)})`
    : ` (the notebook runs in notebooks/: a path from the repository's root starts with ../, e.g. "../outputs/helicone_pricing_data_2026-11-01.csv")`;
}

/** "7-day export, usage put on a 30-day basis (× 30/7)", or "" for a 30-day window. */
function monthlyBasisNote(windowDays: number, what: "export" | "window"): string {
  if (windowDays === MONTH_DAYS) return "";
  return `${windowDays}-day ${what}, usage put on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS}/${windowDays})`;
}

export interface AnswerDisplay {
  answer: { table: pl.DataFrame; reading: string; ranked?: { top: number; of: number } };
  chart: Chart;
  /** table rows shown */
  rows: number;
  /** where the frame came from: a source that stopped shows a note, not an answer over nothing */
  source?: QuestionsSource;
}

/** One answer: its table (first `rows`), its chart, its reading. */
export function answerDisplays({ answer, chart, rows, source }: AnswerDisplay): Displayable[] {
  if (source && stoppedBy(source)) return [nothingToShow("loading the data")];
  // a table cut to `top`: its footer counts all it was cut from, as the reading and chart do
  return [
    frameHtml(answer.table, rows, {
      ranked: answer.ranked,
      numberText: (column, value) =>
        columnNumberText(column, value, { extraUnits: ANSWER_COLUMN_UNITS }),
    }),
    chartDisplay(chart),
    readingDisplay(answer),
  ];
}
