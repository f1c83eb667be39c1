/**
 * notebooks/pricing_questions.ipynb's plumbing: where the frame comes from (an export file, or the
 * pipeline on live or demo data) and how one answer is shown (table, chart as PNG, reading).
 */
import type pl from "nodejs-polars";
import { loadEnv } from "../core/config.ts";
import { loadPricingData } from "../export.ts";
import { readExportFile } from "../formats/read_export.ts";
import type { Chart } from "../report/charts.ts";
import { chartDisplay, type Displayable, frameHtml, readingDisplay } from "../report/display.ts";

export interface QuestionsSource {
  frame: pl.DataFrame;
  /** where the frame came from, in Markdown */
  label: string;
}

/** The export file at `csvPath`, else the pipeline's frame (demo data when no database is set). */
export async function loadQuestionsFrame(
  params: { demo?: boolean; asOf: Date; csvPath?: string; envFile?: string },
): Promise<QuestionsSource> {
  if (params.csvPath) {
    return {
      // read in pieces, column-wise (a 1M-row file's text read whole peaked at ~1.4 GB)
      frame: (await readExportFile(params.csvPath)).frame,
      label: `export file \`${params.csvPath.replace(/[`\r\n]/g, "")}\``,
    };
  }
  const data = await loadPricingData({
    demo: params.demo,
    asOf: params.asOf,
    env: await loadEnv(params.envFile ?? "../.env"),
    quiet: true,
    log: () => {},
  });
  return {
    frame: data.frame,
    label: `${
      data.demo ? "**Demo data** (no database configured)" : "live data"
    }, window ending ${data.asOf.toISOString()}, revenue source ${data.revenue.source}`,
  };
}

export interface AnswerDisplay {
  answer: { table: pl.DataFrame; reading: string };
  chart: Chart;
  /** table rows shown */
  rows: number;
}

/** One answer: its table (first `rows`), its chart, its reading. */
export function answerDisplays({ answer, chart, rows }: AnswerDisplay): Displayable[] {
  return [frameHtml(answer.table, rows), chartDisplay(chart), readingDisplay(answer)];
}
