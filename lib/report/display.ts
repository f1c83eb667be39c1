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
import { formatBytes } from "./numbers.ts";
import { type IopubListener, listenToIopub } from "./kernel_iopub.ts";

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

/**
 * A list of written files with their sizes in KB or MB, as the command line prints them: the
 * sizes the run wrote (`sizes`, by path) where given, else the file's now.
 */
export async function filesDisplay(
  paths: string[],
  sizes: Readonly<Record<string, number>> = {},
): Promise<Displayable> {
  const lines: string[] = [];
  for (const path of paths) {
    const size = sizes[path] ?? (await Deno.stat(path)).size;
    lines.push(`- \`${path}\` (${formatBytes(size)})`);
  }
  return markdown(lines.length > 0 ? `**Written:**\n${lines.join("\n")}` : "nothing written");
}

/**
 * Where the kernel's iopub cannot be watched (listenToIopub's null: not Linux, no connection file),
 * a pause after a cell's displays, longer per MB: a guess, which a busy machine can outlast.
 */
const FALLBACK_PAUSE_MS = 40;
const FALLBACK_PAUSE_MS_PER_MB = 60;

/** The kernel's display API, or null outside `deno jupyter` (where touching it throws). */
function jupyterApi(): JupyterDisplay | null {
  try {
    return Deno.jupyter;
  } catch {
    return null;
  }
}

interface JupyterDisplay {
  display(value: unknown, options?: { update?: boolean; display_id?: string }): Promise<void>;
}

/** An empty output: what a marker update would write, were its display id ever shown. */
const MARKER = bundleDisplay({ "text/plain": "" });

/**
 * Queues an update of a display id never shown (front-ends ignore it: nbclient, JupyterLab and VS
 * Code update only outputs shown with that id); resolves whether the listener saw it go out.
 */
async function sendMarker(jupyter: JupyterDisplay, listener: IopubListener): Promise<boolean> {
  const id = `pricing-kit-sent-${crypto.randomUUID()}`;
  await jupyter.display(MARKER, { update: true, display_id: id });
  return listener.seen(id);
}

/** Whether one of `markers` was seen within `ms` (false for one whose connection ended). */
async function seenWithin(markers: Promise<boolean>[], ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const seen = await Promise.race([...markers.map((m) => m.then((ok) => ok || late)), late]);
  clearTimeout(timer);
  return seen;
}

/**
 * Whether what was displayed before has gone out (within `capMs`): the kernel sends its queue in
 * order, so any marker queued after it that comes back says so. Markers go out 5 ms apart and then
 * less often, since the first can pass before the kernel has added the listener (it does so after a
 * handshake it does not acknowledge).
 */
async function displaysSent(
  jupyter: JupyterDisplay,
  { listener, capMs }: { listener: IopubListener; capMs: number },
): Promise<boolean> {
  const markers: Promise<boolean>[] = [];
  const start = Date.now();
  for (
    let wait = 5;
    !listener.ended && Date.now() - start < capMs;
    wait = Math.min(wait * 2, 1000)
  ) {
    markers.push(sendMarker(jupyter, listener));
    if (await seenWithin(markers, wait)) return true;
  }
  return false;
}

/**
 * Shows values in the notebook, in order, and returns once the kernel has sent them. Outside a
 * notebook it prints their plain text.
 *
 * `Deno.jupyter.display` resolves when the message is queued, not sent, and Deno's kernel (2.9)
 * sends a cell's `status: idle` by another path that can overtake displays still queued; nbconvert
 * drops what comes after idle (see kernel_iopub.ts). So notebooks show everything through this
 * function and end each cell with it (a cell's last-expression result is queued, and can be lost,
 * the same way): it listens on the kernel's iopub channel and, after the values, waits for a marker
 * message queued behind them to come out. Where it cannot listen it pauses, longer for more data.
 */
export async function show(...values: Displayable[]): Promise<void> {
  const jupyter = jupyterApi();
  if (!jupyter) {
    for (const value of values) console.log(mimeBundle(value)["text/plain"] ?? "");
    return;
  }
  // (connecting while the values are queued: only the markers after them need the listener)
  const connecting = listenToIopub();
  try {
    let chars = 0;
    for (const value of values) {
      chars += Object.values(mimeBundle(value)).reduce((sum, text) => sum + text.length, 0);
      await jupyter.display(value);
    }
    const listener = await connecting;
    // capped, so that a kernel that stopped sending cannot hang the cell
    if (listener && await displaysSent(jupyter, { listener, capMs: 120_000 })) return;
    const pause = FALLBACK_PAUSE_MS + FALLBACK_PAUSE_MS_PER_MB * chars / 1e6;
    await new Promise((resolve) => setTimeout(resolve, pause));
  } finally {
    (await connecting)?.close();
  }
}
