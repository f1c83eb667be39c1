/**
 * The workbook's `dictionary` sheet (every export column's type, unit, source, formula and
 * description), and the layout helpers it shares with the other sheets' writers.
 */
import type ExcelJS from "exceljs";
import { workbookFont } from "./xlsx_fonts.ts";
import { COLUMN_NOTES, COLUMNS, unitInWords } from "../frame/columns.ts";
import { neutraliseText } from "./formula_guard.ts";
import { PRINT_HEADER_FOOTER, TABLE_MARGINS } from "./xlsx_print.ts";

/**
 * Boolean cells (t="b") show TRUE/FALSE in Excel whatever their format; LibreOffice imports them
 * as =TRUE()/=FALSE() formulas and, in a General cell, printed the cached 1/0 before it evaluated
 * them. This format shows 1/0 as TRUE/FALSE there too.
 */
export const BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"';

/** A default row's height, points (one line of 11-pt text). */
export const ROW_POINTS = 15;

/**
 * Lines a text needs wrapped in a cell `width` characters wide: a generous estimate (widths are
 * in digits of the default font; words do not fill a line to the last character).
 */
export function wrappedLines(text: string, width: number): number {
  return Math.max(1, Math.ceil(text.length / (width * 0.9)));
}

/** Whether a line starting with `word` would get the formula guard's `'` (as `-104.4 %`). */
const guardedStart = (word: string) => word === "" || neutraliseText(word) !== word;

/**
 * `text` in lines of at most `characters`, broken at single spaces (dropped: the lines joined by
 * spaces are the text) and at its own line breaks: a line a cell, on rows one under the other,
 * where a sheet would otherwise wrap text in merged cells. No line starts with a space or a word
 * the formula guard would mark (`-104.4 %` stays with the word before); a word longer than a
 * line is a line of its own, whole.
 */
export function textLines(text: string, characters: number): string[] {
  const most = Math.max(1, Math.floor(characters));
  return text.split("\n").flatMap((paragraph) => {
    const words = paragraph.split(" ");
    const lines: string[] = [];
    let line = words[0];
    for (const word of words.slice(1)) {
      if (line.length + 1 + word.length <= most || guardedStart(word)) {
        line += ` ${word}`;
      } else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
    return lines;
  });
}

/**
 * The `dictionary` sheet: every column of the column table described, then the workbook's other
 * sheets that say what they hold (`sheets`: a segment's rule and count), one row each.
 */
export function addDictionarySheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  sheets: readonly { name: string; about: string }[] = [],
) {
  const sheet = workbook.addWorksheet("dictionary", {
    views: [{ state: "frozen", ySplit: 1 }],
    // Landscape, one page wide, header on every page. fitToHeight is a bound, not a squeeze (0
    // is one page in LibreOffice): one page per column described is more than it needs.
    pageSetup: {
      orientation: "landscape",
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: COLUMNS.length,
      margins: TABLE_MARGINS,
      printTitlesRow: "1:1",
    },
    headerFooter: PRINT_HEADER_FOOTER,
  });
  sheet.columns = [
    { header: "column", key: "name", width: 24 },
    { header: "type", key: "type", width: 10 },
    { header: "unit", key: "unit", width: 16 },
    { header: "source", key: "source", width: 12 },
    { header: "formula", key: "formula", width: 60 },
    { header: "description", key: "description", width: 100 },
    { header: "in spec", key: "spec", width: 8 },
  ];
  sheet.getRow(1).font = workbookFont({ bold: true });
  sheet.getRow(1).commit();
  // Formula and description wrap within their columns, every cell of a row at its top. The row
  // is as tall as its longer wrapped text: LibreOffice does not fit rows to wrapped text on
  // opening a file (the lines overlapped the next row).
  const top = { alignment: { vertical: "top" } } as const;
  const wrapped = { alignment: { vertical: "top", wrapText: true } } as const;
  const spec = { ...top, numFmt: BOOLEAN_FORMAT }; // "in spec": TRUE/FALSE as pricing_data's
  for (const c of COLUMNS) {
    const unit = unitInWords(c.unit); // a percent's says 96.6 is 96.6 %: wrapped too
    const row = sheet.addRow([c.name, c.type, unit, c.source, c.formula, c.description, c.spec]);
    for (let i = 1; i <= 7; i++) {
      row.getCell(i).style = i === 3 || i === 5 || i === 6 ? wrapped : i === 7 ? spec : top;
    }
    row.height = ROW_POINTS * Math.max(
      wrappedLines(unit, 16),
      wrappedLines(c.formula, 60),
      wrappedLines(c.description, 100),
    );
    row.commit();
  }
  // under the columns, in the same two columns a column's name and description take: the notes
  // descriptions point to, then the other sheets
  const section = (
    [heading, about]: [string, string],
    rows: readonly { name: string; text: string }[],
  ) => {
    sheet.addRow([]).commit();
    const header = sheet.addRow([heading, null, null, null, null, about]);
    header.font = workbookFont({ bold: true });
    header.commit();
    for (const { name, text } of rows) {
      const row = sheet.addRow([name, null, null, null, null, text]);
      row.getCell(1).style = top;
      row.getCell(6).style = wrapped;
      row.height = ROW_POINTS * wrappedLines(text, 100);
      row.commit();
    }
  };
  section(["column note", "what it says"], COLUMN_NOTES);
  if (sheets.length > 0) {
    section(["sheet", "what it holds"], sheets.map(({ name, about }) => ({ name, text: about })));
  }
  sheet.commit();
}
