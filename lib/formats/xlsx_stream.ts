/**
 * The XLSX data sheet, streamed. ExcelJS builds the whole workbook (every sheet, styles, widths,
 * frozen panes, autofilter, document properties) with the data sheet holding only its header and
 * one template row; this module then copies ExcelJS's archive entry by entry and, in place of that
 * sheet, deflates row XML as it is produced from frame slices (so memory stays flat).
 * ExcelJS's own row model costs ~4 µs per cell; the XML here is written the way ExcelJS writes it
 * (inline `t="str"` strings, the template row's style per column, null cells left out).
 */
import type pl from "nodejs-polars";
import type { Writable } from "node:stream";
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
import { type DosTime, entryBytes, readZipEntries, type ZipEntry, ZipWriter } from "./zip.ts";
import type { AddedEntry } from "./xlsx_images.ts";
import { cellText, type CutCells, putXmlText, xmlText } from "./xlsx_text.ts";

export { xmlText };

/**
 * zlib level 1: 7× faster than the default 6 on sheet XML (0.65 s vs 4.5 s for 137 MB) for a file
 * 1.6× larger, about the size ExcelJS's own archives had.
 */
const DEFLATE_LEVEL = 1;

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

/** The archive path of a sheet, by its name, from workbook.xml and its relationships. */
function sheetPath(entries: ZipEntry[], sheet: string): string {
  const text = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new Error(`workbook lacks ${name}`);
    return new TextDecoder().decode(entryBytes(entry));
  };
  const workbook = text("xl/workbook.xml");
  const escaped = xmlText(sheet).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const id = workbook.match(new RegExp(`<sheet [^>]*name="${escaped}"[^>]*r:id="([^"]+)"`))?.[1];
  if (!id) throw new Error(`workbook has no sheet ${sheet}`);
  const rels = text("xl/_rels/workbook.xml.rels");
  const target = rels.match(new RegExp(`<Relationship [^>]*Id="${id}"[^>]*Target="([^"]+)"`))
    ?.[1];
  if (!target) throw new Error(`workbook relationships lack ${id}`);
  return target.startsWith("/") ? target.slice(1) : `xl/${target}`;
}

export interface StreamedSheetOptions {
  /** ExcelJS's archive, the streamed sheet holding its header and the template row 2 */
  template: Uint8Array;
  /** the sheet's name */
  sheet: string;
  /** row XML for rows 2…, given each column's style id from the template row */
  rows: (styles: string[]) => Iterable<Uint8Array>;
  out: Writable;
  /** new text of a template entry (another sheet gaining a drawing), or undefined to copy it */
  edit?: (name: string, text: string) => string | undefined;
  /** entry names `edit` changes (the others are copied without being inflated) */
  edited?: string[];
  /** entries added after the template's */
  added?: AddedEntry[];
  /** entries appended last, awaited once everything else is written (images rendered meanwhile) */
  tail?: () => Promise<AddedEntry[]>;
  /** each sheet's autofilter range by sheet name: workbook.xml gets their hidden names */
  autoFilters?: ReadonlyMap<string, string>;
  /**
   * every entry's time (the workbook's document date): ExcelJS stamps its entries with the time
   * of writing, which made two writes of one workbook differ
   */
  entryTime: DosTime;
}

const WORKBOOK = "xl/workbook.xml";

/**
 * workbook.xml with a hidden `_xlnm._FilterDatabase` name for each sheet's autofilter (`ranges`:
 * by sheet name), as Excel writes them and ExcelJS does not: LibreOffice drops an autofilter
 * without its name (no filter buttons, and none in a file it saves again).
 */
export function withFilterDatabases(
  workbook: string,
  ranges: ReadonlyMap<string, string>,
): string {
  const byEscapedName = new Map([...ranges].map(([name, range]) => [xmlText(name), range]));
  const sheets = [...workbook.matchAll(/<sheet [^>]*name="([^"]*)"/g)].map((m) => m[1]);
  const added = sheets.map((escapedName, index) => {
    const ref = byEscapedName.get(escapedName);
    if (!ref) return "";
    // the name as workbook.xml holds it (XML-escaped), quoted: '…' with a quote in it doubled
    const quoted = `'${escapedName.replaceAll("&apos;", "'").replaceAll("'", "''")}'`;
    const range = ref.replace(/([A-Z]+)(\d+)/g, "$$$1$$$2");
    return `<definedName name="_xlnm._FilterDatabase" localSheetId="${index}" hidden="1">` +
      `${quoted.replaceAll("'", "&apos;")}!${range}</definedName>`;
  }).join("");
  if (added === "") return workbook;
  return workbook.includes("<definedNames>")
    ? workbook.replace("<definedNames>", `<definedNames>${added}`)
    : workbook.replace("</sheets>", `</sheets><definedNames>${added}</definedNames>`);
}

/** Writes the template's archive to `out` with the sheet's template row replaced by `rows`. */
export async function writeWithStreamedSheet(options: StreamedSheetOptions): Promise<void> {
  const entries = readZipEntries(options.template);
  const path = sheetPath(entries, options.sheet);
  const entry = entries.find((e) => e.name === path)!;
  const xml = new TextDecoder().decode(entryBytes(entry));
  const template = xml.match(/<row r="2"[^>]*>.*?<\/row>/);
  if (!template || template.index === undefined) {
    throw new Error(`sheet ${options.sheet} has no template row`);
  }
  const styles: string[] = [];
  for (const cell of template[0].matchAll(/<c r="([A-Z]+)2"(?: s="(\d+)")?/g)) {
    let index = 0;
    for (const letter of cell[1]) index = index * 26 + letter.charCodeAt(0) - 64;
    styles[index - 1] = cell[2] ?? "";
  }
  const before = xml.slice(0, template.index);
  const after = xml.slice(template.index + template[0].length);
  const names = new Set(entries.map((e) => e.name));
  const clash = (options.added ?? []).find((a) => names.has(a.name));
  if (clash) throw new Error(`workbook template already has ${clash.name}`);
  const missing = (options.edited ?? []).find((name) => !names.has(name));
  if (missing) throw new Error(`workbook template lacks ${missing}`);
  const zip = new ZipWriter(options.out);
  const time = options.entryTime;
  const add = (added: AddedEntry) =>
    "text" in added
      ? zip.deflate(added.name, [added.text], time)
      : zip.store(added.name, added.bytes, time);
  for (const e of entries) {
    if (e.name === path) {
      await zip.deflate(
        path,
        (function* () {
          yield before;
          yield* options.rows(styles);
          yield after;
        })(),
        { ...time, level: DEFLATE_LEVEL },
      );
      continue;
    }
    let edited = options.edited?.includes(e.name)
      ? options.edit?.(e.name, new TextDecoder().decode(entryBytes(e)))
      : undefined;
    if (e.name === WORKBOOK && options.autoFilters) {
      edited = withFilterDatabases(
        edited ?? new TextDecoder().decode(entryBytes(e)),
        options.autoFilters,
      );
    }
    if (edited === undefined) await zip.copy({ ...e, ...time });
    else await zip.deflate(e.name, [edited], time);
  }
  for (const added of options.added ?? []) await add(added);
  for (const added of await options.tail?.() ?? []) await add(added);
  await zip.finish();
}
