/**
 * A run's files as the endpoint sends them: the CSV, and the workbook led by the summary sheet
 * (without chart images: the server draws none), of a run and a segment. Each is made once and kept
 * in the run's memo, its bytes shared by every download (downloads.ts); a failed one is made again,
 * not served. XLSX renders, which hold a workbook each, wait for one of a few slots.
 */
import type pl from "nodejs-polars";
import { PassThrough, Readable } from "node:stream";
import { summarySheetInput, summarySheets } from "../economics/xlsx_summary.ts";
import type { PricingData } from "../export.ts";
import { csvChunks } from "../formats/csv.ts";
import { writeXlsx } from "../formats/xlsx.ts";
import { SharedChunks, SharedRender, Slots } from "./downloads.ts";
import type { RunResult } from "./runs.ts";
import type { CsvWriter, XlsxWriter } from "./stream.ts";

/** XLSX renders at once when the settings do not say (each holds a workbook in memory). */
export const DEFAULT_MAX_XLSX_RENDERS = 2;

/** What a download of a run holds: the frame of its segment (null: the whole run). */
export interface RunDownload {
  frame: pl.DataFrame;
  segment: string | null;
}

export interface RunDownloads {
  /** The run's CSV bytes for a segment: serialised once, shared by every download. */
  csv(result: RunResult<unknown>, of: RunDownload): ReadableStream<Uint8Array>;
  /**
   * The run's XLSX for a segment: rendered once (when one of the render slots is free), its
   * bytes shared by every download.
   */
  xlsx(result: RunResult<unknown>, of: RunDownload): ReadableStream<Uint8Array>;
}

/** The downloads of every run; `csv` and `xlsx` replace the writers (tests fail them mid-stream). */
export function runDownloads(
  { csv, xlsx, maxXlsxRenders = DEFAULT_MAX_XLSX_RENDERS }: {
    csv?: CsvWriter;
    xlsx?: XlsxWriter;
    maxXlsxRenders?: number;
  },
): RunDownloads {
  // Each XLSX render holds a workbook in memory: a few at once, the rest wait their turn.
  const xlsxSlots = new Slots(maxXlsxRenders);
  return {
    csv(result, { frame, segment }) {
      const key = `csv|${segment}`;
      let shared = result.memo.get(key) as SharedChunks | undefined;
      if (!shared || shared.failed) { // a failed serialisation is made again, not served
        shared = new SharedChunks(() => (csv ?? csvChunks)(frame));
        result.memo.set(key, shared);
      }
      return shared.stream();
    },
    xlsx(result, { frame, segment }) {
      const key = `xlsx|${segment}`;
      let shared = result.memo.get(key) as SharedRender | undefined;
      if (!shared || shared.failed) {
        let release = () => {};
        const slot = xlsxSlots.acquire().then((r) => release = r);
        const write = xlsx ?? summaryXlsxWriter(result.data);
        shared = new SharedRender(() => {
          const pass = new PassThrough();
          // The workbook writer ends `pass` when it commits; a failure destroys it.
          slot.then(() => write(frame, pass)).catch((error) => pass.destroy(error));
          return Readable.toWeb(pass) as unknown as ReadableStream<Uint8Array>;
        }, () => release());
        result.memo.set(key, shared);
      }
      return shared.stream();
    },
  };
}

/** The download's workbook leads with the summary sheet (no chart images: none drawn here). */
function summaryXlsxWriter(data: PricingData): XlsxWriter {
  return (frame, stream) =>
    writeXlsx(frame, stream, {
      leadSheets: summarySheets(
        summarySheetInput(frame, {
          ...data.economics,
          asOf: data.asOf,
          demo: data.demo,
          warnings: data.warnings,
          fxRates: data.revenue?.fxRates,
          // (hand-made data in tests may carry no revenue result)
          ...(data.revenue?.unmappedCustomers
            ? { unmappedCustomers: data.revenue.unmappedCustomers }
            : {}),
          chartsNotDrawn:
            "Not drawn: the server draws no charts (they would hold every download back); deno task export writes the workbook with them.",
        }),
      ),
      documentDate: data.asOf,
    });
}
