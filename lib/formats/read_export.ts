/**
 * An export of this kit (CSV or XLSX) read back into the typed frame `loadPricingData` returns,
 * for `deno task compare`, `deno task scenario --input` and notebooks. A file is accepted only
 * when its header is exactly the column table's names in order (lib/frame/columns.ts), or, where the
 * caller takes them (`earlier`: history import, scenario --input), an earlier kit version's
 * (lib/frame/earlier_columns.ts: the columns added since left empty, ExportFile.lacks): anything
 * else is not an export of this kit, and a one-line error says what differs. A history snapshot
 * of an earlier version's export is refused as its CSV is, unless the caller takes them.
 *
 * Text cells come back as entered (an XLSX's OOXML escape decoded, lib/formats/read_xlsx.ts): the
 * leading `'` the writers add to formula-like text (`'=HYPERLINK(…)`) is taken off again
 * (lib/formats/formula_guard.ts), so a name compares equal to a history snapshot's; written again,
 * it gets the same `'` back.
 */
import pl from "nodejs-polars";
import { extname } from "node:path";
import { COLUMN_NAMES, type ColumnDef, COLUMNS, SNAPSHOT_ONLY_COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { errorReason, quoteValue } from "../core/quote.ts";
import { specialFileProblem } from "./files.ts";
import { isUtf16, UTF16_FIX } from "../core/utf16.ts";
import {
  type Cell,
  checkExportHeader,
  exportSeries,
  frameFromRows,
  type SourceOptions,
} from "./export_cells.ts";
import { exportFrameFromCsvFile, wantedColumns } from "./read_export_csv.ts";
import { readWholeCsv } from "./export_whole.ts";
import { earlierSnapshot, earlierSnapshotError } from "./earlier_snapshot.ts";
import { type ExportNameInfo, exportNameInfo } from "./export_names.ts";
import { readXlsxSheet, type XlsxSheet } from "./read_xlsx.ts";
import { DATA_SHEET } from "./xlsx.ts";

// The readers' parts, for the callers of this module.
export { checkExportHeader, exportSeries } from "./export_cells.ts";
export { exportFrameFromCsvFile, exportFrameFromCsvText } from "./read_export_csv.ts";

export type ExportFileFormat = "csv" | "xlsx" | "parquet";

export interface ExportFile {
  path: string;
  format: ExportFileFormat;
  /**
   * one row per organization, columns = COLUMN_NAMES in order (or the ones asked for), typed as
   * the pipeline's frame
   */
  frame: pl.DataFrame;
  /** from the file name; null when the file was renamed */
  name: ExportNameInfo | null;
  /**
   * the columns read that the file does not have, left empty: an earlier kit version's export
   * (read with `earlier`, or any reader's when each came in a readAsIs change) or an older
   * snapshot; none for this version's export
   */
  lacks: readonly string[];
}

/**
 * A frame with every export column, typed as the pipeline's frame, from the columns given
 * (missing columns are all null). Datetimes as epoch ms or Date. Handy for fixtures and notebooks.
 */
export function exportFrameFromColumns(
  columns: Record<string, readonly unknown[]>,
): pl.DataFrame {
  const unknown = Object.keys(columns).filter((name) => !COLUMN_NAMES.includes(name));
  if (unknown.length > 0) throw new Error(`not export columns: ${unknown.join(", ")}`);
  const lengths = new Set(Object.values(columns).map((values) => values.length));
  if (lengths.size > 1) throw new Error("export columns differ in length");
  const height = lengths.size === 0 ? 0 : [...lengths][0];
  return pl.DataFrame(COLUMNS.map((def) => {
    const values = columns[def.name] ?? new Array(height).fill(null);
    return exportSeries(
      def,
      values.map((v) => (v instanceof Date ? v.getTime() : v ?? null)),
    );
  }));
}

/**
 * The data sheet of an export XLSX (`pricing_data`, after `summary`; else the first sheet) →
 * typed frame. Text cells read back as written (lib/formats/read_xlsx.ts decodes OOXML's escape);
 * date cells are Excel day serials, turned back into UTC instants.
 */
export async function exportFrameFromXlsxFile(
  path: string,
  { source = path, ...header }: Partial<SourceOptions> = {},
): Promise<pl.DataFrame> {
  let sheet: XlsxSheet;
  try {
    sheet = readXlsxSheet(await Deno.readFile(path), DATA_SHEET);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UserError(`${source} is not a readable XLSX workbook (${reason})`);
  }
  const [first, ...rest] = sheet.rows;
  if (first === undefined) {
    throw new UserError(`${source} has no data sheet; not an export of this kit`);
  }
  // the header is row 1 (a sheet starting lower has none)
  const names = first.number === 1 ? Array.from(first.values, (v) => String(v ?? "")) : [];
  const inFile = checkExportHeader(names, { source, ...header });
  const rows: Cell[][] = [];
  // the sheet's row numbers: a cleared row holds no cells, so the rows after it are not counted
  // on from the header (errors naming a row name the one the sheet shows)
  const rowNumbers: number[] = [];
  for (const { number, values } of first.number === 1 ? rest : sheet.rows) {
    rowNumbers.push(number);
    const cells: Cell[] = new Array(inFile.length).fill(null);
    for (let c = 0; c < Math.min(values.length, inFile.length); c++) {
      const value = values[c] ?? null;
      if (value !== null && typeof value === "object") {
        const where = `${source} row ${number}, column ${inFile[c].name}`;
        throw new UserError(
          "error" in value
            ? `${where}: cell holds the error ${quoteValue(value.error)}`
            : `${where}: cell holds the formula ${
              quoteValue(`=${value.unsavedFormula}`)
            } with no saved value: open the workbook in a spreadsheet and save it (that stores each formula's value), or pass the CSV`,
        );
      }
      // a workbook counting days from 1904 has day serials 1,462 days less
      cells[c] = sheet.date1904 && typeof value === "number" && inFile[c].type === "datetime"
        ? value + 1462
        : value;
    }
    if (values.length > inFile.length && values.slice(inFile.length).some((v) => v != null)) {
      throw new UserError(`${source} row ${number} has cells past the last column`);
    }
    rows.push(cells);
  }
  return frameFromRows(rows, { source, firstDataRow: 2, rowNumbers, fileColumns: inFile });
}

/**
 * A history snapshot (Parquet, lib/history/snapshot.ts) as the export frame. Columns added to the
 * kit after the snapshot was written come back empty; columns the kit no longer has are dropped.
 * With `columns`, only those export columns (in the column table's order): the rest of the file
 * is never read (a million organizations' snapshot is ~0.5 GB whole).
 */
export function exportFrameFromParquetFile(
  path: string,
  options: {
    columns?: readonly string[];
    lacks?: (names: readonly string[]) => void;
    /**
     * without `columns`: also the snapshot-only columns the file has, after the export's (a
     * snapshot imported again keeps its exact native amounts, mrr_recurring_minor)
     */
    snapshotOnly?: boolean;
  } = {},
): pl.DataFrame {
  const wanted = options.columns;
  const defs = wanted ? COLUMNS.filter((def) => wanted.includes(def.name)) : COLUMNS;
  const special = specialFileProblem(path);
  if (special) throw new UserError(`${path} ${special}`);
  let frame: pl.DataFrame;
  try {
    if (wanted) {
      const inFile = new Set(pl.scanParquet(path).columns);
      frame = pl.readParquet(path, {
        columns: ["org_id", ...defs.map((d) => d.name).filter((n) => n !== "org_id")]
          .filter((name) => inFile.has(name)),
      });
    } else frame = pl.readParquet(path);
  } catch (error) {
    throw new UserError(
      `${path} is not a readable Parquet snapshot (${errorReason(error)})`,
    );
  }
  const present = new Set(frame.columns);
  if (!present.has("org_id")) {
    throw new UserError(`${path} has no org_id column; not a pricing-kit snapshot`);
  }
  options.lacks?.(defs.filter((def) => !present.has(def.name)).map((def) => def.name));
  // (a snapshot-only column the file lacks is for the writer to add: prepareSnapshot, typed)
  const kept = options.snapshotOnly && !wanted
    ? SNAPSHOT_ONLY_COLUMNS.filter((def) => present.has(def.name))
    : [];
  checkFiniteNumbers(frame, {
    path,
    defs: [...defs, ...kept].filter((def) => present.has(def.name)),
  });
  return pl.DataFrame([
    ...defs.map((def) =>
      present.has(def.name)
        ? frame.getColumn(def.name)
        : exportSeries(def, new Array(frame.height).fill(null))
    ),
    ...kept.map((def) => frame.getColumn(def.name)),
  ]);
}

/**
 * Throws the first NaN or ±Infinity in a number column of a snapshot, naming the file, column and
 * organization, as the CSV and XLSX readers refuse "inf", "NaN" and 1e400 (export_cells.ts): the
 * kit writes an unknown figure as null, read as unknown and said so; a NaN read as a number
 * crashed the charts and summed into totals. One pass over the float columns (a Parquet file
 * written by anything but the kit is the only way to one).
 */
function checkFiniteNumbers(
  frame: pl.DataFrame,
  { path, defs }: { path: string; defs: readonly ColumnDef[] },
): void {
  // a number column written as text ("NaN" in it) would be cast to NaN later: refused here, as
  // Polars' is_finite on it failed in words of its own
  for (const def of defs) {
    if (def.type !== "number" && def.type !== "integer") continue;
    const series = frame.getColumn(def.name);
    const { variant } = series.dtype;
    if (series.isNumeric() || variant === "Decimal" || variant === "Null") continue;
    throw new UserError(
      `${path} column ${def.name} holds ${
        variant === "String" ? "text" : "values"
      } (${variant}), not numbers; the kit writes numbers there: import the snapshot again from its export (deno task history import)`,
    );
  }
  // an integer column written as floats (pandas writes one with nulls so) can hold a NaN too: a
  // count or native amount read as NaN, or cast to Int64 as an empty cell said stored
  const floats = defs.filter((def) =>
    (def.type === "number" || def.type === "integer") &&
    /^Float/.test(frame.getColumn(def.name).dtype.variant)
  );
  if (floats.length === 0 || frame.height === 0) return;
  const bad = (name: string) => pl.col(name).isNotNull().and(pl.col(name).isFinite().not());
  const counts = frame.select(...floats.map((def) => bad(def.name).sum().alias(def.name)))
    .toRecords()[0];
  const column = floats.find((def) => Number(counts[def.name]) > 0)?.name;
  if (column === undefined) return;
  const first = frame.withRowIndex("_row").filter(bad(column)).head(1).toRecords()[0];
  throw new UserError(
    `${path} row ${Number(first._row) + 1}, column ${column} (organization ${
      quoteValue(String(first.org_id))
    }): ${
      String(first[column])
    } is not a number; the kit writes an unknown figure as empty: import the snapshot again from its export (deno task history import)`,
  );
}

/** A missing export file's error, with the fix (history import's words; the notebook names its own). */
export function missingExportMessage(path: string): string {
  return `${path} does not exist; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`;
}

/**
 * The format of an export file at `path`, from its extension, once it is known to be a file: a
 * one-line UserError for another extension, a missing path or a folder. Nothing is read.
 */
export async function exportFileFormat(path: string): Promise<ExportFileFormat> {
  const extension = extname(path).toLowerCase();
  if (extension !== ".csv" && extension !== ".xlsx" && extension !== ".parquet") {
    throw new UserError(
      `${path} is not a .csv, .xlsx or .parquet file; pass an export such as outputs/helicone_pricing_data_2026-11-01.csv or a snapshot from outputs/history/`,
    );
  }
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) {
      throw new UserError(
        `${path} is not a file; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
      );
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (error instanceof Deno.errors.NotFound) throw new UserError(missingExportMessage(path));
    throw new UserError(`${path} cannot be read (${(error as Error).message.split("\n")[0]})`);
  }
  return extension === ".csv" ? "csv" : extension === ".xlsx" ? "xlsx" : "parquet";
}

const FORMAT_NAMES: Record<ExportFileFormat, string> = {
  csv: "a CSV",
  xlsx: "an XLSX workbook",
  parquet: "a Parquet file",
};

/**
 * What the file's first bytes say it is: a ZIP's signature (PK\x03\x04) is a workbook, `PAR1` a
 * Parquet file, UTF-16 text `utf16`, text whose first line has a comma a CSV; null when they say
 * nothing sure.
 */
async function contentFormat(path: string): Promise<ExportFileFormat | "utf16" | null> {
  const head = new Uint8Array(4096);
  let length = 0;
  const file = await Deno.open(path);
  try {
    while (length < head.length) {
      const n = await file.read(head.subarray(length));
      if (n === null) break;
      length += n;
    }
  } finally {
    file.close();
  }
  const bytes = head.subarray(0, length);
  const starts = (magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04])) return "xlsx";
  if (starts([0x50, 0x41, 0x52, 0x31])) return "parquet";
  if (isUtf16(bytes)) return "utf16";
  // text (no NUL byte) whose first line has a comma
  if (bytes.includes(0)) return null;
  const firstLine = new TextDecoder().decode(bytes).split(/\r?\n/)[0];
  return firstLine.includes(",") ? "csv" : null;
}

/**
 * A one-line UserError when the file's content is another format than its extension's (an XLSX
 * copied to a .csv name, a CSV saved as .xlsx): the reader of the extension would call it foreign.
 */
async function checkContentMatches(path: string, format: ExportFileFormat): Promise<void> {
  const content = await contentFormat(path).catch(() => null);
  if (content === null || content === format) return;
  // (a CSV read as UTF-8 had "none of its header is ours")
  if (content === "utf16") throw new UserError(`${path} is not UTF-8: ${UTF16_FIX}`);
  throw new UserError(
    `${path} is ${FORMAT_NAMES[content]}, not ${
      FORMAT_NAMES[format]
    }: give it the .${content} extension`,
  );
}

/**
 * Reads an export CSV or XLSX, or a history snapshot; every failure is a one-line UserError. With
 * `columns`, the frame has only those (org_id always), in the column table's order: a CSV or
 * snapshot reads no other, an XLSX is read whole first. With `earlier`, a CSV, XLSX or snapshot of
 * an earlier kit version is read too (its `lacks` say which of the columns read it does not have);
 * without, it is refused in one line unless each column it lacks came in a readAsIs change (read
 * then, `lacks` naming them) (its empty plan would read as every organization changing
 * plan): a snapshot written by that version, or imported from its export, with its sidecar or
 * without (earlier_snapshot.ts). With `snapshotOnly`, a snapshot's frame keeps the snapshot-only
 * columns it has (exportFrameFromParquetFile).
 */
export async function readExportFile(
  path: string,
  { columns, earlier = false, snapshotOnly = false, signal }: {
    columns?: readonly string[];
    earlier?: boolean;
    snapshotOnly?: boolean;
    /**
     * a command's Ctrl-C or SIGTERM: a CSV's read checks it between its pieces and steps
     * (ExportReadOptions.signal); an XLSX or a snapshot is read to its end
     */
    signal?: AbortSignal;
  } = {},
): Promise<ExportFile> {
  const format = await exportFileFormat(path);
  await checkContentMatches(path, format);
  const wanted = columns && wantedColumns(columns).map((def) => def.name);
  let lacks: readonly string[] = [];
  const told = (names: readonly string[]) => {
    lacks = names.filter((name) => wanted?.includes(name) ?? true);
  };
  const header = earlier ? { earlierVersion: told } : { readAsIs: told };
  const frame = format === "csv"
    // refused when the manifest beside it says it is cut short (export_whole.ts)
    ? await readWholeCsv(
      path,
      () => exportFrameFromCsvFile(path, { columns, ...(signal ? { signal } : {}), ...header }),
      { signal },
    )
    : format === "xlsx"
    ? (await exportFrameFromXlsxFile(path, header)).select(
      ...(wanted ?? COLUMN_NAMES),
    )
    : exportFrameFromParquetFile(path, { columns: wanted, lacks: told, snapshotOnly });
  if (format === "parquet" && !earlier) {
    const earlier = await earlierSnapshot(path);
    if (earlier) throw new UserError(earlierSnapshotError(path, earlier));
  }
  return { path, format, frame, name: exportNameInfo(path), lacks };
}
