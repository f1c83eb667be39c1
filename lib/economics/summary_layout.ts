/**
 * The summary sheet's printed layout: its column widths (the per-plan table in two blocks), one
 * page wide with narrow margins, and the chart images one a page, in bands of rows fixed before
 * their PNGs are drawn, so the page breaks between them are known when the sheet is written.
 */
import { PER_PLAN_DISPLAY } from "./report.ts";
import { type Kpi } from "./headline_margins.ts";

/**
 * Column widths (characters) of the per-plan table's columns by how they are printed: wide enough
 * for the values and for every word of the headers ("organizations"), so none is cut mid-word.
 */
const PLAN_COLUMN_WIDTH: Record<Kpi["unit"] | "USD4", number> = {
  count: 13,
  percent: 10,
  USD: 14,
  USD4: 12,
};
type PlanColumn = keyof typeof PER_PLAN_DISPLAY;
const PLAN_COLUMNS = Object.keys(PER_PLAN_DISPLAY) as PlanColumn[];
/**
 * The per-plan table's 17 columns in two blocks, of nine and eight, printed one under the other
 * (each with its header row and the `all` row): 18 columns side by side (~1,800 px) printed one
 * page wide at ~6 pt, the ten columns of two blocks (1,121 px) at ~9 pt.
 */
const FIRST_BLOCK = Math.ceil(PLAN_COLUMNS.length / 2);
export const PLAN_TABLE_BLOCKS: PlanColumn[][] = [
  PLAN_COLUMNS.slice(0, FIRST_BLOCK),
  PLAN_COLUMNS.slice(FIRST_BLOCK),
];
/**
 * Column widths (characters): plan names, then the per-plan table's columns, each the wider of
 * what its blocks' columns need (the second block is a column shorter).
 */
export const SUMMARY_COLUMN_WIDTHS = [
  34,
  ...PLAN_TABLE_BLOCKS[0].map((_, i) =>
    Math.max(
      ...PLAN_TABLE_BLOCKS.filter((block) => i < block.length)
        .map((block) => PLAN_COLUMN_WIDTH[PER_PLAN_DISPLAY[block[i]]]),
    )
  ),
];
/** A column's width in pixels (Excel's rule for the default font: 7 px a character + 5). */
export const columnPx = (width: number): number => Math.trunc(width * 7 + 5);
/** The summary sheet's width in pixels: what prints one page wide. */
export const SUMMARY_WIDTH_PX = SUMMARY_COLUMN_WIDTHS.map(columnPx).reduce((a, b) => a + b, 0);

/**
 * The summary sheet's page margins (inches): narrower than Excel's default 0.7 / 0.75, so the
 * sheet prints larger one page wide.
 */
export const SUMMARY_MARGINS = {
  left: 0.4,
  right: 0.4,
  top: 0.5,
  bottom: 0.5,
  header: 0.3,
  footer: 0.3,
};

/**
 * Sheet pixels a printed page holds from top to bottom: the sheet prints one page wide, so a page
 * is as tall as its printable height over its printable width times the sheet's width. The
 * smaller of A4 and Letter landscape with SUMMARY_MARGINS (A4: 7.27 in over 10.89 in), less a
 * tenth for fonts wider or narrower than Calibri's metrics.
 */
export function printedPageHeightPx(sheetWidthPx: number): number {
  const { left, right, top, bottom } = SUMMARY_MARGINS;
  return Math.floor(sheetWidthPx * ((8.27 - top - bottom) / (11.69 - left - right)) * 0.9);
}

/** The sheet's default row height, 15 pt, in pixels: the rows around the charts are empty ones. */
export const DEFAULT_ROW_PX = 20;
/**
 * Rows of a band of chart images: one image a band, and a printed page holds the "Charts"
 * heading and one band. Fixed, so the page breaks between bands are known when the sheet is
 * written, before the PNGs are.
 */
export const CHART_BAND_ROWS = Math.floor(
  (printedPageHeightPx(SUMMARY_WIDTH_PX) - DEFAULT_ROW_PX) / DEFAULT_ROW_PX,
);
/**
 * Chart images: one per band of rows, in column A below the band's first row, as wide as the
 * sheet (so a chart's text prints about as large as the cells') and as tall as its PNG's aspect
 * ratio makes it, at most `maxHeightPx`: the band less its first and last rows, empty, so no
 * image touches a page break (LibreOffice draws an image that touches a page's edge on both
 * pages). A taller one is scaled down to it, narrower.
 */
export const CHART_IMAGE = {
  widthPx: SUMMARY_WIDTH_PX,
  maxHeightPx: (CHART_BAND_ROWS - 2) * DEFAULT_ROW_PX,
};

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || signature.some((b, i) => png[i] !== b)) {
    throw new Error("summary chart image is not a PNG: re-render the charts (svgToPng)");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Where each chart image goes and how big it is: `firstRow` (0-based) is the row after the
 * "Charts" heading; a band of one image is CHART_BAND_ROWS default rows tall, the image in all but
 * its first and last rows, so no image overlaps the next band.
 */
export function chartPlacements(
  firstRow: number,
  sizes: { width: number; height: number }[],
): { row: number; col: number; widthPx: number; heightPx: number }[] {
  return sizes.map((s, i) => {
    const heightPx = Math.round(CHART_IMAGE.widthPx * s.height / s.width);
    const size = heightPx <= CHART_IMAGE.maxHeightPx
      ? { widthPx: CHART_IMAGE.widthPx, heightPx }
      : {
        widthPx: Math.round(CHART_IMAGE.maxHeightPx * s.width / s.height),
        heightPx: CHART_IMAGE.maxHeightPx,
      };
    return { row: firstRow + i * CHART_BAND_ROWS + 1, col: 0, ...size };
  });
}

/**
 * The 1-based rows the chart pages end at (manual page breaks): one before the "Charts" heading,
 * at `headingRow` (1-based), so the charts start a page, then after as many bands as a page holds
 * (one), so no printed page cuts an image. `charts` is their number.
 */
export function chartPageBreaks(headingRow: number, charts: number): number[] {
  if (charts === 0) return [];
  const bandPx = CHART_BAND_ROWS * DEFAULT_ROW_PX;
  const perPage = Math.max(
    1,
    Math.floor((printedPageHeightPx(SUMMARY_WIDTH_PX) - DEFAULT_ROW_PX) / bandPx),
  );
  const breaks = [headingRow - 1];
  for (let band = perPage; band < charts; band += perPage) {
    breaks.push(headingRow + band * CHART_BAND_ROWS);
  }
  return breaks;
}
