/**
 * The frame every chart is drawn in: Plot rendered server-side (linkedom) at one size, with the
 * title, caption and legend inside the SVG (a PNG keeps only what is inside it), the tier legend
 * and tick formats shared by all charts (what each colour means: lib/report/chart_colors.ts).
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type pl from "nodejs-polars";
import { plainText } from "../formats/markdown.ts";
import type { Row } from "./chart_data.ts";
import { TIER_DOMAIN, TIER_RANGE } from "./chart_colors.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import {
  isUnknownNumber,
  PICTURE_MINUS,
  pictureMinus,
  UNKNOWN_MARK,
  withSign,
} from "../core/signs.ts";
import { formatPct } from "./numbers.ts";

export interface Chart {
  /** file-safe name, e.g. margin_vs_mrr */
  name: string;
  title: string;
  svg: string;
}

export const WIDTH = 880;

/**
 * Hexagons' colour: organizations per hexagon on a log scale over the darker 70 % of Blues, so a
 * hexagon of one organization still shows beside one of thousands (a linear scale from white left
 * most hexagons of a million organizations near-invisible).
 */
export const DENSITY_COLOR = {
  type: "log",
  scheme: "blues",
  range: [0.3, 1],
  label: "organizations",
} as const;
/** The swatch and words that say what the hexagons' colour means. */
export const DENSITY_LEGEND = {
  label: "hexagons: darker = more organizations (log scale)",
  color: "#2563eb",
};

export const HEIGHT = 480;

/** Characters of a name a hover title shows. */
const TITLE_TEXT_CHARS = 200;

/**
 * Text from the data (an organization's or a plan's name) as a chart shows it: one line, no
 * bidirectional override or invisible character, cut to `maxLength` whole characters, as
 * escapeMarkdown reads it (plainText). A newline in a tick label drew two lines over the next
 * label, U+202E drew the name reversed, and cutting UTF-16 units left half an emoji in the SVG.
 */
export function chartLabel(value: unknown, maxLength = TITLE_TEXT_CHARS): string {
  return value === null || value === undefined ? "" : plainText(String(value), { maxLength });
}

// deno-lint-ignore no-explicit-any
type Dom = any;

export function render(options: Plot.PlotOptions): string {
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as Dom;
  const svg = Plot.plot({
    document,
    width: WIDTH,
    height: HEIGHT,
    style: { fontFamily: "DejaVu Sans, sans-serif", fontSize: "12px", background: "white" },
    ...options,
    // Plot's legends are HTML beside the SVG; legend() draws ours inside it.
    color: { ...options.color, legend: false },
  } as Plot.PlotOptions) as Dom;
  svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return svg.outerHTML;
}

/**
 * Swatches drawn inside the SVG: Plot's own legends are HTML, which a PNG would lose. One row, from
 * the right edge; entries wider than the chart together go on two rows (the second at y 70, above
 * the plot's frame), and only when two rows are not enough are the longest cut with "…" to an
 * equal share, so none runs off the left edge without its swatch. Cut on one row, eight plans'
 * names kept ~13 characters: "team 2025-…" twice, which told the two team plans' colours apart
 * by nothing.
 */
export function legend(entries: { label: string; color: string }[]): string {
  return legendRows(entries).map((row, i) => legendRow(row, LEGEND_TOP + i * LEGEND_ROW_STEP))
    .join("");
}

/** The legend's first row's swatches' top, and the step to its second row. */
const LEGEND_TOP = 54;
const LEGEND_ROW_STEP = 16;
/** The width a legend row may take: the chart's less its side margins. */
const LEGEND_ROOM = WIDTH - 24;

/** Each entry's width on a legend row: its swatch (12), gaps (16) and label. */
const entryWidth = (label: string) => 28 + textWidth(label);

/**
 * The entries in rows: one when they fit, else two split where the wider row is narrowest (in
 * order, the first row holding at least as many).
 */
function legendRows<T extends { label: string }>(entries: T[]): T[][] {
  const widths = entries.map((entry) => entryWidth(entry.label));
  const sum = (from: number, to: number) => widths.slice(from, to).reduce((a, b) => a + b, 0);
  if (entries.length < 2 || sum(0, entries.length) <= LEGEND_ROOM) return [entries];
  let split = Math.ceil(entries.length / 2);
  for (let k = Math.ceil(entries.length / 2); k < entries.length; k++) {
    const wider = (at: number) => Math.max(sum(0, at), sum(at, entries.length));
    if (wider(k) < wider(split)) split = k;
  }
  return [entries.slice(0, split), entries.slice(split)];
}

/** One row of swatches from the right edge, the longest labels cut to fit the chart's width. */
function legendRow(entries: { label: string; color: string }[], top: number): string {
  const cap = legendCap(entries.map((entry) => entryWidth(entry.label)), LEGEND_ROOM);
  let x = WIDTH - 12;
  const items: string[] = [];
  for (const entry of [...entries].reverse()) {
    const label = entryWidth(entry.label) > cap ? fitWidth(entry.label, cap - 28) : entry.label;
    x -= entryWidth(label);
    items.push(
      `<rect x="${x}" y="${top}" width="12" height="12" rx="2" fill="${entry.color}"/>` +
        `<text x="${x + 16}" y="${
          top + 10
        }" text-anchor="start" font-size="12" font-family="DejaVu Sans, sans-serif">${
          escapeXml(label)
        }</text>`,
    );
  }
  return items.join("");
}

/** The widest an entry may be so that all fit in `room`: the narrow ones whole, the rest shared. */
function legendCap(widths: number[], room: number): number {
  let left = room;
  const sorted = [...widths].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const share = left / (sorted.length - i);
    if (sorted[i] > share) return Math.floor(share);
    left -= sorted[i];
  }
  return Infinity;
}

/**
 * Width in px of 12 px DejaVu Sans text, at or a little above what resvg draws (there is no
 * layout engine server-side): each character at the widest of its class, measured. It counted
 * 7 px for a lowercase letter or digit (7.6 drawn) and for + − = (10.1), so a caption it said
 * fitted ran past the chart's edge.
 */
export function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += charWidth(c);
  return width;
}

/**
 * `text` cut to whole characters so that it is at most `maxWidth` px wide (textWidth), ending in
 * "…" when cut: a label of wide characters (emoji, 12.4 px each) fits the space left for labels.
 */
export function fitWidth(text: string, maxWidth: number): string {
  if (textWidth(text) <= maxWidth) return text;
  const room = maxWidth - textWidth("…");
  let kept = "";
  for (const { segment } of GRAPHEMES.segment(text)) {
    if (textWidth(kept + segment) > room) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

/** East Asian wide characters: Han, kana, Hangul, CJK punctuation, full-width forms. */
const WIDE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60\uffe0-\uffe6]/u;

function charWidth(c: string): number {
  if (c === " ") return 3.8;
  if (/\p{Extended_Pictographic}/u.test(c)) return 12.5; // an emoji: 12.4 px drawn
  // Chinese, Japanese, Korean and full-width forms: a square em, 11.9 px drawn in Droid Sans
  // Fallback (counted 7.6, a plan "growth 成長プラン" ran over the next legend swatch)
  if (WIDE.test(c)) return 12;
  if (/[ijlIJ.,:;'|!·/]/.test(c)) return 4;
  if (/[frt()[\]-]/.test(c)) return 4.7;
  if (/[mwMW%@+−=<>×÷±]/.test(c)) return 12;
  if (/[A-Z&]/.test(c)) return 9.4;
  return 7.6;
}

export function tierLegend(tiers: unknown[]): string {
  return legend(
    TIER_DOMAIN.filter((t) => tiers.includes(t)).map((t) => ({
      label: t,
      color: TIER_RANGE[TIER_DOMAIN.indexOf(t)],
    })),
  );
}

/** The plot frame's top and bottom margins (title, caption and legend above; x axis below). */
export const FRAME_TOP = 84;
/** Caption lines FRAME_TOP has room for (at y 42, 56 and 70). */
const CAPTION_LINES_ABOVE_FRAME = 3;
export const FRAME_BOTTOM = 48;
/** The plot frame's left margin (the y axis' ticks and label), unless a chart sets its own. */
export const FRAME_LEFT = 84;
/** Plot's own right margin, which framed keeps. */
export const FRAME_RIGHT = 20;

/**
 * A demo chart's caption opens with this, in bold: a PNG pasted into a deck keeps no file name
 * that says `_demo`. Two words, so a caption that fitted one line mostly still does (lines after
 * the first sit beside the legend, in little room).
 */
export const DEMO_NOTE = "Demo data.";

/**
 * "7-day costs × 30/7, beside monthly MRR. ": how a chart setting the window's `figures` against
 * monthly MRR put another window's on a 30-day basis (lib/frame/monthly.ts), said first in its
 * caption; "" for a 30-day window, whose figures are used as they are.
 */
export function monthlyBasisNote(windowDays: number | undefined, figures: string): string {
  const days = windowDays ?? MONTH_DAYS;
  return days === MONTH_DAYS
    ? ""
    : `${days}-day ${figures} × ${MONTH_DAYS}/${days}, beside monthly MRR. `;
}

/** What a chart's frame says besides its title and caption. */
export interface FrameNote {
  /** the chart is of demo data: DEMO_NOTE opens the caption */
  demo?: boolean;
}

/** A chart in its frame: the title, caption and legend around the plot. */
export interface FramedChart extends FrameNote {
  title: string;
  caption: string;
  /** the legend's SVG, set beside the caption ("" for none) */
  legendSvg: string;
  plot: Plot.PlotOptions;
}

/** Title, caption and legend drawn inside the SVG (a <figure> would not survive rasterizing). */
export function framed(
  { title, caption, legendSvg, plot: options, demo = false }: FramedChart,
): string {
  const lead = demo ? DEMO_NOTE : "";
  const lines = captionLines(lead ? `${lead} ${caption}` : caption, legendSvg, { lead });
  // A caption's 4th line and later would sit on the plot's top edge: the plot moves down by them
  // and the chart grows by as much. Not a chart whose y range is set in pixels (a dense margin
  // chart's, on rows of hexagons: charts_margin.ts), which keeps its frame.
  const pinned = (options.y as { range?: unknown } | undefined)?.range !== undefined;
  const below = pinned ? 0 : Math.max(0, lines.length - CAPTION_LINES_ABOVE_FRAME) * 14;
  const svg = render({
    ...options,
    height: (options.height ?? HEIGHT) + below,
    marginTop: FRAME_TOP + below,
    marginBottom: FRAME_BOTTOM,
    marginLeft: options.marginLeft ?? FRAME_LEFT,
    y: { labelAnchor: "center", ...options.y },
  });
  const titleText =
    `<text x="12" y="22" text-anchor="start" font-size="17" font-weight="bold" font-family="DejaVu Sans, sans-serif">${
      escapeXml(title)
    }</text>`;
  const captionText = lines.map((line, i) =>
    `<text x="12" y="${
      42 + 14 * i
    }" text-anchor="start" font-size="11" fill="#555" font-family="DejaVu Sans, sans-serif">${
      i === 0 && lead
        ? `<tspan font-weight="bold" fill="${DEMO_COLOR}">${escapeXml(lead)}</tspan>${
          escapeXml(line.slice(lead.length))
        }`
        : escapeXml(line)
    }</text>`
  ).join("");
  // a function, not a replacement string: a `$1` or `$&` in a label (a plan "pro $19/seat", a
  // caption's "$1.00 per 1,000 requests") would be read as a pattern and break the SVG
  return svg.replace(/<svg[^>]*>/, (open) => `${open}${titleText}${legendSvg}${captionText}`);
}

/** DEMO_NOTE's colour: dark amber, apart from the grey caption and from every chart colour. */
const DEMO_COLOR = "#92400e";

/**
 * The caption in lines that fit the chart's width (one line when it fits, as it always did): the
 * lines after the first sit beside the legend, so they stop short of it. Counts at a million
 * organizations made one line run past the edge. `lead`, the caption's first words, is drawn
 * bold (about a tenth wider than textWidth's regular text) and stays on the first line.
 */
function captionLines(
  caption: string,
  legendSvg: string,
  { lead = "" }: { lead?: string } = {},
): string[] {
  // textWidth measures 12 px text (erring wide); the caption is 11 px
  const scale = 11 / 12;
  const bold = textWidth(lead) * 0.15;
  const fits = (text: string, width: number, { first = true } = {}) =>
    (textWidth(text) + (first ? bold : 0)) * scale <= width;
  const full = WIDTH - 12 - 4;
  if (fits(caption, full)) return [caption];
  const legendLeft = Math.min(
    WIDTH,
    ...[...legendSvg.matchAll(/<rect x="([\d.]+)"/g)].map((m) => Number(m[1])),
  );
  const besideLegend = legendLeft - 12 - 24;
  const lines: string[] = [];
  let line = "";
  for (const word of caption.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    const first = lines.length === 0;
    const inLead = first && line.length < lead.length; // the lead is never broken
    if (line && !inLead && !fits(next, first ? full : besideLegend, { first })) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  return [...lines, line];
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" }[c]!),
  );
}

export const tierColor = {
  domain: TIER_DOMAIN,
  range: TIER_RANGE,
  label: "tier",
} as const;

/**
 * Steps of a compact number, largest first: B and T too, so a billion requests reads 1B, not
 * "1000M" (nor 999,999 "1000k": the step is chosen after rounding to 3 digits).
 */
const COMPACT_STEPS = [
  { size: 1e12, suffix: "T" },
  { size: 1e9, suffix: "B" },
  { size: 1e6, suffix: "M" },
  { size: 1e3, suffix: "k" },
] as const;

/**
 * `value` in 3 significant digits with a k / M / B / T suffix: 950, 1.5k, 1M, 2.5B; with
 * `zeros`, a suffixed number keeps its trailing zeros (1.00M, 10.0k: three digits said).
 */
function compactNumber(value: number, { zeros = false } = {}): string {
  const rounded = +value.toPrecision(3);
  const step = COMPACT_STEPS.find(({ size }) => Math.abs(rounded) >= size);
  if (!step) return `${rounded}`;
  const digits = (rounded / step.size).toPrecision(3);
  return `${zeros ? digits : +digits}${step.suffix}`;
}

/**
 * $0.01, $1, $100, $10k, $1.5M, $2B: money ticks that read on a log axis (not "100m"); a loss
 * −$1.5k, the picture's minus sign (U+2212, lib/core/signs.ts) before the "$", as Plot's own ticks
 * draw a negative; "–" when not known.
 */
export function usdTick(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return withSign(value, `$${compactNumber(Math.abs(value))}`, { minus: PICTURE_MINUS });
}

/**
 * An amount a chart states (a bar's label, a hover title), not a tick: usdTick's form with three
 * digits kept, $1.00M for 1,004,640 and $10.0M beside $2.87M ("$1M" and "$10M" read as round
 * sums); $461 and $0 as usdTick says them.
 */
export function usdLabel(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return withSign(value, `$${compactNumber(Math.abs(value), { zeros: true })}`, {
    minus: PICTURE_MINUS,
  });
}

/** 1, 10, 1k, 1M, 1B request counts; −5 with the picture's minus sign. */
export function countTick(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  return withSign(value, compactNumber(Math.abs(value)), { minus: PICTURE_MINUS });
}

/** 96.6 %, −5,933.5 %: formatPct as a picture draws it (U+2212); "–" when not known. */
export function pctLabel(value: number): string {
  return pictureMinus(formatPct(value));
}

/**
 * What a chart with nothing to draw shows in its frame, centred: its caption's count alone
 * ("0 organizations with MRR > 0") under an empty frame with axes of $1 to $10 read like data
 * near zero. `what` says what is missing.
 */
export function nothingDrawn(what: string): Plot.Markish {
  return Plot.text([`Nothing to draw: ${what}`], {
    frameAnchor: "middle",
    text: (d: string) => d,
    fontSize: 14,
    fill: "#555",
  });
}

/** Beyond this many points a scatter becomes a hexbin density (a 100k-dot SVG helps no one). */
export const MAX_DOTS = 5000;

export interface DrawnRowsOptions {
  /** the organizations' names, read only when dots are drawn (the chart worker's) */
  orgNames: (() => pl.Series) | undefined;
  /** the rows a chart draws, with org_name when `named` */
  drawn: (frame: pl.DataFrame, named: boolean) => pl.DataFrame;
}

/**
 * A scatter's drawn rows, `drawn(frame, named)` (with org_name when `named`): its organizations
 * are named only in its dots' hover titles, which a hexbin (more than MAX_DOTS rows) does not
 * draw. A frame without org_name but with `orgNames` (the chart worker's, at a million
 * organizations) is worked out without it, and again with it only when dots are drawn: a million
 * names read, filtered and dropped unseen were ~0.1 s of CPU a scatter.
 */
export function drawnRows(
  frame: pl.DataFrame,
  { orgNames, drawn }: DrawnRowsOptions,
): pl.DataFrame {
  const named = frame.columns.includes("org_name");
  if (named || !orgNames) return drawn(frame, named);
  const unnamed = drawn(frame, false);
  return unnamed.height > MAX_DOTS ? unnamed : drawn(frame.withColumn(orgNames()), true);
}

/** Tier boxes' style: translucent tier colour, dark lines. */
export const TIER_BOXES = { fillOpacity: 0.35, stroke: "#333" };

/** Tier swatches for a dot chart, or a note on the density scale when it became a hexbin. */
export function dotsLegend(dense: boolean, rows: Row[]): string {
  return dense ? legend([DENSITY_LEGEND]) : tierLegend(rows.map((row) => row.tier));
}
