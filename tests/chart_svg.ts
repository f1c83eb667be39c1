/**
 * What a chart's SVG shows, read back for tests: where its dots and texts are (every enclosing
 * translate added up), its tick labels as numbers, and its plot frame. Text widths are the frame's
 * own estimate (textWidth: 12 px DejaVu Sans, erring wide).
 */
import { ok } from "node:assert/strict";
import { parseHTML } from "linkedom";
import { Resvg } from "@resvg/resvg-js";
import { textWidth } from "../lib/report/chart_frame.ts";

// deno-lint-ignore no-explicit-any
type Element = any;

function parse(svg: string): Element {
  const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`) as Element;
  return document.querySelector("svg");
}

/** translate(x,y) of an element's transform attribute ([0, 0] without one). */
function translation(element: Element): [number, number] {
  const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(
    element.getAttribute?.("transform") ?? "",
  );
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** An element's position in the SVG: its own and every enclosing group's translate added. */
function position(element: Element, x = 0, y = 0): [number, number] {
  let [px, py] = [x, y];
  for (let e = element; e && e.tagName?.toLowerCase() !== "svg"; e = e.parentNode) {
    const [dx, dy] = translation(e);
    px += dx;
    py += dy;
  }
  return [px, py];
}

/** An inherited attribute (text-anchor) of an element or the nearest group that sets it. */
function inherited(element: Element, name: string): string | null {
  for (let e = element; e && e.getAttribute; e = e.parentNode) {
    const value = e.getAttribute(name);
    if (value !== null) return value;
  }
  return null;
}

export interface PlotFrame {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * The plot frame of a chart drawn by framed() (lib/report/chart_frame.ts): left and right where
 * its horizontal grid lines run, top and bottom its fixed margins (84 and 48 px).
 */
export function plotFrame(svg: string): PlotFrame {
  const root = parse(svg);
  const line = root.querySelector('g[aria-label="y-grid"] line');
  ok(line, "the chart has a y grid");
  const height = Number(root.getAttribute("height"));
  return {
    left: Number(line.getAttribute("x1")),
    right: Number(line.getAttribute("x2")),
    top: 84,
    bottom: height - 48,
  };
}

/** The centre of every dot: circles, and symbols (▼) drawn as paths of a dot mark. */
export function dotCentres(svg: string): [number, number][] {
  const root = parse(svg);
  const circles = [...root.querySelectorAll('g[aria-label="dot"] circle')].map((c: Element) =>
    position(c.parentNode, Number(c.getAttribute("cx")), Number(c.getAttribute("cy")))
  );
  const symbols = [...root.querySelectorAll('g[aria-label="dot"] path')].map((p: Element) =>
    position(p)
  );
  return [...circles, ...symbols] as [number, number][];
}

/** Each dot's centre at least `margin` px inside the plot frame. */
export function assertDotsInside(svg: string, margin: number, what: string): void {
  const frame = plotFrame(svg);
  const dots = dotCentres(svg);
  ok(dots.length > 0, `${what}: no dots`);
  for (const [x, y] of dots) {
    ok(
      x >= frame.left + margin && x <= frame.right - margin && y >= frame.top + margin &&
        y <= frame.bottom - margin,
      `${what}: dot at ${x.toFixed(1)},${y.toFixed(1)} not ${margin} px inside ${
        JSON.stringify(frame)
      }`,
    );
  }
}

export interface Label {
  text: string;
  x: number;
  y: number;
  anchor: string;
}

/** The texts of groups with this aria-label ("x-axis tick label", "text" for text marks). */
export function labels(svg: string, ariaLabel: string): Label[] {
  const root = parse(svg);
  return [...root.querySelectorAll(`g[aria-label="${ariaLabel}"] text`)].map((t: Element) => {
    const [x, y] = position(t);
    // its own text, not a hover <title> inside it; a text in lines (<tspan>s) one per line
    const own = [...t.childNodes].filter((c: Element) => c.nodeType === 3);
    const lines = [...t.querySelectorAll("tspan")];
    const text = (lines.length > 0 ? lines : own).map((c: Element) => c.textContent)
      .join(lines.length > 0 ? "\n" : "");
    return { text, x, y, anchor: inherited(t, "text-anchor") ?? "start" };
  });
}

/** A tick label's number: "$1.5k" 1500, "2M" 2000000, "3B", "−300" −300 (Plot's minus too). */
export function tickValue(text: string): number {
  const m = /^([-−]?)\$?([\d.]+)([kMBT]?)$/.exec(text.trim());
  ok(m, `not a number: ${text}`);
  const scale = ({ k: 1e3, M: 1e6, B: 1e9, T: 1e12 } as Record<string, number>)[m[3]] ?? 1;
  return (m[1] ? -1 : 1) * Math.round(Number(m[2]) * scale * 1e9) / 1e9;
}

/** An axis' tick labels as numbers, in the order drawn. */
export function ticks(svg: string, axis: "x" | "y"): number[] {
  return labels(svg, `${axis}-axis tick label`).map((l) => tickValue(l.text));
}

/** Every label of these groups within the SVG's width, by the frame's width estimate. */
export function assertTextInside(svg: string, ariaLabel: string): void {
  const width = Number(parse(svg).getAttribute("width"));
  for (const l of labels(svg, ariaLabel)) {
    const w = textWidth(l.text);
    const left = l.anchor === "end" ? l.x - w : l.anchor === "middle" ? l.x - w / 2 : l.x;
    ok(
      left >= 0 && left + w <= width,
      `${ariaLabel} "${l.text}" spans ${left.toFixed(0)}–${(left + w).toFixed(0)} of ${width}`,
    );
  }
}

/**
 * Where a chart's marks reach: dots' centres (x and y), and the vertical extent of bars (boxes)
 * and rules (whiskers, the zero line), whose x is a band or the whole frame.
 */
function markPoints(svg: string): { x?: number; y: number }[] {
  const root = parse(svg);
  const ys: { y: number }[] = [];
  for (const rect of root.querySelectorAll('g[aria-label="bar"] rect')) {
    const [, dy] = position(rect.parentNode);
    const y = Number(rect.getAttribute("y")) + dy;
    ys.push({ y }, { y: y + Number(rect.getAttribute("height")) });
  }
  for (const line of root.querySelectorAll('g[aria-label="rule"] line')) {
    const [, dy] = position(line.parentNode);
    ys.push({ y: Number(line.getAttribute("y1")) + dy }, {
      y: Number(line.getAttribute("y2")) + dy,
    });
  }
  return [...dotCentres(svg).map(([x, y]) => ({ x, y })), ...ys];
}

/**
 * Every mark at least `margin` px inside the plot frame (dots, boxes, whiskers), and each axis'
 * labelled ticks reaching at least as far as the marks (a labelled tick at or beyond the lowest
 * and the highest value).
 */
export function assertMarksInside(svg: string, margin: number, what: string): void {
  const frame = plotFrame(svg);
  const points = markPoints(svg);
  ok(points.length > 0, `${what}: no marks`);
  const where = (p: { x?: number; y: number }) =>
    `${what}: mark at ${p.x?.toFixed(1) ?? "–"},${p.y.toFixed(1)} not ${margin} px inside ${
      JSON.stringify(frame)
    }`;
  for (const p of points) {
    ok(p.y >= frame.top + margin && p.y <= frame.bottom - margin, where(p));
    if (p.x !== undefined) ok(p.x >= frame.left + margin && p.x <= frame.right - margin, where(p));
  }
  const ys = points.map((p) => p.y);
  const yTicks = labels(svg, "y-axis tick label").map((l) => l.y);
  ok(Math.min(...yTicks) <= Math.min(...ys) + 1e-6, `${what}: no y tick above the highest mark`);
  ok(Math.max(...yTicks) >= Math.max(...ys) - 1e-6, `${what}: no y tick below the lowest mark`);
  const xs = points.flatMap((p) => p.x === undefined ? [] : [p.x]);
  if (xs.length === 0 || !svg.includes('aria-label="x-grid"')) return; // a band axis (tiers)
  const xTicks = labels(svg, "x-axis tick label").map((l) => l.x);
  ok(Math.min(...xTicks) <= Math.min(...xs) + 1e-6, `${what}: no x tick left of the lowest mark`);
  ok(Math.max(...xTicks) >= Math.max(...xs) - 1e-6, `${what}: no x tick right of the highest`);
}

const DEJAVU = "/usr/share/fonts/truetype/dejavu";

/** Droid Sans Fallback, the PNGs' font for Chinese and Japanese text, where installed. */
const DROID = "/usr/share/fonts/truetype/droid";

/**
 * The width resvg draws `text` at `size` px in DejaVu Sans (the PNGs' font, CJK in Droid's), bold
 * when told.
 */
export function drawnWidth(text: string, size: number, { bold = false } = {}): number {
  const files = (dir: string) => [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
  let fontFiles = files(DEJAVU);
  try {
    fontFiles = [...fontFiles, ...files(DROID)];
  } catch { /* not installed: CJK drawn as boxes, narrower */ }
  const escaped = text.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" }[c]!));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="40">` +
    `<text x="0" y="20" font-size="${size}" font-family="DejaVu Sans"${
      bold ? ' font-weight="bold"' : ""
    }>${escaped}</text></svg>`;
  const box = new Resvg(svg, { font: { fontFiles, loadSystemFonts: false } }).getBBox();
  return box ? box.x + box.width : 0;
}

/** Pixel y to value on a linear y axis, from its first and last tick labels' positions. */
export function yValueAt(svg: string): (y: number) => number {
  const marks = labels(svg, "y-axis tick label");
  const [a, b] = [marks[0], marks[marks.length - 1]];
  const [va, vb] = [tickValue(a.text), tickValue(b.text)];
  return (y) => va + (y - a.y) * (vb - va) / (b.y - a.y);
}

/** Pixel y to value on a log y axis, from its first and last tick labels' positions. */
export function yLogValueAt(svg: string): (y: number) => number {
  const marks = labels(svg, "y-axis tick label");
  const [a, b] = [marks[0], marks[marks.length - 1]];
  const [la, lb] = [Math.log10(tickValue(a.text)), Math.log10(tickValue(b.text))];
  return (y) => 10 ** (la + (y - a.y) * (lb - la) / (b.y - a.y));
}

/** A box of a box plot: its band's left x, and its quartiles' and median's values. */
export interface DrawnBox {
  x: number;
  low: number;
  high: number;
  median: number;
}

/**
 * The boxes of a box plot on a linear y axis, left to right: each bar's extent and the median
 * tick across it, as values of the axis.
 */
export function drawnBoxes(svg: string): DrawnBox[] {
  const root = parse(svg);
  const value = yValueAt(svg);
  const medians = [...root.querySelectorAll('g[aria-label="tick"] line')].map((l: Element) => {
    const [x, y] = position(
      l.parentNode,
      Number(l.getAttribute("x1")),
      Number(l.getAttribute("y1")),
    );
    return { x, value: value(y) };
  });
  return [...root.querySelectorAll('g[aria-label="bar"] rect')].map((rect: Element) => {
    const [x, y] = position(
      rect.parentNode,
      Number(rect.getAttribute("x")),
      Number(rect.getAttribute("y")),
    );
    const median = medians.find((m) => Math.abs(m.x - x) < 1e-6);
    ok(median, `a median tick on the box at x ${x}`);
    return {
      x,
      low: value(y + Number(rect.getAttribute("height"))),
      high: value(y),
      median: median.value,
    };
  }).sort((a: DrawnBox, b: DrawnBox) => a.x - b.x);
}

/**
 * The values on a linear y axis of the dot marks' symbols drawn as paths: the ▼ (downward
 * triangles) or the others (hexagons of a density).
 */
function symbolValues(svg: string, triangles: boolean): number[] {
  const root = parse(svg);
  const value = yValueAt(svg);
  return [...root.querySelectorAll('g[aria-label="dot"] path')]
    .filter((p: Element) => /rotate\(180\)/.test(p.getAttribute("transform") ?? "") === triangles)
    .map((p: Element) => value(position(p)[1]));
}

/** The values of the ▼ (downward triangles) of the dot marks, on a linear y axis. */
export function triangleValues(svg: string): number[] {
  return symbolValues(svg, true);
}

/** The values of the hexagons' centres of a density, on a linear y axis. */
export function hexagonValues(svg: string): number[] {
  return symbolValues(svg, false);
}
