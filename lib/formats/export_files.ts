/**
 * The export's CSV and XLSX, written together: with both formats the XLSX writer's slices feed
 * the CSV, so each slice of the frame leaves Polars once for both files; the brief's trimmed CSV
 * comes out of the CSV's formatting pass.
 */
import type pl from "nodejs-polars";
import type { ExportFormat } from "../core/types.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import { CsvFilesWriter, OFF_THREAD_ABOVE, writeCsvWithSubset } from "./csv_files.ts";
import { writeXlsxFileTo, type XlsxOptions } from "./xlsx.ts";

// The export's warning for cut cells, for the callers of this module.
export { xlsxCutWarning } from "./xlsx_text.ts";

export interface ExportFilesOptions {
  frame: pl.DataFrame;
  formats: ExportFormat[];
  /** the path of each format's file */
  pathOf: (format: ExportFormat) => string;
  /** how the user chose the folder the files are for (--out-dir…), for the fix a failure names */
  chosenBy: ChosenBy;
  /** the workbook's extra and lead sheets (segments, the economics summary) */
  xlsx: XlsxOptions;
  /** the subset CSV written beside the CSV (the brief's trimmed file) and its rows, if any */
  subset?: { path: string; keep: Uint8Array };
  /**
   * CSV rows formatted on a second thread too (CsvFilesOptions.offThread). Default: a CSV
   * without XLSX above OFF_THREAD_ABOVE rows. With the XLSX too it measured ~1 s faster at 1M
   * rows (of ~10 s) but ~45 MB more at the peak (the worker's heap and slices), past what the
   * 1 GB budget leaves.
   */
  csvOffThread?: boolean;
  /** settles once the second core is free (CsvFilesOptions.secondCoreFree) */
  secondCoreFree?: Promise<unknown>;
  /** the CSVs synced to disk after they are written (CsvFilesOptions.syncLater): see `synced` */
  csvSyncLater?: boolean;
  /** rows per slice out of Polars (default SLICE_ROWS; tests); the bytes do not depend on it */
  sliceRows?: number;
  /**
   * a command's Ctrl-C or SIGTERM: checked before each slice (its reason thrown; the files'
   * temporary names removed, nothing at their paths)
   */
  signal?: AbortSignal;
}

export interface ExportFiles {
  /** in the order of `formats` */
  paths: string[];
  /** the subset CSV, when a CSV and a subset were asked for */
  subset?: { path: string; bytes: number; rows: number };
  /** the XLSX's text cells cut to Excel's cell limit (0 without an XLSX) */
  xlsxCutCells: number;
  /** with csvSyncLater and a CSV: settles once the CSVs are on disk (CsvWithSubset.synced) */
  synced?: Promise<void>;
}

export async function writeExportFiles(options: ExportFilesOptions): Promise<ExportFiles> {
  const { frame, formats, pathOf, xlsx, chosenBy } = options;
  const paths = formats.map(pathOf);
  const csvFiles = {
    path: pathOf("csv"),
    chosenBy,
    subset: options.subset,
    offThread: options.csvOffThread ??
      (!formats.includes("xlsx") && frame.height > OFF_THREAD_ABOVE),
    secondCoreFree: options.secondCoreFree,
    syncLater: options.csvSyncLater,
  };
  const { sliceRows, signal } = options;
  const stop = signal ? { signal } : {};
  const xlsxFile = { ...xlsx, path: pathOf("xlsx"), chosenBy, sliceRows, ...stop };
  if (formats.includes("csv") && formats.includes("xlsx")) {
    const csv = await CsvFilesWriter.open(csvFiles);
    try {
      const written = await writeXlsxFileTo(frame, {
        ...xlsxFile,
        // the XLSX writer formats the slice after: the CSV's worker gets it at the next one
        onSlice: (slice, columns) => csv.slice(slice, columns, { stillRead: true }),
      });
      const { subset, synced } = await csv.close(frame);
      return { paths, subset, xlsxCutCells: written.cutCells, synced };
    } catch (error) {
      await csv.abort();
      throw error;
    }
  }
  if (formats.includes("csv")) {
    const { subset, synced } = await writeCsvWithSubset(frame, { ...csvFiles, sliceRows, ...stop });
    return { paths, subset, xlsxCutCells: 0, synced };
  }
  const written = await writeXlsxFileTo(frame, xlsxFile);
  return { paths, xlsxCutCells: written.cutCells };
}
