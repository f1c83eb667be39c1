import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { parseHTML } from "linkedom";
import { escapeMarkdown, markdownTable } from "../lib/formats/markdown.ts";
import {
  CELL_MAX_LENGTH,
  chartDisplay,
  dollarsAsText,
  filesDisplay,
  frameHtml,
  frameToHtml,
  markdown,
  mimeBundle,
  readingDisplay,
} from "../lib/report/display.ts";
import { formatValue } from "../lib/report/html_text.ts";

Deno.test("cell values read at a glance: rounded money, small costs kept, empty nulls, UTC times", () => {
  assertEquals(
    [
      formatValue(4966.382659),
      formatValue(12.345),
      formatValue(0.000123456),
      formatValue(1_234_567),
      formatValue(null),
      formatValue(new Date("2026-10-30T09:46:58.577Z")),
      formatValue(true),
      formatValue(-1900.5),
    ],
    ["4,966", "12.35", "0.000123", "1,234,567", "", "2026-10-30 09:46 UTC", "true", "-1,901"], // from 1,000 up, whole numbers,
  );
});

Deno.test("frame tables: escaped text, numbers right-aligned, an unknown number as –, the size under the table", () => {
  const frame = pl.DataFrame({
    org_name: Array.from({ length: 25 }, (_, i) => (i === 0 ? "<script>x</script>" : `org ${i}`)),
    mrr: pl.Series(
      "mrr",
      Array.from({ length: 25 }, (_, i) => (i === 1 ? null : i * 10.5)),
      pl.Float64,
    ),
  });
  const html = frameToHtml(frame, 20);
  ok(html.includes("&lt;script&gt;x&lt;/script&gt;") && !html.includes("<script>"));
  assertEquals(html.split("<tr>").length - 1, 1 + 20); // header + 20 of 25 rows
  ok(html.includes("<small>20 of 25 rows, 2 columns</small>"));
  ok(/<th style="[^"]*text-align:right">mrr<\/th>/.test(html));
  // an unknown number reads "–", as the per-plan table and the KPIs of the same notebook write it
  ok(/<td style="[^"]*text-align:right[^"]*">–<\/td>/.test(html), "null MRR reads –");
  ok(!/<td style="[^"]*text-align:right[^"]*"><\/td>/.test(html), "no empty number cell");
  ok(html.includes(">$21.00</td>"), "2 × 10.5 = 21, in dollars (mrr is USD per month)");
  const bundle = mimeBundle(frameHtml(frame, 3));
  ok(bundle["text/html"].includes("3 of 25 rows"));
  ok(bundle["text/plain"].startsWith("shape: (3, 2)"));
  // the plain text says what the 3 rows are of, as the HTML does
  ok(bundle["text/plain"].endsWith("\n3 of 25 rows, 2 columns"), bundle["text/plain"]);
});

Deno.test("charts, markdown and readings carry the MIME types notebooks render", () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' +
    '<rect width="40" height="20" fill="#ff0000"/></svg>';
  const bundle = mimeBundle(chartDisplay({ name: "c", title: "A chart", svg }));
  // A PNG (nbconvert's HTML keeps images, not SVG), base64 of the rasterised chart, and a title.
  assertEquals(Object.keys(bundle).sort(), ["image/png", "text/plain"]);
  assertEquals(bundle["text/plain"], "A chart");
  const png = Uint8Array.from(atob(bundle["image/png"]), (c) => c.charCodeAt(0));
  assertEquals([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(""), "PNG");
  const view = new DataView(png.buffer);
  const [width, height] = [view.getUint32(16), view.getUint32(20)]; // IHDR
  assertEquals(width, 2 * height, "the chart's 2:1 aspect kept");
  assertEquals(mimeBundle(markdown("**x**"))["text/markdown"], "**x**");
  assertEquals(
    mimeBundle(readingDisplay({ reading: "2 of 3 pay." }))["text/markdown"],
    "**Reading:** 2 of 3 pay.",
  );
});

Deno.test("notebook markdown: $ is text, not maths, outside code spans; the plain text keeps it", () => {
  // MathJax/KaTeX read "$500 … ≤ $100" as a formula: italic words without spaces
  const reading = "paying ≤ $100 MRR: together $21,246";
  const bundle = mimeBundle(markdown(reading));
  assertEquals(bundle["text/markdown"], "paying ≤ \\$100 MRR: together \\$21,246");
  assertEquals(bundle["text/plain"], reading);
  // code spans (any run of backticks, closed by as many) are shown as typed
  assertEquals(dollarsAsText("`$x$` and ``a ` $b`` and $c"), "`$x$` and ``a ` $b`` and \\$c");
  // an unclosed backtick is a backtick: what follows is text
  assertEquals(dollarsAsText("`open $1"), "`open \\$1");
  // what is escaped already stays so: escapeMarkdown's \\ (a name's backslash), \$, \`
  assertEquals(dollarsAsText("a\\\\$b \\$c \\`$d"), "a\\\\\\$b \\$c \\`\\$d");
  // a table's data text is left alone by MathJax (its ignore classes)
  const html = frameToHtml(pl.DataFrame({ org_name: ["Cheap $x^2$ Inc"] }));
  ok(html.startsWith('<table class="tex2jax_ignore mathjax_ignore"'), html.slice(0, 80));
  ok(html.includes("Cheap $x^2$ Inc"));
});

/** What these tests read of a linkedom element. */
interface HtmlElement {
  className: string;
  textContent: string | null;
  children: ArrayLike<HtmlElement>;
  firstElementChild: HtmlElement | null;
  querySelector(selector: string): HtmlElement | null;
  querySelectorAll(selector: string): ArrayLike<HtmlElement> & Iterable<HtmlElement>;
  getAttribute(name: string): string | null;
}

Deno.test("notebook markdown as HTML: $ as typed, in a box MathJax skips; data text stays text", () => {
  // nbconvert's HTML without MathJax showed the Markdown's escapes: "MRR \\$245,692.15"
  const hostile = "<img src=x onerror=alert(1)> Cheap $x^2$ Inc | pipe";
  const text = `**Reading:** ${escapeMarkdown(hostile)} pays $245,692.15 MRR (counted as $0).\n\n` +
    markdownTable(["org", "mrr"], [[hostile, "$1,097.92"]]) +
    "\n\n<script>alert(2)</script> [link](javascript:alert(3)) `$code$`";
  const bundle = mimeBundle(markdown(text));
  assertEquals(Object.keys(bundle).sort(), ["text/html", "text/markdown", "text/plain"]);
  const html = bundle["text/html"];
  ok(!html.includes("\\$"), html);
  const { document } = parseHTML(`<html><body>${html}</body></html>`) as unknown as {
    document: { body: HtmlElement };
  };
  const box = document.body.firstElementChild!;
  assertEquals(document.body.children.length, 1, "one box");
  // MathJax 2 (nbconvert's page, tex2jax_ignore) and 3 (JupyterLab, mathjax_ignore) skip it
  assertEquals(box.className, "tex2jax_ignore mathjax_ignore");
  const [reading, tail] = [...box.querySelectorAll("p")].map((p) => p.textContent);
  assertEquals(
    reading,
    "Reading: <img src=x onerror=alert(1)> Cheap $x^2$ Inc | pipe pays $245,692.15 MRR (counted as $0).",
  );
  assertEquals(box.querySelector("strong")?.textContent, "Reading:");
  // the table's cells: the name whole in its cell (its pipe is text), numbers as typed
  assertEquals([...box.querySelectorAll("td")].map((td) => td.textContent), [
    "<img src=x onerror=alert(1)> Cheap $x^2$ Inc | pipe",
    "$1,097.92",
  ]);
  // no element from the data or raw HTML, no script link; a code span as typed
  assertEquals(box.querySelectorAll("img, script, a").length, 0);
  assertEquals(tail, "<script>alert(2)</script> [link](javascript:alert(3)) $code$");
  assertEquals(box.querySelector("code")?.textContent, "$code$");
  // a column without `:` is left-aligned (an HTML output's table cells are right-aligned)
  assertEquals(box.querySelector("th")?.getAttribute("style"), "text-align:left");
});

Deno.test("frame tables: bidi controls and line breaks in data text change nothing a reader sees", () => {
  const frame = pl.DataFrame({
    org_name: [
      "شركة عربية \u202Eevil\u202C",
      "a\u2066b\u2069c\u200Fd",
      "line\none\r\ntwo\u2028three",
    ],
  });
  const html = frameToHtml(frame);
  ok(!/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\r\n]/.test(html), "no control left");
  const cells = [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    m[1].replace(/<[^>]*>/g, "")
  );
  assertEquals(cells, ["شركة عربية evil", "abcd", "line one two three"]);
  // each cell its own direction: an Arabic name cannot reorder the cells or text beside it
  assertEquals(html.split('<div dir="auto"').length - 1, 3);
  ok(!mimeBundle(frameHtml(frame))["text/plain"].includes("\u202E"), "nor in the plain text");
});
/** The text of each <td> of a table's first body row, tags removed, entities read back. */
function firstRowCells(html: string): string[] {
  const row = /<tbody><tr>([\s\S]*?)<\/tr>/.exec(html)![1];
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    m[1].replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")
  );
}

Deno.test("frame tables: a long name is cut with … (whole code points) and wraps; numbers stay on one line", () => {
  // 300 characters without a space, the cut falling inside the emoji's surrogate pair
  const long = "x".repeat(CELL_MAX_LENGTH - 2) + "😀" + "y".repeat(300);
  const frame = pl.DataFrame({
    org_name: [long],
    mrr: pl.Series("mrr", [1234.5], pl.Float64),
  });
  const html = frameToHtml(frame);
  const [name, mrr] = firstRowCells(html);
  assertEquals([...name].length, CELL_MAX_LENGTH);
  assertEquals(name, "x".repeat(CELL_MAX_LENGTH - 2) + "😀…");
  ok(/overflow-wrap:anywhere/.test(html), "text may break anywhere, or one name widens the table");
  assertEquals(mrr, "$1,234.50");
  ok(
    /<td style="[^"]*white-space:nowrap[^"]*">\$1,234\.50<\/td>/.test(html),
    "numbers never break",
  );
  ok(html.includes(`title="${"x".repeat(CELL_MAX_LENGTH - 2)}😀yyy`), "the cut text on hover");
});

Deno.test("filesDisplay: sizes in KB and MB as the command line prints them, the run's where given", async () => {
  const dir = await Deno.makeTempDir({ prefix: "files_display_" });
  try {
    const small = `${dir}/a.csv`;
    const large = `${dir}/b.xlsx`;
    await Deno.writeFile(small, new Uint8Array(2560)); // 2,560 / 1,024 = 2.5 KB
    await Deno.writeFile(large, new Uint8Array(1));
    // the run wrote b.xlsx at 3 × 1,048,576 = 3.0 MB; a later run left 1 byte
    const shown = await filesDisplay([small, large], { [large]: 3 * 1024 * 1024 });
    const text = mimeBundle(shown)["text/plain"];
    assertEquals(text, `**Written:**\n- \`${small}\` (2.5 KB)\n- \`${large}\` (3.0 MB)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
