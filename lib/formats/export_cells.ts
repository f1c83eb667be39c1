/**
 * An export's cells read back: the header check (this version's columns, or an earlier version's
 * where the reader takes those), one cell read for its column's type, typed
 * series, rows of cells into the typed frame (errors name row and column), the org_id check.
 * Shared by the CSV, XLSX and Parquet readers (lib/formats/read_export.ts, read_export_csv.ts).
 */
import pl from "nodejs-polars";
import { COLUMN_NAMES, type ColumnDef, COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { withoutFormulaGuardText } from "./formula_guard.ts";
import { earlierHeader } from "../frame/earlier_columns.ts";
import { readIsoInstant } from "../core/window.ts";
import { quoteParameter, quoteValue } from "../core/quote.ts";
import { someInWords } from "../core/words.ts";

/** Up to five names, then how many more. */
export function someOf(names: string[]): string {
  return someInWords(names, { shown: 5 });
}

/** What a reader takes besides this version's exports. */
export interface HeaderOptions {
  /**
   * takes an earlier kit version's export (lib/frame/earlier_columns.ts), told which columns it
   * lacks (left empty); without it such a file is refused, naming what it lacks, unless every
   * column it lacks came in a readAsIs change (then read as it is, those columns empty)
   */
  earlierVersion?: (lacks: readonly string[]) => void;
  /**
   * told which columns a file taken as it is lacks (without `earlierVersion`: each came in a
   * readAsIs change), so its reader can say they were read as empty
   */
  readAsIs?: (lacks: readonly string[]) => void;
}

/** How to read an export's text or file: `source` names it in errors, and the header's options. */
export interface SourceOptions extends HeaderOptions {
  source: string;
}

/**
 * The file's columns (this version's table, or an earlier version's with `earlierVersion`), in the
 * file's order; throws a one-line UserError, naming the file by `source`, for any other header.
 */
export function checkExportHeader(
  header: readonly string[],
  { source, earlierVersion, readAsIs }: SourceOptions,
): readonly ColumnDef[] {
  const earlier = earlierHeader(header);
  if (earlier && (earlierVersion || earlier.readAsIs)) {
    (earlierVersion ?? readAsIs)?.(earlier.lacks);
    return COLUMNS.filter((def) => earlier.names.includes(def.name));
  }
  if (earlier) {
    throw new UserError(
      `${source} is an export of an earlier kit version: its header lacks ${
        someOf([...earlier.lacks])
      } (added since); re-export it with deno task export (history import and scenario --input read it as it is)`,
    );
  }
  const expected = new Set(COLUMN_NAMES);
  const present = new Set(header);
  const missing = COLUMN_NAMES.filter((name) => !present.has(name));
  const unexpected = header.filter((name) => !expected.has(name)).map(headerName);
  const hint = `an export of this kit starts with ${
    COLUMN_NAMES.slice(0, 3).join(",")
  },… (${COLUMN_NAMES.length} columns, lib/frame/columns.ts)`;
  if (missing.length === COLUMN_NAMES.length) {
    const separated = otherSeparatorError(header, source);
    if (separated) throw new UserError(separated);
    throw new UserError(
      `${source} is not a pricing-kit export: none of its header is ours; ${hint}`,
    );
  }
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `lacks ${someOf(missing)}` : "",
      unexpected.length > 0 ? `has unexpected ${someOf(unexpected)}` : "",
    ].filter(Boolean).join(" and ");
    // A few differences are mostly a hand edit (a column deleted or renamed in a spreadsheet):
    // undoing it is the fix, re-exporting the other.
    const plural = (names: readonly string[]) => names.length > 1 ? "columns" : "column";
    const undo = unexpected.length === 0
      ? `restore the ${plural(missing)}`
      : missing.length === 0
      ? `delete the ${plural(unexpected)}`
      : "restore the kit's column names";
    // Mostly foreign: another file. A few differences: not the columns of any kit version.
    throw new UserError(
      missing.length > COLUMN_NAMES.length / 2
        ? `${source} is not a pricing-kit export: its header ${parts}; ${hint}`
        : `${source} does not match this version's columns: its header ${parts}; ${undo} (or re-export it with deno task export)`,
    );
  }
  if (header.length !== COLUMN_NAMES.length) {
    const counts = new Map<string, number>();
    for (const name of header) counts.set(name, (counts.get(name) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
    throw new UserError(
      `${source} is not a pricing-kit export: column ${
        twice.map((name) => quoteValue(name)).join(", ")
      } repeats`,
    );
  }
  const misplaced = header.findIndex((name, i) => name !== COLUMN_NAMES[i]);
  if (misplaced >= 0) {
    throw new UserError(
      `${source} is not a pricing-kit export: column ${misplaced + 1} is ${
        headerName(header[misplaced])
      }, expected ${COLUMN_NAMES[misplaced]} (columns were reordered)`,
    );
  }
  return COLUMNS;
}

/**
 * A file's header name as an error shows it: as it is when printable ASCII of 40 characters at
 * most (`monthly`), else quoted (quoteValue: a line break as `\n`, cut): the command lines print an
 * error's first line, and a raw line break in a name cut the fix after it off.
 */
function headerName(name: string): string {
  return /^[\x20-\x7e]{1,40}$/.test(name) ? name : quoteValue(name);
}

/** Separators a spreadsheet may save a CSV with instead of a comma, as named in the error. */
const OTHER_SEPARATORS = [[";", '";"'], ["\t", "tabs"]] as const;

/**
 * The error for a header that is ours separated by `;` or tabs (LibreOffice or Excel in a locale
 * whose decimal mark is a comma saves CSVs so), else null. `header`: the first line read as
 * comma-separated (a BOM before it is taken off).
 */
export function otherSeparatorError(header: readonly string[], source: string): string | null {
  const line = header.join(",").replace(/^\uFEFF/, "");
  for (const [separator, named] of OTHER_SEPARATORS) {
    const names = line.split(separator).map((name) => name.trim().replace(/^"(.*)"$/, "$1"));
    if (names[0] === COLUMN_NAMES[0] && names.filter((n) => COLUMN_NAMES.includes(n)).length > 1) {
      return `${source} is separated by ${named}, not commas: save it again with "," as the field separator (or pass the XLSX)`;
    }
  }
  return null;
}

/** Excel's day serial (days since 1899-12-30) → epoch ms, rounded to the millisecond. */
function excelSerialToMs(serial: number): number {
  return Math.round((serial - 25569) * 86_400_000);
}

/** A cell as the readers give it: text (CSV, XLSX), a number, a boolean (XLSX), or empty. */
export type Cell = string | number | boolean | null;

/**
 * A number as a spreadsheet shows it (`$0.03`, `1,716`, `100.0%`, `(5)`): what LibreOffice's
 * "Save cell content as shown" writes into a CSV.
 */
const SHOWN_NUMBER = /^[-+(]?\s*[$€£¥]?\s*-?[\d.,\s]*\d[\d.,\s]*\s*%?\)?$/;

/** How the writers write a timestamp (toISOString, lib/formats/csv_rows.ts), for the errors. */
const WRITTEN_TIMESTAMP = "2026-11-01T12:00:00Z (UTC)";

/**
 * A timestamp cell's text → epoch ms, by the as-of's strict rule (lib/core/window.ts), or throws
 * why not: `new Date` read 2026-02-30 as March 2 and a zoneless time in the computer's own zone.
 */
function instantMs(text: string): number {
  // (a year past 9999 or before 0 as the CSV writer writes it: +010000-01-01T00:00:00Z)
  const read = readIsoInstant(text, { expandedYears: true });
  if ("ms" in read) return read.ms;
  const quoted = quoteValue(text);
  // the kit writes only UTC: a zone a spreadsheet dropped is most likely Z, but only the user knows
  if ("zoneless" in read) {
    throw `${quoted} has no time zone: add Z for UTC (${
      quoteValue(`${text.replace(" ", "T")}Z`)
    }, as the kit writes it) or its offset (+02:00)`;
  }
  if ("impossible" in read) {
    throw `${quoted} is not a real date and time (${read.impossible}): correct it; the kit writes ${WRITTEN_TIMESTAMP}`;
  }
  throw `${quoted} is not an ISO timestamp: the kit writes ${WRITTEN_TIMESTAMP}`;
}

/** A plain decimal number, as the CSV writer writes one (an exponent too, as JS reads it). */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** Words a spreadsheet or an editor writes for a value that is no number: inf, -Infinity, NaN. */
const NON_FINITE_WORD = /^[-+]?(?:inf(?:inity)?|nan)$/i;

/**
 * The fix for a number cell that is infinite or not a number: the kit writes an unknown figure as
 * an empty cell and reads one as unknown (null), counted and said as such in every output.
 */
const NON_FINITE_FIX = "enter the figure, or empty the cell if it is unknown";

/** Why a number cell is out of range: past 2^53 − 1 for a whole number, past a double's range. */
function tooLarge(cell: Cell, type: "integer" | "number"): string {
  const most = type === "integer"
    ? `whole number (at most ${Number.MAX_SAFE_INTEGER.toLocaleString("en-US")}`
    : "number (at most 1.8e308";
  // (a number past a double's range is one an editor typed as infinite: 1e400)
  const fix = type === "number" ? `: ${NON_FINITE_FIX}` : "";
  return `${quoteParameter(cell)} is too large a ${most} in magnitude)${fix}`;
}

/**
 * One cell read for its column type; throws the reason (the caller adds where), the cell quoted
 * and cut to 40 characters as the server quotes a value (a 400-digit number was echoed whole).
 */
function readCell(def: ColumnDef, cell: Cell, asShownFix?: string): unknown {
  if (cell === null || cell === "") return null;
  switch (def.type) {
    case "integer":
    case "number": {
      // text only as a decimal: Number() also reads 0x10, 0b11 and 0o17 (16, 3 and 15)
      const value = typeof cell === "number"
        ? cell
        : typeof cell === "string" && DECIMAL.test(cell.trim())
        ? Number(cell)
        : NaN;
      // digits past a double's range (1.8e308) read as Infinity: a number, only too large
      if (typeof cell === "string" && DECIMAL.test(cell.trim()) && !Number.isFinite(value)) {
        throw tooLarge(cell, def.type);
      }
      if (!Number.isFinite(value) || (typeof cell === "string" && cell.trim() === "")) {
        const shown = asShownFix && typeof cell === "string" && SHOWN_NUMBER.test(cell.trim());
        // an unknown figure is an empty cell, as the kit writes one (read as null, said unknown)
        const fix = shown
          ? `: ${asShownFix}`
          : typeof cell !== "string" || NON_FINITE_WORD.test(cell.trim())
          ? `: ${NON_FINITE_FIX}`
          : "";
        throw `${quoteParameter(cell)} is not a number${fix}`;
      }
      if (def.type === "integer" && !Number.isInteger(value)) {
        throw `${quoteParameter(cell)} is not a whole number`;
      }
      // past 2^53 − 1 a double holds no exact whole number, and its Int64 cast read as unknown
      if (def.type === "integer" && !Number.isSafeInteger(value)) throw tooLarge(cell, def.type);
      // a seat, user or request count below zero is a typo or a damaged file, never a figure
      if (def.unit === "count" && value < 0) {
        throw `${quoteParameter(cell)} is a negative count (counts are 0 or more)`;
      }
      return value;
    }
    case "boolean":
      if (typeof cell === "boolean") return cell;
      // LibreOffice saves TRUE and FALSE as 1 and 0 in a boolean format (a TRUE() formula's value)
      if (cell === 1 || cell === 0) return cell === 1;
      if (typeof cell === "string") {
        // a CSV saved again by LibreOffice or Excel has TRUE and FALSE
        const text = cell.toLowerCase();
        if (text === "true") return true;
        if (text === "false") return false;
      }
      throw `${quoteParameter(cell)} is not true or false`;
    case "datetime":
      return typeof cell === "number" ? excelSerialToMs(cell) : instantMs(String(cell));
    case "string": {
      // text as entered: the writers' formula guard taken off (lib/formats/formula_guard.ts)
      const text = withoutFormulaGuardText(String(cell));
      if (def.values && !def.values.includes(text)) {
        throw `${quoteParameter(cell)} is not a ${def.name} the kit writes: use one of ${
          def.values.join(", ")
        }`;
      }
      return text;
    }
  }
}

/** A typed series for one export column from plain values (datetimes as epoch ms). */
export function exportSeries(def: ColumnDef, values: unknown[]): pl.Series {
  switch (def.type) {
    case "integer":
      return pl.Series(def.name, values as (number | null)[], pl.Float64).cast(pl.Int64);
    case "number":
      return pl.Series(def.name, values as (number | null)[], pl.Float64);
    case "boolean":
      return pl.Series(def.name, values as (boolean | null)[], pl.Bool);
    case "datetime":
      return pl.Series(def.name, values as (number | null)[], pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms"),
      );
    case "string":
      return pl.Series(def.name, values as (string | null)[], pl.Utf8);
  }
}

/** What to do about a number saved as shown in a CSV (`$0.03`), told after the cell's error. */
export const CSV_AS_SHOWN_FIX =
  'it was saved as shown: save the CSV again with "Save cell content as shown" off (or pass the XLSX)';

/**
 * Rows of cells in the file's columns (`fileColumns`, checkExportHeader's) → the typed export
 * frame, the columns the file lacks empty, rows entirely empty left out (orgRows); errors name row
 * and column, and a number shown formatted gets `asShownFix` after it.
 */
export function frameFromRows(
  rows: Cell[][],
  { source, firstDataRow, rowNumbers, fileColumns = COLUMNS, asShownFix }: {
    /** the file, as errors name it */
    source: string;
    /** the file's row number of `rows[0]` */
    firstDataRow: number;
    /**
     * the file's row number of each row, when they do not follow on from `firstDataRow` (a sheet's
     * cleared rows hold no cells and are no rows: the rows after one are numbered as the sheet shows)
     */
    rowNumbers?: readonly number[];
    fileColumns?: readonly ColumnDef[];
    asShownFix?: string;
  },
): pl.DataFrame {
  const arrays: unknown[][] = fileColumns.map(() => new Array(rows.length));
  const fileRow = (r: number) => rowNumbers?.[r] ?? r + firstDataRow;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length > fileColumns.length) {
      throw new UserError(
        `${source} row ${
          fileRow(r)
        } has ${row.length} fields, the header has ${fileColumns.length}`,
      );
    }
    for (let c = 0; c < fileColumns.length; c++) {
      try {
        arrays[c][r] = readCell(fileColumns[c], row[c] ?? null, asShownFix);
      } catch (reason) {
        throw new UserError(
          `${source} row ${fileRow(r)}, column ${fileColumns[c].name}: ${reason}`,
        );
      }
    }
  }
  const frame = pl.DataFrame(COLUMNS.map((def) => {
    const c = fileColumns.indexOf(def);
    return exportSeries(def, c >= 0 ? arrays[c] : new Array(rows.length).fill(null));
  }));
  return orgRows(frame, { source, firstDataRow, rowNumbers });
}

/**
 * The frame's organizations: rows entirely empty left out (a spreadsheet's leftover `,,,,` lines
 * hold nothing to read), every other row checked to have an org_id, and one each. Errors name the
 * rows (`firstDataRow`: the file's row number of the frame's first; `rowNumbers`: of each, when
 * they do not follow on from it).
 */
export function orgRows(
  frame: pl.DataFrame,
  { source, firstDataRow, rowNumbers }: {
    source: string;
    firstDataRow: number;
    rowNumbers?: readonly number[];
  },
): pl.DataFrame {
  let ids = frame.getColumn("org_id");
  if (ids.nullCount() > 0) {
    const flags = frame.select(
      pl.col("org_id").isNull().alias("no_id"),
      frame.columns.map((name) => pl.col(name).isNull()).reduce((all, next) => all.and(next))
        .alias("empty"),
    );
    const noId = flags.getColumn("no_id").toArray() as boolean[];
    const empty = flags.getColumn("empty").toArray() as boolean[];
    const without = noId.flatMap((missing, i) =>
      missing && !empty[i] ? [String(rowNumbers?.[i] ?? i + firstDataRow)] : []
    );
    if (without.length > 0) {
      throw new UserError(
        `${source} ${without.length > 1 ? "rows" : "row"} ${someOf(without)} ${
          without.length > 1 ? "have" : "has"
        } no org_id: fill in each organization's org_id, or delete the row`,
      );
    }
    frame = frame.filter(pl.col("org_id").isNotNull());
    ids = frame.getColumn("org_id");
  }
  if (ids.nUnique() !== frame.height) {
    const seen = new Set<string>();
    const twice = (ids.toArray() as string[]).find((id) => seen.has(id) || !seen.add(id));
    throw new UserError(
      `${source}: org_id ${
        quoteValue(twice ?? "")
      } appears more than once; an export has one row per organization`,
    );
  }
  return frame;
}
