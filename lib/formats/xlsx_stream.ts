/**
 * The XLSX data sheet, streamed. ExcelJS builds the whole workbook (every sheet, styles, widths,
 * frozen panes, autofilter, document properties) with the data sheet holding only its header and
 * one template row; xlsx_archive.ts then copies ExcelJS's archive entry by entry and, in place of
 * that sheet, deflates the row XML this module produces from frame slices (so memory stays flat).
 * ExcelJS's own row model costs ~4 µs per cell; the XML here is written the way ExcelJS writes it
 * (inline `t="str"` strings, the template row's style per column, null cells left out).
 */
import type pl from "nodejs-polars";
import {
  BOOLEAN_CELLS,
  cellKinds,
  earlyDateText,
  type FrameColumn,
  NUMBER_CELLS,
  SLICE_ROWS,
  TEXT_BYTE_CELLS,
  TEXT_CELLS,
  type TypedColumn,
  typedHeight,
} from "./cells.ts";
import {
  ByteWriter,
  isNullText,
  isSafeWhole,
  mayExceedCell,
  putAscii,
  putInteger,
  textAt,
  type TextBytes,
  utf8,
} from "./cell_text.ts";
import { cellText, type CutCells, putXmlText, xmlText } from "./xlsx_text.ts";

export { xmlText };

/** A value of each type that makes ExcelJS write the cell, so the template row shows its style. */
export function templateValue(type: FrameColumn["def"]["type"]): unknown {
  switch (type) {
    case "string":
      return "x";
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "datetime":
      return 0;
  }
}

/** `A`, `B`, … `Z`, `AA`, … for column index 0, 1, … */
export function columnLetters(index: number): string {
  let letters = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/**
 * The XML text of a string or datetime column's cells, per row; an empty cell is null (an empty
 * string is a cell: `<v></v>`).
 */
function textValues(
  column: TypedColumn,
  { text, cut }: { text: (v: string) => string; cut: CutCells },
): (string | null)[] {
  const strings = column.strings;
  if (strings) {
    return strings.map((v) =>
      v === null || v === undefined ? null : xmlText(cellText(text(String(v)), cut))
    );
  }
  // ExcelJS's dateToExcel, same arithmetic: days since 1899-12-30 (ISO text before 1900-03-01)
  return Array.from(
    column.numbers!,
    (ms) =>
      ms - ms !== 0 ? null : earlyDateText(ms, column.def.unit) ?? String(25569 + ms / 86_400_000),
  );
}

/**
 * Rows of a datetime column before 1900-03-01 (1), written as text (earlyDateText); null for a
 * column with none, as almost every column is.
 */
function earlyDateRows(column: TypedColumn): Uint8Array | null {
  if (column.def.type !== "datetime" || column.strings) return null;
  const numbers = column.numbers!;
  let rows: Uint8Array | null = null;
  for (let r = 0; r < numbers.length; r++) {
    if (earlyDateText(numbers[r], column.def.unit) === null) continue;
    rows ??= new Uint8Array(numbers.length);
    rows[r] = 1;
  }
  return rows;
}

/**
 * Constant markup as little-endian 32-bit words, written four bytes at a time (DataView.setUint32)
 * instead of byte by byte: the last word may write up to 3 bytes past `length`, which the next
 * piece overwrites (a ByteWriter's slack leaves room for them).
 */
interface Words {
  words: Uint32Array;
  length: number;
}

function words(bytes: Uint8Array): Words {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  return {
    words: Uint32Array.from({ length: padded.length / 4 }, (_, i) => view.getUint32(4 * i, true)),
    length: bytes.length,
  };
}

/** The fixed markup of a column's cells, around the row number and the value. */
interface CellMarkup {
  /** `<c r="B` */
  open: Words;
  /** `" s="3" t="str"><v>` */
  value: Words;
  /** `" s="3"/>` for an empty cell of a styled column; null: ExcelJS leaves it out */
  empty: Words | null;
  /** `" s="3" t="str"><v>`: a datetime column's text before 1900-03-01 (earlyDateRows) */
  text: Words;
}

const CELL_END = words(utf8("</v></c>"));
const ROW_START = words(utf8('<row r="'));
const ROW_END = words(utf8("</row>"));

function cellMarkup(
  column: TypedColumn,
  options: { letters: string; style: string },
): CellMarkup {
  const s = options.style ? `" s="${options.style}"` : `"`;
  const type = column.def.type === "string"
    ? ' t="str"'
    : column.def.type === "boolean"
    ? ' t="b"'
    : "";
  return {
    open: words(utf8(`<c r="${options.letters}`)),
    value: words(utf8(`${s}${type}><v>`)),
    // ExcelJS keeps an empty cell only when it has a style (a formatted column).
    empty: options.style ? words(utf8(`${s}/>`)) : null,
    text: words(utf8(`${s} t="str"><v>`)),
  };
}

export interface SheetRowsOptions {
  frame: pl.DataFrame;
  /** the frame's typed columns (of a slice), with their definitions, in sheet order */
  columnsOf: (slice: pl.DataFrame) => TypedColumn[];
  /** style id per column, from the template row ("" = none) */
  styles: string[];
  /**
   * text neutralisation applied to string cells given as JS strings; String columns read as
   * UTF-8 spans (typedColumns' textBytes) are neutralised as neutraliseText does, on bytes
   */
  text: (value: string) => string;
  /** rows per slice (default SLICE_ROWS) */
  sliceRows?: number;
  /** counts the text cells cut to XLSX_CELL_CHARS */
  cut?: CutCells;
  /**
   * checked before each slice (its reason thrown): the deflater's drain turns the event loop
   * between chunks, so a stop is seen within a slice (~0.1–0.5 s at 16,000 rows)
   */
  signal?: AbortSignal;
}

/** Bytes per chunk handed to the deflater. */
const CHUNK_BYTES = 1 << 16;

/** A slice's columns as the row writer reads them, made once per slice. */
interface SliceCells {
  width: number;
  markup: CellMarkup[];
  kinds: number[];
  /** TEXT_CELLS columns' XML text per row ([] for the others) */
  texts: (string | null)[][];
  /** datetime columns' rows written as text (earlyDateRows; null for the others) */
  earlyRows: (Uint8Array | null)[];
  /** TEXT_BYTE_CELLS columns' UTF-8 spans (null for the others) */
  textBytes: (TextBytes | null)[];
  numbers: Float64Array[];
  /** `" spans="1:N" x14ac:dyDescent="0.25">` */
  rowOpen: Words;
  text: (value: string) => string;
  cut: CutCells;
}

/**
 * Row `r` of a slice as XML into `out` (`row`: the row number's `digits` ASCII digits, ≤ 16).
 * A function of its own, not the generator's body: V8 runs the same loop ~20 % faster here (stop
 * 49). The markup goes four bytes at a time (Words), the row number as two words: byte by byte it
 * was ~40 % of the row's time (stop 54). Whole numbers below 10 (most cells of a real export:
 * zeros) are one digit.
 */
function putRow(
  out: ByteWriter,
  cells: SliceCells,
  { r, row, digits }: { r: number; row: DataView; digits: number },
): void {
  const { width, markup, kinds, texts, textBytes, numbers, earlyRows } = cells;
  out.reserve(0);
  let buffer = out.buffer;
  let view = out.view;
  let at = out.length;
  // the row number in words (Excel's rows have 7 digits at most; the 3rd and 4th for any number)
  const low = row.getUint32(0, true);
  const high = row.getUint32(4, true);
  const more = digits > 8 ? [row.getUint32(8, true), row.getUint32(12, true)] : null;
  for (let k = 0; k < ROW_START.words.length; k++) {
    view.setUint32(at + 4 * k, ROW_START.words[k], true);
  }
  at += ROW_START.length;
  view.setUint32(at, low, true);
  view.setUint32(at + 4, high, true);
  if (more) {
    view.setUint32(at + 8, more[0], true);
    view.setUint32(at + 12, more[1], true);
  }
  at += digits;
  const rowOpen = cells.rowOpen;
  for (let k = 0; k < rowOpen.words.length; k++) view.setUint32(at + 4 * k, rowOpen.words[k], true);
  at += rowOpen.length;
  for (let c = 0; c < width; c++) {
    const cell = markup[c];
    const kind = kinds[c];
    const number = kind === NUMBER_CELLS || kind === BOOLEAN_CELLS;
    const v = number ? numbers[c][r] : 0;
    // empty: a null string or datetime, a NaN (null) or infinite number, a null boolean
    const empty = number
      ? v - v !== 0
      : kind === TEXT_BYTE_CELLS
      ? isNullText(textBytes[c]!, r)
      : texts[c][r] === null;
    const early = earlyRows[c];
    const tail = empty ? cell.empty : early !== null && early[r] === 1 ? cell.text : cell.value;
    if (tail === null) continue; // an empty cell ExcelJS leaves out
    const open = cell.open.words;
    for (let k = 0; k < open.length; k++) view.setUint32(at + 4 * k, open[k], true);
    at += cell.open.length;
    view.setUint32(at, low, true);
    if (digits > 4) view.setUint32(at + 4, high, true);
    if (more) {
      view.setUint32(at + 8, more[0], true);
      view.setUint32(at + 12, more[1], true);
    }
    at += digits;
    for (let k = 0; k < tail.words.length; k++) view.setUint32(at + 4 * k, tail.words[k], true);
    at += tail.length;
    if (empty) continue;
    if (number) {
      if (kind === BOOLEAN_CELLS) buffer[at++] = v === 1 ? 49 : 48; // 1 or 0
      else if (v >= 0 && v < 10 && (v | 0) === v) buffer[at++] = 48 + v; // -0 too: "0"
      else if (isSafeWhole(v)) at = putInteger(buffer, at, v); // String(v), without the string
      else at = putAscii(buffer, at, String(v));
    } else {
      at = putTextCell(out, at, cells, c, r);
      buffer = out.buffer;
      view = out.view;
    }
    view.setUint32(at, CELL_END.words[0], true);
    view.setUint32(at + 4, CELL_END.words[1], true);
    at += CELL_END.length;
  }
  for (let k = 0; k < ROW_END.words.length; k++) view.setUint32(at + 4 * k, ROW_END.words[k], true);
  out.length = at + ROW_END.length;
}

// putTextCell takes its arguments positionally: it runs per cell (no object per call).
/**
 * Row `r` of a text or datetime column `c` as the cell's value at `at`; returns the position
 * after it (out.buffer may have grown).
 */
function putTextCell(out: ByteWriter, at: number, cells: SliceCells, c: number, r: number): number {
  const bytes = cells.textBytes[c];
  if (bytes !== null && !mayExceedCell(bytes, r)) {
    return putXmlText(out, at, bytes, r); // neutralised like neutraliseText
  }
  out.length = at;
  // a span that may pass Excel's limit: as a string, measured and cut (rare)
  out.text(
    bytes !== null
      ? xmlText(cellText(cells.text(textAt(bytes, r)), cells.cut))
      : cells.texts[c][r]!,
  );
  return out.length;
}

/** Row XML (UTF-8) for rows 2… of the sheet, in chunks, reading the frame slice by slice. */
export function* sheetRowsXml(options: SheetRowsOptions): Generator<Uint8Array> {
  const { frame, styles } = options;
  const sliceRows = options.sliceRows ?? SLICE_ROWS;
  const cut = options.cut ?? { cells: 0 };
  let out: ByteWriter | undefined;
  let rowNumber = 1;
  const row = new Uint8Array(16); // the row number's digits
  const rowView = new DataView(row.buffer);
  for (let offset = 0; offset < frame.height; offset += sliceRows) {
    options.signal?.throwIfAborted();
    const columns = options.columnsOf(frame.slice(offset, sliceRows));
    const width = columns.length;
    const markup = columns.map((c, i) =>
      cellMarkup(c, { letters: columnLetters(i), style: styles[i] ?? "" })
    );
    const kinds = cellKinds(columns, { datetimeDigits: false });
    const cells: SliceCells = {
      width,
      markup,
      kinds,
      texts: columns.map((c, i) =>
        kinds[i] === TEXT_CELLS ? textValues(c, { text: options.text, cut }) : []
      ),
      earlyRows: columns.map(earlyDateRows),
      textBytes: columns.map((c) => c.text ?? null),
      numbers: columns.map((c) => c.numbers ?? new Float64Array(0)),
      rowOpen: words(utf8(`" spans="1:${width}" x14ac:dyDescent="0.25">`)),
      text: options.text,
      cut,
    };
    const height = typedHeight(columns);
    // slack: a row's markup and numbers (String(number) ≤ 25 bytes) without a bounds check
    const slack = ROW_START.length + cells.rowOpen.length + ROW_END.length + 32 +
      markup.reduce((n, m) => n + m.open.length + m.text.length + CELL_END.length + 16 + 25, 0);
    if (!out || out.slack < slack) out = new ByteWriter({ capacity: 2 * CHUNK_BYTES, slack });
    for (let r = 0; r < height; r++) {
      const digits = putAscii(row, 0, String(++rowNumber));
      putRow(out, cells, { r, row: rowView, digits });
      if (out.length >= CHUNK_BYTES) yield out.take();
    }
  }
  if (out && out.length > 0) yield out.take();
}
