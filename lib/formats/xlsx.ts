/**
 * XLSX: typed cells, currency/percent/count formats from the column table, bold frozen header,
 * autofilter, widths (a table sheet's layout: xlsx_table_sheet.ts); a data dictionary sheet;
 * optional extra sheets. ExcelJS builds the workbook; the data sheet's rows are streamed in
 * (row XML: lib/formats/xlsx_stream.ts, the archive around it: xlsx_archive.ts; ExcelJS's per-cell
 * model was 4 s per 100k rows). Extra sheets
 * (segments, summaries) stay ExcelJS-built.
 */
import type ExcelJS from "exceljs";
import { Buffer } from "node:buffer";
import type pl from "nodejs-polars";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { PassThrough, type Writable } from "node:stream";
import type { ColumnUnit } from "../frame/columns.ts";
import { writeFileAtomic } from "./files.ts";
import { collectDroppedFrames, returnFreedMemory, TRIM_EVERY_SLICES } from "../core/memory.ts";
import { ANOTHER_OUTPUT_FOLDER, type ChosenBy } from "../core/chosen_by.ts";
import { drawingEntries, type SheetDrawing, templateDrawingParts } from "./xlsx_images.ts";
import { addDictionarySheet } from "./xlsx_dictionary.ts";
import {
  exportColumns,
  exportTypedColumns,
  frameColumns,
  neutraliseText,
  type TypedColumn,
  xlsxCutCells,
} from "./cells.ts";
import { sheetRowsXml, templateValue } from "./xlsx_stream.ts";
import { writeWithStreamedSheet } from "./xlsx_archive.ts";
import { dosTimeOf } from "./zip.ts";
import { carriageReturnEdits, type LeadSheetContext, type WorkbookText } from "./xlsx_text.ts";
import {
  addTableSheet,
  columnWidth,
  leadingOrganizationColumns,
  type RowFormats,
  type TableSheet,
} from "./xlsx_table_sheet.ts";

// The dictionary sheet's layout helpers, for the sheets' other writers.
export { BOOLEAN_FORMAT, ROW_POINTS, textLines, wrappedLines } from "./xlsx_dictionary.ts";
export { DATA_PRINT_SCALE } from "./xlsx_table_sheet.ts";
export { PRINT_HEADER_FOOTER, TABLE_MARGINS } from "./xlsx_print.ts";
export type { RowFormats } from "./xlsx_table_sheet.ts";

/** The data sheet's name. */
export const DATA_SHEET = "pricing_data";
/** Rows read to size the columns. */
const WIDTH_SAMPLE = 200;

export interface Sheet {
  name: string;
  frame: pl.DataFrame;
  /**
   * what the sheet holds, in words (a segment's rule and count): listed under the columns on the
   * `dictionary` sheet, so the sheet's own rows stay the data's
   */
  about?: string;
  /** units of columns the column table does not define, for their number formats (history) */
  units?: Record<string, ColumnUnit>;
  /**
   * number formats that differ by row, for columns whose unit is in another column
   * (history_by_currency: each row's amounts in its `currency`)
   */
  rowFormats?: RowFormats;
  /**
   * leading columns that say what a row is (history: month to plan), printed on every page
   * beside the header row; a sheet starting with org_id, org_name has those frozen and printed
   */
  printTitleColumns?: number;
}

export interface XlsxOptions {
  /** sheets after `dictionary` (segments) */
  sheets?: Sheet[];
  /**
   * Writes sheets before `pricing_data` (the economics `summary`, lib/economics/xlsx_summary.ts)
   * and returns a drawing for one of them whose images may still be rendering: they are awaited
   * after the data sheet is written and added as the archive's last entries.
   */
  leadSheets?: (
    workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    context: LeadSheetContext,
  ) => SheetDrawing | undefined;
  /**
   * Called with each slice of the frame and its columns as the data sheet is written, so another
   * writer (the CSV) uses the same columns instead of taking them out of Polars again.
   */
  onSlice?: (slice: pl.DataFrame, columns: TypedColumn[]) => void;
  /** rows per slice of the data sheet (default SLICE_ROWS; tests) */
  sliceRows?: number;
  /** a command's Ctrl-C or SIGTERM: checked before each slice of the data sheet (its reason thrown) */
  signal?: AbortSignal;
  /**
   * the workbook's document dates (docProps/core.xml `created` and `modified`) and its zip
   * entries' time: the export's as-of, so the same input gives the same bytes (ExcelJS's default
   * is the time of writing). Required: a fixed default (it was 1980-01-01) would date a new
   * caller's workbook silently wrong.
   */
  documentDate: Date;
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, "_").slice(0, 31);
}

/**
 * Every sheet of the workbook, in order: the lead sheets (summary), the data sheet, the
 * dictionary, the extra sheets; returns the lead sheets' drawing and each table sheet's
 * autofilter range by sheet name. Sheets added here are ExcelJS-built; only the data sheet's
 * rows are streamed (see writeXlsxTo).
 */
function addSheets(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  data: TableSheet & { frame: pl.DataFrame },
  options: XlsxOptions,
): { drawing: SheetDrawing | undefined; autoFilters: Map<string, string> } {
  const autoFilters = new Map<string, string>();
  const lead: WorkbookText = { cells: 0, carriageReturns: false };
  const drawing = options.leadSheets?.(workbook, {
    written: lead,
    cutCells: xlsxCutCells(data.frame, options.sheets),
  });
  if (lead.carriageReturns) data.written.carriageReturns = true;
  autoFilters.set(
    data.name,
    addTableSheet(workbook, { ...data, layout: { frozenColumns: 2 } }),
  );
  addDictionarySheet(
    workbook,
    (options.sheets ?? []).flatMap((extra) =>
      extra.about ? [{ name: sheetName(extra.name), about: extra.about }] : []
    ),
  );
  for (const extra of options.sheets ?? []) {
    const columns = frameColumns(extra.frame).map((c) => {
      const unit = extra.units?.[c.def.name];
      return unit ? { ...c, def: { ...c.def, unit } } : c;
    });
    // segment sheets hold the data sheet's columns: frozen and printed as it is (org_id and
    // org_name on every page); other sheets (history) keep the header row frozen only, and print
    // the columns they name
    const frozenColumns = leadingOrganizationColumns(columns);
    const printTitleColumns = extra.printTitleColumns ?? frozenColumns;
    const name = sheetName(extra.name);
    autoFilters.set(
      name,
      addTableSheet(workbook, {
        name,
        columns,
        height: extra.frame.height,
        layout: { frozenColumns, printTitleColumns },
        ...(extra.rowFormats ? { rowFormats: extra.rowFormats } : {}),
        written: data.written,
      }),
    );
  }
  return { drawing, autoFilters };
}

type WorkbookWriterClass = typeof ExcelJS.stream.xlsx.WorkbookWriter;

/**
 * ExcelJS's streaming workbook writer alone, the one class the kit writes with: its package
 * entry also loads the reader, the in-memory workbook and the CSV (fast-csv, unzipper, saxes),
 * 0.16–0.28 CPU-seconds to load against 0.06–0.07 for the writer (issue 13, stop 49).
 */
const importWorkbookWriter = async (): Promise<WorkbookWriterClass> =>
  // (the subpath has no types of its own: the class is the package's WorkbookWriter)
  ((await import("exceljs/lib/stream/xlsx/workbook-writer.js")) as {
    default: WorkbookWriterClass;
  }).default;
let workbookWriter: Promise<WorkbookWriterClass> | undefined;

/**
 * ExcelJS's writer is loaded when a workbook is written (what a CSV-only run does not pay), or
 * ahead, while the export queries (its main thread waits on the databases then).
 */
export function loadExcelJs(): Promise<WorkbookWriterClass> {
  workbookWriter ??= importWorkbookWriter();
  return workbookWriter;
}

async function newWorkbook(
  stream: Writable,
  documentDate: Date,
): Promise<ExcelJS.stream.xlsx.WorkbookWriter> {
  const WorkbookWriter = await loadExcelJs();
  const workbook = new WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "pricing-kit";
  workbook.created = documentDate;
  workbook.modified = documentDate;
  return workbook;
}

/** ExcelJS's workbook, in memory: every sheet, the data sheet as header + one template row. */
async function workbookTemplate(
  frame: pl.DataFrame,
  options: XlsxOptions,
): Promise<
  {
    bytes: Uint8Array;
    drawing?: SheetDrawing;
    written: WorkbookText;
    autoFilters: Map<string, string>;
  }
> {
  const written: WorkbookText = { cells: 0, carriageReturns: false };
  const stream = new PassThrough();
  const parts: Uint8Array[] = [];
  stream.on("data", (part: Uint8Array) => parts.push(part));
  const workbook = await newWorkbook(stream, options.documentDate);
  const sample = exportColumns(frame.head(WIDTH_SAMPLE));
  const { drawing, autoFilters } = addSheets(workbook, {
    frame,
    name: DATA_SHEET,
    columns: sample.map((c) => ({ def: c.def, values: [templateValue(c.def.type)] })),
    height: frame.height,
    template: { widths: sample.map(columnWidth) },
    written,
  }, options);
  await workbook.commit();
  await finished(stream);
  return { bytes: new Uint8Array(Buffer.concat(parts)), drawing, written, autoFilters };
}

/** What writing a workbook did that its reader should know. */
export interface XlsxWritten {
  /**
   * text cells cut to Excel's limit of XLSX_CELL_CHARS characters (every sheet; the CSV has the
   * whole text)
   */
  cutCells: number;
}

/** The export as XLSX into `stream`, ended when done (writeXlsxTo says what was cut). */
export async function writeXlsx(
  frame: pl.DataFrame,
  stream: Writable,
  options: XlsxOptions,
): Promise<void> {
  await writeXlsxTo(frame, { ...options, stream });
}

/**
 * writeXlsx with every option. The lead sheets' drawing is part of the template; its images are
 * awaited after the data sheet (they may render meanwhile) and appended last.
 */
export async function writeXlsxTo(
  frame: pl.DataFrame,
  options: XlsxOptions & { stream: Writable },
): Promise<XlsxWritten> {
  let slices = 0;
  const columnsOf = (slice: pl.DataFrame) => {
    // the slices' freed memory stays in glibc's arenas (a million rows' data sheet crept ~+60 MB
    // to the CSV + XLSX export's peak): handed back every few slices, as the CSV's
    if (slices++ % TRIM_EVERY_SLICES === 0) returnFreedMemory({ rows: frame.height });
    const columns = exportTypedColumns(slice);
    options.onSlice?.(slice, columns);
    return columns;
  };
  const { bytes, drawing, written, autoFilters } = await workbookTemplate(frame, options);
  // the template's making (ExcelJS's workbook, the lead sheets' sums) and the caller's before it
  // (the export's trimmed-CSV plan) are garbage now: freed before the rows add their slices
  await collectDroppedFrames({ rows: frame.height });
  const parts = drawing && templateDrawingParts(drawing.sheetNumber);
  // ExcelJS's raw CRs (rare: only when a cell it wrote held one) as `&#13;`
  const crs = written.carriageReturns ? carriageReturnEdits(bytes) : undefined;
  const edited = [...new Set([...parts?.edited ?? [], ...crs?.edited ?? []])];
  const edit = (name: string, text: string) => {
    const drawn = parts?.edited.includes(name) ? parts.edit(name, text) ?? text : text;
    return crs?.edited.includes(name) ? crs.edit(name, drawn) : drawn;
  };
  await writeWithStreamedSheet({
    template: bytes,
    sheet: DATA_SHEET,
    rows: (styles) =>
      sheetRowsXml({
        frame,
        columnsOf,
        styles,
        text: neutraliseText,
        sliceRows: options.sliceRows,
        cut: written,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    out: options.stream,
    entryTime: dosTimeOf(options.documentDate),
    edit,
    edited,
    autoFilters,
    ...(drawing && parts
      ? {
        added: parts.added,
        tail: async () => drawingEntries(drawing.sheetNumber, await drawing.images),
      }
      : {}),
  });
  options.stream.end();
  return { cutCells: written.cells };
}

/**
 * The same workbook with every row through ExcelJS's own row model (4 s per 100k rows): the
 * reference the streamed data sheet is tested against, cell for cell and byte for byte (text
 * with a CR aside: here it stays raw, see excelJsText).
 */
export async function writeXlsxExcelJs(
  frame: pl.DataFrame,
  stream: Writable,
  options: XlsxOptions,
): Promise<void> {
  const workbook = await newWorkbook(stream, options.documentDate);
  const written: WorkbookText = { cells: 0, carriageReturns: false };
  const columns = exportColumns(frame);
  const data = { frame, name: DATA_SHEET, columns, height: frame.height, written };
  addSheets(workbook, data, options);
  await workbook.commit();
}

/**
 * The export as an XLSX file, written atomically (a failure's fix names no flag: the caller chose
 * the path).
 */
export function writeXlsxFile(
  frame: pl.DataFrame,
  path: string,
  options: XlsxOptions,
): Promise<XlsxWritten> {
  return writeXlsxFileTo(frame, { ...options, path, chosenBy: ANOTHER_OUTPUT_FOLDER });
}

/**
 * writeXlsxFile with every option: the path, extra and lead sheets, a slice hook, and how the
 * user chose the file's folder (`chosenBy`, for the fix a failure names).
 */
export async function writeXlsxFileTo(
  frame: pl.DataFrame,
  options: XlsxOptions & { path: string; chosenBy: ChosenBy },
): Promise<XlsxWritten> {
  let written: XlsxWritten = { cutCells: 0 };
  const { chosenBy } = options;
  await writeFileAtomic(options.path, async (tmp) => {
    const stream = createWriteStream(tmp);
    // the file opens in the background: its error (a folder gone read-only) is an 'error' event,
    // uncaught (the process ended) unless awaited here, where writeFileAtomic words it
    await new Promise((resolve, reject) => {
      stream.once("open", resolve);
      stream.once("error", reject);
    });
    try {
      written = await writeXlsxTo(frame, { ...options, stream });
    } catch (error) {
      stream.destroy();
      throw error;
    }
    await finished(stream);
  }, { chosenBy });
  return written;
}
