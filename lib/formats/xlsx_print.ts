/**
 * What every sheet of the workbook prints around its cells: a header naming the sheet and the page,
 * a footer naming the file (its name holds the as-of date and `_demo`), and the table sheets'
 * margins. Fields (&A, &F, &P, &N), not text: the spreadsheet fills them in when printing, so the
 * bytes stay the same for the same data and no data text (a segment's name) goes in unescaped.
 */

/**
 * Header: the sheet's name at the left, "Page 9 of 100" at the right (LibreOffice counts the
 * whole printout); footer: the file's name at the left (a printed page of a shared
 * workbook says which export and which day it is from).
 */
export const PRINT_HEADER_FOOTER = {
  oddHeader: "&L&A&RPage &P of &N",
  oddFooter: "&L&F",
};

/**
 * The table sheets' margins, inches: narrow at the sides (more columns a page), room above and
 * below for the header and footer, which print 0.3 in from the edge.
 */
export const TABLE_MARGINS = {
  left: 0.4,
  right: 0.4,
  top: 0.6,
  bottom: 0.6,
  header: 0.3,
  footer: 0.3,
};

/** ExcelJS's streaming sheet writer, as far as its printOptions need (exceljs 4.4.0, private). */
interface SheetWriterInternals {
  pageSetup: { showGridLines?: boolean };
  stream: { write(text: string): void };
  _writePageMargins(): void;
}

/**
 * Prints the sheet's grid lines (`pageSetup.showGridLines`): a row of small figures read across a
 * page needs them. ExcelJS's in-memory writer writes that setting as `<printOptions>`; its
 * streaming writer drops it, so this writes the element where ECMA-376 puts it, just before
 * `<pageMargins>` (a change of ExcelJS's internals fails tests/xlsx_print_test.ts).
 */
export function printGridLines(sheet: object): void {
  const writer = sheet as SheetWriterInternals;
  writer.pageSetup.showGridLines = true;
  const writeMargins = writer._writePageMargins.bind(writer);
  writer._writePageMargins = () => {
    writer.stream.write('<printOptions gridLines="1"/>');
    writeMargins();
  };
}
