/**
 * The workbook's fonts: every font a sheet sets names its face, the workbook's own (Calibri 11,
 * the theme's minor font). ExcelJS writes a cell's font as given, and `{ bold: true }` alone is a
 * <font> with no <name>: LibreOffice drew those cells in its default serif (DejaVu Serif on
 * Debian: the summary's title, warnings and table headers and every sheet's header row in a serif
 * beside sans-serif cells), and what another reader draws for a nameless font is its own guess.
 */
import type ExcelJS from "exceljs";

/** The workbook's default font, as ExcelJS writes it for cells with no font of their own. */
export const BODY_FONT: Partial<ExcelJS.Font> = {
  name: "Calibri",
  family: 2,
  scheme: "minor",
  size: 11,
};

/** BODY_FONT with `style` (bold, size, colour) over it. */
export function workbookFont(style: Partial<ExcelJS.Font>): Partial<ExcelJS.Font> {
  return { ...BODY_FONT, ...style };
}
