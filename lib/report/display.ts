/**
 * Notebook display: values the Deno Jupyter kernel renders through `Symbol.for("Jupyter.display")`
 * (the same protocol as `Deno.jupyter.html`, without needing the kernel's types here). Frames go
 * out as HTML tables with readable numbers; nodejs-polars' own `toHTML()` prints raw floats such
 * as 4966.382659 and `null`.
 */
import type pl from "nodejs-polars";
import MarkdownIt from "markdown-it";
import { basename } from "node:path";
import { type Chart, svgToPng } from "./charts.ts";
import { DEFAULT_MARKDOWN_MAX_LENGTH, plainText, visibleLine } from "../formats/markdown.ts";
import { escapeHtml, formatValue } from "./html_text.ts";
import { columnNumberText } from "./table_numbers.ts";

export type MimeBundle = Record<string, string>;

export interface Displayable {
  [key: symbol]: () => MimeBundle;
}

const DISPLAY = Symbol.for("Jupyter.display");

/** A MIME bundle as a displayable (also one made in another process: export_process.ts). */
export function bundleDisplay(bundle: MimeBundle): Displayable {
  return { [DISPLAY]: () => bundle };
}

/** The MIME bundle a displayable shows (what the kernel would send). */
export function mimeBundle(value: Displayable): MimeBundle {
  return value[DISPLAY]();
}

const TABLE_STYLE = "border-collapse:collapse;font-size:12px;font-family:sans-serif";
const CELL_STYLE = "padding:2px 8px;border-bottom:1px solid #e5e7eb";

/** Longest text a table cell shows (code points); longer text ends in "…", the rest on hover. */
export const CELL_MAX_LENGTH = 100;
/**
 * A text cell's box: as wide as its text up to 24em, then wrapped anywhere (a name without spaces
 * too), so that one long name cannot push the numbers beside it out of view.
 */
const TEXT_STYLE = "width:max-content;max-width:24em;overflow-wrap:anywhere";

/** A text cell: data text on one line, without the controls that reorder or hide what it shows. */
function textCell(value: unknown): string {
  const text = visibleLine(formatValue(value));
  const shown = plainText(text, { maxLength: CELL_MAX_LENGTH });
  const title = shown === text
    ? ""
    : ` title="${escapeHtml(plainText(text, { maxLength: DEFAULT_MARKDOWN_MAX_LENGTH }))}"`;
  // dir="auto": an Arabic or Hebrew name reads right to left inside its own box only (on the
  // box, not the cell, which would move the box to the cell's right edge)
  return `<td style="${CELL_STYLE};text-align:left"${title}>` +
    `<div dir="auto" style="${TEXT_STYLE}">${escapeHtml(shown)}</div></td>`;
}

/** How a table shows a numeric column's value, when not by its column's unit (columnNumberText). */
export type NumberText = (column: string, value: unknown) => string;

/** How a table is shown: `ranked`, the frame is the first `top` of `of` rows (a question's). */
export interface FrameTableOptions {
  numberText?: NumberText;
  ranked?: { top: number; of: number };
}

/**
 * The first `maxRows` rows as an HTML table (numbers right-aligned, written by their column's unit,
 * $1,234.50 and -414.1 %, or as `numberText` writes them; "–" for an unknown number, an empty text
 * cell for null text), with the frame's size under it: "top 5 of 14 rows" for a ranked
 * frame cut to its top, as the question's reading and chart count them.
 */
export function frameToHtml(
  frame: pl.DataFrame,
  maxRows = 20,
  { numberText, ranked }: FrameTableOptions = {},
): string {
  const shown = frame.head(maxRows);
  const columns = shown.columns.map((name) => ({
    name,
    numeric: /Int|Float|UInt/.test(String(shown.getColumn(name).dtype)),
    values: shown.getColumn(name).toArray() as unknown[],
  }));
  const header = columns
    .map((c) =>
      `<th style="${CELL_STYLE};text-align:${c.numeric ? "right" : "left"}">${
        escapeHtml(visibleLine(c.name))
      }</th>`
    )
    .join("");
  const body = Array.from({ length: shown.height }, (_, row) =>
    "<tr>" +
    columns.map((c) =>
      c.numeric
        ? `<td style="${CELL_STYLE};text-align:right;white-space:nowrap">${
          escapeHtml(
            (numberText ?? columnNumberText)(c.name, c.values[row]),
          )
        }</td>`
        : textCell(c.values[row])
    ).join("") +
    "</tr>").join("");
  const { size } = tableSize(frame, { maxRows, ranked });
  // (MathJax leaves a table of these classes alone: `$x^2$` in a name stays text)
  return `<table class="tex2jax_ignore mathjax_ignore" style="${TABLE_STYLE}"><thead><tr>${header}</tr></thead><tbody>${body}</tbody></table>` +
    `<p><small>${size}</small></p>`;
}

/**
 * The size line under a table of the first `maxRows` rows ("top 5 of 14 rows, 9 columns", "20 of
 * 25 rows, …", "3 rows, …"), and whether the table shows fewer rows than that line counts.
 */
function tableSize(
  frame: pl.DataFrame,
  { maxRows, ranked }: { maxRows: number; ranked?: { top: number; of: number } },
): { size: string; cut: boolean } {
  const count = (n: number) => n.toLocaleString("en-US");
  const shown = Math.min(frame.height, maxRows);
  if (ranked !== undefined && ranked.of > frame.height) {
    return {
      size: `top ${count(shown)} of ${count(ranked.of)} rows, ${frame.width} columns`,
      cut: true,
    };
  }
  return frame.height > maxRows
    ? { size: `${maxRows} of ${count(frame.height)} rows, ${frame.width} columns`, cut: true }
    : { size: `${count(frame.height)} rows, ${frame.width} columns`, cut: false };
}

const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A frame as a notebook table (HTML, and plain text for consoles). The plain text is polars' table,
 * whose shape counts the rows shown; a table cut short says under it what the HTML's does.
 */
export function frameHtml(
  frame: pl.DataFrame,
  maxRows = 20,
  options: FrameTableOptions = {},
): Displayable {
  const { size, cut } = tableSize(frame, { maxRows, ranked: options.ranked });
  // (a console honours bidi controls too)
  const table = frame.head(maxRows).toString().replace(BIDI_CONTROLS, "");
  return bundleDisplay({
    "text/html": frameToHtml(frame, maxRows, options),
    "text/plain": cut ? `${table}\n${size}` : table,
  });
}

/** An SVG image output (VS Code and JupyterLab render it; nbconvert keeps it as image/svg+xml). */
export function svgDisplay(svg: string): Displayable {
  return bundleDisplay({ "image/svg+xml": svg });
}

/**
 * A chart as a PNG image output. Not SVG: nbconvert 6.5 (Debian's) strips SVG children when it
 * writes HTML, so a notebook shared as HTML would show blank boxes. The files keep the SVG.
 */
export function chartDisplay(chart: Chart): Displayable {
  return bundleDisplay({
    "image/png": encodeBase64(svgToPng(chart.svg)),
    "text/plain": chart.title,
  });
}

/** A PNG file (a chart the export wrote) as an image output, its name as the plain text. */
export function pngFileDisplay(path: string): Displayable {
  return bundleDisplay({
    "image/png": encodeBase64(Deno.readFileSync(path)),
    "text/plain": basename(path),
  });
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Markdown for a notebook as HTML, Markdown and plain text. Front-ends read `$…$` in Markdown as
 * maths ("≤ $100 … $500" drew an italic formula, a name `$x^2$` x²), so the Markdown writes `\$`;
 * but only a maths renderer turns that back into `$`, and nbconvert's HTML, whose MathJax is seldom
 * installed, showed "MRR \$245,692". JupyterLab, VS Code and nbconvert show the HTML first: there
 * `$` is as typed, in a box MathJax skips (KaTeX renders Markdown only). The Markdown stays for
 * front-ends that pick it (VS Code with a screen reader); the plain text keeps `$`.
 */
export function markdown(text: string): Displayable {
  return bundleDisplay({
    "text/html": markdownHtml(text),
    "text/markdown": dollarsAsText(text),
    "text/plain": text,
  });
}

/**
 * CommonMark with GFM tables. Raw HTML is shown as text (`html: false`), links go only to safe
 * protocols (markdown-it's validateLink) and bare URLs stay text (`linkify: false`): the data text
 * in the Markdown (escapeMarkdown's) cannot become markup here either.
 */
const MARKDOWN_IT = new MarkdownIt({ html: false, linkify: false, typographer: false });
// A table column without `:` alignment is left-aligned, as in a Markdown output: JupyterLab's and
// nbconvert's style right-aligns the cells of an HTML output's tables.
for (const cell of ["th_open", "td_open"]) {
  MARKDOWN_IT.renderer.rules[cell] = (tokens, index, options, _env, renderer) => {
    if (tokens[index].attrGet("style") === null) tokens[index].attrSet("style", "text-align:left");
    return renderer.renderToken(tokens, index, options);
  };
}

/** Notebook Markdown as HTML, `$` as typed, in a box MathJax skips (as frameToHtml's tables). */
function markdownHtml(text: string): string {
  return `<div class="tex2jax_ignore mathjax_ignore">${MARKDOWN_IT.render(text)}</div>`;
}

/** `$` as `\$`, but inside code spans (shown as typed there) and where already escaped. */
export function dollarsAsText(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") { // an escape (`\$`, `\\`, `` \` ``) stays as it is
      out += text.slice(i, i + 2);
      i += 2;
    } else if (c === "`") {
      const end = codeSpanEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else {
      out += c === "$" ? "\\$" : c;
      i++;
    }
  }
  return out;
}

/**
 * Where the backtick run at `start` and what it opens end: past the next run of as many
 * backticks (a code span, CommonMark's rule), or past the run itself when none closes it.
 */
function codeSpanEnd(text: string, start: number): number {
  const runAt = (at: number) => {
    let n = 0;
    while (text[at + n] === "`") n++;
    return n;
  };
  const opening = runAt(start);
  for (let at = text.indexOf("`", start + opening); at !== -1;) {
    const run = runAt(at);
    if (run === opening) return at + run;
    at = text.indexOf("`", at + run);
  }
  return start + opening;
}

/** One question's reading, in bold so it stands out under its table and chart. */
export function readingDisplay(answer: { reading: string }): Displayable {
  return markdown(`**Reading:** ${answer.reading}`);
}

/** A list of written files with their sizes. */
export async function filesDisplay(paths: string[]): Promise<Displayable> {
  const lines: string[] = [];
  for (const path of paths) {
    const { size } = await Deno.stat(path);
    lines.push(`- \`${path}\` (${size.toLocaleString("en-US")} bytes)`);
  }
  return markdown(lines.length > 0 ? `**Written:**\n${lines.join("\n")}` : "nothing written");
}

/**
 * Pause after a cell's displays (see show), and more per MB displayed: 20 ms lost one of the
 * charts cell's eight PNGs (~1 MB) once when the machine was busy (the whole test suite running).
 */
const FLUSH_MS = 40;
const FLUSH_MS_PER_MB = 60;

/** The kernel's display API, or null outside `deno jupyter` (where touching it throws). */
function jupyterApi(): { display(value: unknown): Promise<void> } | null {
  try {
    return Deno.jupyter;
  } catch {
    return null;
  }
}

/**
 * Shows values in the notebook, in order, then pauses so that the kernel sends them before the cell
 * ends. Outside a notebook it prints their plain text.
 *
 * Deno's kernel (2.x) can report a cell finished before the cell's display messages went out,
 * and nbconvert then drops them (a cell's last-expression result is lost the same way), so
 * notebooks show everything through this function and end each cell with it: one pause on the
 * event loop, longer for more data, lets the messages go first (the kernel gives no signal that
 * they have gone).
 */
export async function show(...values: Displayable[]): Promise<void> {
  const jupyter = jupyterApi();
  let chars = 0;
  for (const value of values) {
    const bundle = mimeBundle(value);
    chars += Object.values(bundle).reduce((sum, text) => sum + text.length, 0);
    if (jupyter) await jupyter.display(value);
    else console.log(bundle["text/plain"] ?? "");
  }
  const pause = FLUSH_MS + FLUSH_MS_PER_MB * chars / 1e6;
  if (jupyter) await new Promise((resolve) => setTimeout(resolve, pause));
}
