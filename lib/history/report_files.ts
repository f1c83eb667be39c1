/**
 * The history report's files (report.ts makes the report): the CSVs, the Markdown summary and the
 * charts, staged and published as one set.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { join } from "node:path";
import { writeFileAtomic } from "../formats/files.ts";
import { dateStamp } from "../formats/export_names.ts";
import { frameCsvByteChunks, writeChunksFile } from "../formats/csv.ts";
import { writeFileSet } from "../formats/staging.ts";
import { historyChartFileNames, historyReportNames } from "./report_names.ts";
import { historyTable, planChangesTable } from "./report_tables.ts";
import { currencyTable, showsCurrencies } from "./report_currency.ts";
import { asOfOfKey } from "./periods.ts";
import type { HistoryReport } from "./report.ts";
import type { PassedOverMonth } from "./points.ts";
import { historyMarkdown } from "./report_markdown.ts";
import { retentionTable } from "./retention.ts";
import { cohortTable } from "./cohorts.ts";

export interface HistoryReportFiles {
  csvPath: string;
  changesPath: string;
  /** NRR, GRR and logo churn (…_retention.csv) */
  retentionPath: string;
  /** MRR cohorts by first paid month, all customers and per first plan (…_cohorts.csv) */
  cohortsPath: string;
  markdownPath: string;
  chartPaths: string[];
  /** the bridge per currency (…_by_currency.csv), written only when a customer is billed in another currency than USD */
  currenciesPath?: string;
}

/**
 * Writes the report's CSVs, Markdown and charts into `outDir`, named by the last snapshot: staged,
 * then published together, so the whole set appears or none does (the previous set stays).
 * Without charts, those an earlier report of the same name drew go (retired as the set is
 * published): beside the new CSV they would show the old numbers. `chosenBy`: how the user chose
 * `outDir` (the history command's --out-dir), for the fix a failure names.
 */
export async function writeHistoryReport(
  report: HistoryReport,
  options: {
    outDir: string;
    chosenBy: ChosenBy;
    charts: boolean;
    notes?: string[];
    /** the folder's snapshots the report did not read (points.ts passedOverSnapshots) */
    passedOver?: readonly PassedOverMonth[];
    /** the command's Ctrl-C or SIGTERM: nothing published once aborted (writeFileSet) */
    signal?: AbortSignal;
  },
): Promise<HistoryReportFiles> {
  const { chosenBy } = options;
  const stamp = dateStamp(asOfOfKey(report.months.at(-1)!), report.demo);
  const names = historyReportNames(stamp);
  const charts = options.charts ? await drawHistoryCharts(report) : [];
  const chartNames = historyChartFileNames(charts.map((chart) => chart.name), stamp);
  // the bridge per currency only when a customer is billed in another than USD (else the USD view)
  const currencies = showsCurrencies(report);
  const markdown = historyMarkdown(report, {
    files: [
      names.csv,
      names.changes,
      names.retention,
      names.cohorts,
      ...(currencies ? [names.currencies] : []),
      ...chartNames,
    ],
    notes: options.notes,
    passedOver: options.passedOver,
  });
  const [csvPath, changesPath, retentionPath, cohortsPath, markdownPath, ...chartPaths] =
    await writeFileSet(
      options.outDir,
      async (staging) => {
        const [csv, changes, retention, cohorts, md] = [
          names.csv,
          names.changes,
          names.retention,
          names.cohorts,
          names.markdown,
        ].map((file) => join(staging, file));
        await writeChunksFile(frameCsvByteChunks(historyTable(report)), csv, { chosenBy });
        await writeChunksFile(frameCsvByteChunks(planChangesTable(report)), changes, { chosenBy });
        await writeChunksFile(frameCsvByteChunks(retentionTable(report)), retention, { chosenBy });
        const cohortRows = cohortTable(report.cohorts, report.periods);
        await writeChunksFile(frameCsvByteChunks(cohortRows), cohorts, { chosenBy });
        await writeChunksFile([markdown], md, { chosenBy });
        const staged = [csv, changes, retention, cohorts, md];
        if (currencies) {
          const path = join(staging, names.currencies);
          await writeChunksFile(frameCsvByteChunks(currencyTable(report)), path, { chosenBy });
          staged.push(path);
        }
        for (const [i, chart] of charts.entries()) {
          const [svg, png] = chartNames.slice(2 * i, 2 * i + 2).map((file) => join(staging, file));
          // (through writeFileAtomic for its words: a full disk is named with its fix)
          await writeFileAtomic(svg, (tmp) => Deno.writeTextFile(tmp, chart.svg), { chosenBy });
          await writeFileAtomic(png, (tmp) => Deno.writeFile(tmp, chart.png), { chosenBy });
          staged.push(svg, png);
        }
        return staged;
      },
      {
        // an earlier report's files of the same name this one does not write: stale beside it
        retire: [
          ...(currencies ? [] : [names.currencies]),
          ...names.charts.filter((name) => !chartNames.includes(name)),
        ],
        chosenBy,
        signal: options.signal,
      },
    );
  const currenciesPath = currencies ? chartPaths.shift() : undefined;
  return {
    csvPath,
    changesPath,
    retentionPath,
    markdownPath,
    chartPaths,
    currenciesPath,
    cohortsPath,
  };
}

/** The report's charts (HISTORY_CHARTS), each with its PNG. */
async function drawHistoryCharts(
  report: HistoryReport,
): Promise<{ name: string; svg: string; png: Uint8Array }[]> {
  // Plot, linkedom and resvg load here only: the export imports this module for its history
  // section and draws no history chart (a third of a second at start-up).
  const { bridgeWaterfallChart, marginByPlanChart, mrrByPlanChart, requestsByPlanChart } =
    await import("./charts.ts");
  const { svgToPng } = await import("../report/charts.ts");
  // a report reads one kind of snapshot, demo or live (loadMonthlyHistoryPoints): its charts say which
  const note = { demo: report.demo };
  return [
    mrrByPlanChart(report.planEnds, { periods: report.periods, note }),
    bridgeWaterfallChart(report.company, { periods: report.periods, note }),
    marginByPlanChart(report.planTrends, { periods: report.periods, note }),
    requestsByPlanChart(report.planTrends, { periods: report.periods, note }),
  ].map((chart) => ({ ...chart, png: svgToPng(chart.svg) }));
}
