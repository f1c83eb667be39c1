/**
 * A chart's frame for a phone's screen (the admin page's narrow variants): the title (in lines
 * when wider than the chart), the legend on rows of its own under it and the plot, then the
 * caption in lines under the x axis, all inside one SVG `width` px wide. framed() (chart_frame.ts)
 * sets the caption beside a legend from the right edge, which at ~340 px leaves a few words a line.
 */
import type * as Plot from "@observablehq/plot";
import { DEMO_NOTE, escapeXml, fitWidth, FRAME_BOTTOM, render, textWidth } from "./chart_frame.ts";

/** A chart in its narrow frame. */
export interface NarrowFrame {
  /** the SVG's width in px */
  width: number;
  title: string;
  caption: string;
  legend: { label: string; color: string }[];
  demo?: boolean;
  /** the plot's options; its height is the plot's own (its frame and x axis), without the rest */
  plot: Plot.PlotOptions;
}

const SIDE = 12;
const LEGEND_ROW = 16;
const CAPTION_LINE = 14;
/** textWidth measures 12 px text; the caption is 11 px */
const CAPTION_SCALE = 11 / 12;
const TITLE_LINE = 21;
/** the title is 17 px bold: DejaVu Sans Bold runs up to ~15 % wider than its regular */
const TITLE_SCALE = 17 / 12 * 1.15;

/** The title, legend and caption around a narrow plot, the caption below the x axis. */
export function framedNarrow(frame: NarrowFrame): string {
  const { width, demo = false } = frame;
  // a title wider than the chart wraps (cut at the SVG's edge, it said "per 1,000 reque")
  const titleLines = wrapWords(frame.title, { width: (width - 2 * SIDE) / TITLE_SCALE });
  const titleExtra = (titleLines.length - 1) * TITLE_LINE;
  const legendRows = narrowLegendRows(frame.legend, width - 2 * SIDE);
  const top = titleExtra + 34 + legendRows.length * LEGEND_ROW + 8;
  const lead = demo ? DEMO_NOTE : "";
  // the lead is drawn bold, about a tenth wider than textWidth's regular text
  const lines = wrapWords(lead ? `${lead} ${frame.caption}` : frame.caption, {
    width: (width - 2 * SIDE) / CAPTION_SCALE - textWidth(lead) * 0.15,
  });
  const plotHeight = frame.plot.height ?? 0;
  const under = lines.length * CAPTION_LINE + 8;
  const svg = render({
    ...frame.plot,
    width,
    height: top + plotHeight + FRAME_BOTTOM + under,
    marginTop: top,
    marginBottom: FRAME_BOTTOM + under,
    x: { labelOffset: 36, ...frame.plot.x },
  });
  const captionTop = top + plotHeight + FRAME_BOTTOM + 12;
  const text = (x: number, y: number, attributes: string, content: string) =>
    `<text x="${x}" y="${y}" text-anchor="start" ${attributes} font-family="DejaVu Sans, sans-serif">${content}</text>`;
  const title = titleLines.map((line, i) =>
    text(SIDE, 22 + i * TITLE_LINE, 'font-size="17" font-weight="bold"', escapeXml(line))
  ).join("");
  const legend = legendRows.map((row, i) =>
    row.map(({ label, color, x }) =>
      `<rect x="${x}" y="${
        titleExtra + 34 + i * LEGEND_ROW
      }" width="12" height="12" rx="2" fill="${color}"/>` +
      text(x + 16, titleExtra + 44 + i * LEGEND_ROW, 'font-size="12"', escapeXml(label))
    ).join("")
  ).join("");
  const caption = lines.map((line, i) =>
    text(
      SIDE,
      captionTop + CAPTION_LINE * i,
      'font-size="11" fill="#555"',
      i === 0 && lead
        ? `<tspan font-weight="bold" fill="#92400e">${escapeXml(lead)}</tspan>${
          escapeXml(line.slice(lead.length))
        }`
        : escapeXml(line),
    )
  ).join("");
  // a function, not a replacement string: a `$1` in a label would be read as a pattern
  return svg.replace(/<svg[^>]*>/, (open) => `${open}${title}${legend}${caption}`);
}

/** The legend's entries from the left, on as many rows as they need, each label cut to the row. */
function narrowLegendRows(
  entries: { label: string; color: string }[],
  room: number,
): { label: string; color: string; x: number }[][] {
  const rows: { label: string; color: string; x: number }[][] = [];
  let x = room; // past the end: the first entry opens a row
  for (const entry of entries) {
    const label = fitWidth(entry.label, room - 16);
    const wide = 16 + textWidth(label) + 12;
    if (x + wide > room + SIDE || rows.length === 0) {
      rows.push([]);
      x = SIDE;
    }
    rows[rows.length - 1].push({ ...entry, label, x });
    x += wide;
  }
  return rows;
}

/**
 * `text` in lines of whole words at most `width` px wide at 12 px (textWidth); a word wider than
 * a line is cut to it.
 */
export function wrapWords(text: string, { width }: { width: number }): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next) > width) {
      lines.push(line);
      line = fitWidth(word, width);
    } else line = textWidth(next) > width ? fitWidth(next, width) : next;
  }
  return [...lines, line];
}
