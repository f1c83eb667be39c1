/**
 * Text in XLSX cells as entered (as the CSV holds it), the same text from both writers: what XML
 * can hold escaped so XML parsers give it back (a CR too); in Office Open XML's `_xHHHH_` escape
 * what it cannot hold and what ExcelJS drops; cut to Excel's cell limit. xmlText and excelJsText
 * work on strings (ExcelJS's sheets, and the streamed data sheet's rare string cells), putXmlText
 * on the streamed data sheet's UTF-8 bytes.
 */
import {
  type ByteWriter,
  putBytes,
  QUOTED,
  type TextBytes,
  utf8,
  XLSX_CELL_CHARS,
} from "./cell_text.ts";
import { needsFormulaGuard } from "./formula_guard.ts";
import { entryBytes, readZipEntries } from "./zip.ts";

/**
 * What the writers give in OOXML's escape (ECMA-376 ST_Xstring, `_x0001_`): what XML 1.0 cannot
 * hold (the control characters but tab, LF and CR; U+FFFE and U+FFFF; a surrogate without its
 * pair), and DEL, which ExcelJS drops.
 */
const OOXML_ESCAPED = String.raw`[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]` +
  String.raw`|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]`;
/**
 * A `_` that starts what readers decode as the escape (`_xHHHH`, hex of any case, then `_` or a
 * character written in the escape): itself written `_x005F_`.
 */
const ESCAPE_START = String.raw`_(?=x[0-9A-Fa-f]{4}(?:_|${OOXML_ESCAPED}))`;

/** What xmlText rewrites: the five entities, CR (XML parsers read a raw CR as LF, `&#13;` as CR). */
const XML_SPECIAL = new RegExp(String.raw`[<>&"'\r]|${OOXML_ESCAPED}|${ESCAPE_START}`);
const XML_SPECIAL_ALL = new RegExp(XML_SPECIAL.source, "g");
/** What excelJsText rewrites (ExcelJS escapes the entities itself; a CR is edited afterwards). */
const EXCELJS_SPECIAL = new RegExp(`${OOXML_ESCAPED}|${ESCAPE_START}`);
const EXCELJS_SPECIAL_ALL = new RegExp(EXCELJS_SPECIAL.source, "g");
const XML_ESCAPES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#13;",
  "_": "_x005F_",
};

/** A character (or lone surrogate) as XML_ESCAPES has it, else in OOXML's escape: `_x0001_`. */
function escaped(c: string): string {
  return XML_ESCAPES[c] ??
    `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
}

/**
 * Text as XLSX cell XML that reads back as the text: the five entities, CR as `&#13;`, in OOXML's
 * `_xHHHH_` what OOXML_ESCAPED lists, a literal `_xHHHH_` as `_x005F_xHHHH_` (putXmlText does the
 * same on bytes).
 */
export function xmlText(text: string): string {
  return XML_SPECIAL.test(text) ? text.replace(XML_SPECIAL_ALL, escaped) : text;
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

/** The export's warning for an XLSX whose text cells were cut to Excel's limit. */
export function xlsxCutWarning(cells: number): string {
  return `${cells} ${cells === 1 ? "cell" : "cells"} of the XLSX held text longer than ` +
    `Excel's ${XLSX_CELL_CHARS.toLocaleString("en-US")} characters a cell and ` +
    `${cells === 1 ? "was" : "were"} cut to that; the CSV has the full text`;
}

/** What a workbook's writers did to its text cells. */
export interface CutCells {
  /** cells cut to XLSX_CELL_CHARS */
  cells: number;
}

/** What the XLSX writer's lead sheets (the summary) get besides the workbook. */
export interface LeadSheetContext {
  /** for excelJsText: their text is the kit's, not the CSV's, so their cuts are not counted */
  written: WorkbookText;
  /** the cells the data and extra sheets cut to Excel's limit (xlsxCutCells) */
  cutCells: number;
}

/** What a workbook's writers did to text: cells cut, and whether ExcelJS wrote a CR. */
export interface WorkbookText extends CutCells {
  /** a text cell handed to ExcelJS holds a CR (see carriageReturnEdits) */
  carriageReturns: boolean;
}

/**
 * Text of a cell ExcelJS writes (the summary and extra sheets, and every sheet of
 * writeXlsxExcelJs), cut to the cell limit: ExcelJS escapes the five entities but drops the
 * control characters XML 1.0 cannot hold, and DEL, and writes U+FFFE and U+FFFF as they are, so
 * what OOXML_ESCAPED lists is given in OOXML's escape as xmlText gives it. Its raw CRs are
 * rewritten afterwards (carriageReturnEdits).
 */
export function excelJsText(text: string, written: WorkbookText): string {
  const cut = cellText(text, written);
  if (cut.includes("\r")) written.carriageReturns = true;
  return EXCELJS_SPECIAL.test(cut) ? cut.replace(EXCELJS_SPECIAL_ALL, escaped) : cut;
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

/**
 * Bytes putXmlText copies as they are: all but the five entities' characters, `_`, the control
 * characters (tab and LF aside), DEL, and 0xEF, the first byte of U+FFFE and U+FFFF.
 */
const COPIED = new Uint8Array(256).map((_, b) =>
  b === 0x09 || b === 0x0a ||
    (b >= 0x20 && b !== 0x22 && b !== 0x26 && b !== 0x27 && b !== 0x3c && b !== 0x3e &&
      b !== 0x5f && b !== 0x7f && b !== 0xef)
    ? 1
    : 0
);

/** Whether bytes[i…] is U+FFFE or U+FFFF (EF BF BE, EF BF BF) within `end`. */
function isNonCharacter(bytes: Uint8Array, i: number, end: number): boolean {
  return i + 2 < end && bytes[i] === 0xef && bytes[i + 1] === 0xbf &&
    (bytes[i + 2] & 0xfe) === 0xbe;
}

/**
 * Whether the `_` at `i` starts what a reader would decode as OOXML's escape (ESCAPE_START on
 * UTF-8; Polars' text holds no surrogate). Such a `_` is written `_x005F_`.
 */
function startsEscape(bytes: Uint8Array, i: number, end: number): boolean {
  if (i + 6 >= end || bytes[i + 1] !== 0x78) return false;
  const after = bytes[i + 6];
  if (
    after !== 0x5f && after !== 0x7f &&
    !(after < 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) &&
    !isNonCharacter(bytes, i + 6, end)
  ) return false;
  for (let k = i + 2; k < i + 6; k++) {
    const b = bytes[k] | 0x20; // a letter's lower case
    if (!((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return false;
  }
  return true;
}

const HEX = utf8("0123456789ABCDEF");

// putXmlText takes (out, at, text, row) positionally: it runs per cell (no object per call).
/**
 * Row `row` of `text` (not null) as XML cell text, byte for byte what xmlText writes of it:
 * neutralised with `'`, the five entities escaped, CR as `&#13;`, what OOXML_ESCAPED lists in
 * `_xHHHH_`, and a literal `_xHHHH_` as `_x005F_xHHHH_`. Returns the position after it. The
 * caller cuts text that mayExceedCell itself (textAt, then xmlText).
 */
export function putXmlText(out: ByteWriter, at: number, text: TextBytes, row: number): number {
  const start = text.start[row];
  const end = text.end[row];
  out.length = at;
  out.reserve(7 * (end - start + 1)); // _x0001_ is 7 bytes for 1
  const buffer = out.buffer;
  const bytes = text.bytes;
  const doubled = (text.flags[row] & QUOTED) !== 0;
  if (needsFormulaGuard(bytes, start, end)) at = putBytes(buffer, at, APOS);
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (COPIED[b] === 1) {
      buffer[at++] = b;
      continue;
    }
    switch (b) {
      case 0x22: // "
        at = putBytes(buffer, at, QUOT);
        if (doubled) i++; // its double
        break;
      case 0x26:
        at = putBytes(buffer, at, AMP);
        break;
      case 0x27:
        at = putBytes(buffer, at, APOS);
        break;
      case 0x3c:
        at = putBytes(buffer, at, LT);
        break;
      case 0x3e:
        at = putBytes(buffer, at, GT);
        break;
      case 0x5f: // _
        if (startsEscape(bytes, i, end)) at = putBytes(buffer, at, ESCAPED_UNDERSCORE);
        else buffer[at++] = b;
        break;
      case 0x0d:
        at = putBytes(buffer, at, CR);
        break;
      case 0xef:
        if (isNonCharacter(bytes, i, end)) {
          at = putBytes(buffer, at, bytes[i + 2] === 0xbe ? FFFE : FFFF);
          i += 2;
        } else buffer[at++] = b;
        break;
      default: // a control character or DEL: _x00HH_
        at = putBytes(buffer, at, CONTROL_OPEN);
        buffer[at++] = HEX[b >> 4];
        buffer[at++] = HEX[b & 15];
        buffer[at++] = 0x5f;
    }
  }
  return at;
}

const QUOT = utf8("&quot;");
const AMP = utf8("&amp;");
const APOS = utf8("&apos;");
const LT = utf8("&lt;");
const GT = utf8("&gt;");
const CR = utf8("&#13;");
const CONTROL_OPEN = utf8("_x00");
const ESCAPED_UNDERSCORE = utf8("_x005F_");
const FFFE = utf8("_xFFFE_");
const FFFF = utf8("_xFFFF_");
