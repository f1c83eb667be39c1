/**
 * Text in XLSX cells as entered (as the CSV holds it): what XML can hold escaped so XML parsers
 * give it back (a CR too), the control characters it cannot hold in Office Open XML's `_xHHHH_`
 * escape; cut to Excel's cell limit. putXmlText (lib/formats/cell_text.ts) does the same on UTF-8
 * bytes for the streamed data sheet.
 */
import { XLSX_CELL_CHARS } from "./cell_text.ts";
import { entryBytes, readZipEntries } from "./zip.ts";

/**
 * What xmlText rewrites: the five entities; CR (XML parsers read a raw CR as LF, a character
 * reference as CR); the other control characters XML 1.0 cannot hold (tab and LF it can); and a
 * `_` that starts what readers decode as OOXML's `_xHHHH_` escape (`_xHHHH` then `_` or a control
 * character, itself written `_x00HH_`).
 */
// deno-lint-ignore no-control-regex -- the control characters are what it finds
const XML_SPECIAL = /[<>&"'\x00-\x08\x0B-\x1F]|_(?=x[0-9A-Fa-f]{4}[_\x00-\x08\x0B\x0C\x0E-\x1F])/;
const XML_SPECIAL_ALL = new RegExp(XML_SPECIAL.source, "g");
const XML_ESCAPES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#13;",
  "_": "_x005F_",
};

/** A control character in OOXML's escape (ST_Xstring): `_x0001_`. */
function controlEscape(c: string): string {
  return `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
}

/**
 * Text as XLSX cell XML that reads back as the text: the five entities, CR as `&#13;`, the other
 * control characters XML 1.0 cannot hold in OOXML's `_xHHHH_`, a literal `_xHHHH_` as
 * `_x005F_xHHHH_` (putXmlText does the same on bytes).
 */
export function xmlText(text: string): string {
  return XML_SPECIAL.test(text)
    ? text.replace(XML_SPECIAL_ALL, (c) => XML_ESCAPES[c] ?? controlEscape(c))
    : text;
}

/**
 * Text cut to Excel's XLSX_CELL_CHARS (not between a surrogate pair's halves); `cut` counts it.
 */
export function cellText(text: string, cut: CutCells): string {
  if (text.length <= XLSX_CELL_CHARS) return text;
  cut.cells++;
  const code = text.charCodeAt(XLSX_CELL_CHARS - 1);
  return text.slice(0, code >= 0xd800 && code < 0xdc00 ? XLSX_CELL_CHARS - 1 : XLSX_CELL_CHARS);
}

/** What a workbook's writers did to its text cells. */
export interface CutCells {
  /** cells cut to XLSX_CELL_CHARS */
  cells: number;
}

/** What a workbook's writers did to text: cells cut, and whether ExcelJS wrote a CR. */
export interface WorkbookText extends CutCells {
  /** a text cell handed to ExcelJS holds a CR (see carriageReturnEdits) */
  carriageReturns: boolean;
}

/** What ExcelJS drops (control characters XML 1.0 cannot hold, DEL), and a `_` as in xmlText. */
const EXCELJS_DROPS =
  // deno-lint-ignore no-control-regex -- the control characters are what it finds
  /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]|_(?=x[0-9A-Fa-f]{4}[_\x00-\x08\x0B\x0C\x0E-\x1F\x7F])/;
const EXCELJS_DROPS_ALL = new RegExp(EXCELJS_DROPS.source, "g");

/**
 * Text of a cell ExcelJS writes (the extra sheets, and every sheet of writeXlsxExcelJs), cut to
 * the cell limit: ExcelJS escapes the five entities but drops the control characters XML 1.0
 * cannot hold, and DEL, so they are given in OOXML's escape (a literal `_xHHHH_` as
 * `_x005F_xHHHH_`). Its raw CRs are rewritten afterwards (carriageReturnEdits).
 */
export function excelJsText(text: string, written: WorkbookText): string {
  const cut = cellText(text, written);
  if (cut.includes("\r")) written.carriageReturns = true;
  return EXCELJS_DROPS.test(cut)
    ? cut.replace(EXCELJS_DROPS_ALL, (c) => c === "_" ? "_x005F_" : controlEscape(c))
    : cut;
}

/**
 * The worksheets of ExcelJS's archive holding a raw CR, and an edit writing each as `&#13;`:
 * XML parsers read a raw CR as LF. ExcelJS writes no CR of its own, so every one is cell text.
 */
export function carriageReturnEdits(
  archive: Uint8Array,
): { edited: string[]; edit: (name: string, text: string) => string } {
  const edited = readZipEntries(archive)
    .filter((e) => /^xl\/worksheets\/[^/]+\.xml$/.test(e.name) && entryBytes(e).includes(13))
    .map((e) => e.name);
  return { edited, edit: (_name, text) => text.replaceAll("\r", "&#13;") };
}
