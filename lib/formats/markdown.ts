/**
 * Markdown for the brief, the dictionary, the scenario and comparison summaries and the email body.
 *
 * Text from the data (org names, tiers, warnings quoting them) goes through `escapeMarkdown`, the
 * one escaping function: it can add no heading, list, link, image, HTML or emphasis, and no line
 * (but for GitHub's mailto: link on an e-mail address: see AUTOLINK_COLON).
 */
import { INVISIBLE, LINE_BREAKING } from "../core/invisible.ts";

// what visibleLine drops (lib/core/invisible.ts)
export { INVISIBLE };

/** Longest data text shown in one cell or line; longer text ends in "…". */
export const DEFAULT_MARKDOWN_MAX_LENGTH = 200;

// Inline Markdown: code, emphasis, links and images, tables, strikethrough, headings, escapes.
// Every `_`, inside words too: CommonMark ignores `pricing_data_`'s inner ones, but renderers
// that are not (nbconvert's mistune) would pair it with an escaped one nearby as emphasis.
const PUNCTUATION = /[\\`*_[\]|~#]/g;
// A word of letters, digits, `.` and `-` joined by `_` (`llm_cost_30d`, `PRICING_INFRA_USD`, a
// file name), not touching a backtick: shown as a code span, where no character is Markdown, so
// it reads as written (`PRICING_X` rather than `PRICING\_X` in the raw text Claude reads).
const SNAKE_CASE_WORD =
  /(?<![\w.\-`\\])[A-Za-z0-9][A-Za-z0-9.\-]*_[A-Za-z0-9_.\-]*[A-Za-z0-9](?![\w`]|[.\-]\w)/g;
// A path (`/tmp/out_dir/queries/usage_30d.sql`, `queries/clickhouse/usage_30d.sql`): segments
// of letters, digits, `_`, `.`, `-` and `~` joined by `/`, ending in a letter, digit or `_`. One
// with a `_` is one code span, not a path cut into code spans at its snake_case words; one without
// is escaped as plain text, as any text (no path character is Markdown but `_` and `~`).
const PATH_WORD =
  /(?<![\w.\-`\\/~:])(?:~|\.{1,2}|[\w.\-]+)?(?:\/[\w.\-~]+)+(?<=\w)(?![\w`/]|[.\-]\w)/;
// a path or a snake_case word, whichever starts first (a path holds its words)
const CODE_WORD = new RegExp(`${PATH_WORD.source}|${SNAKE_CASE_WORD.source}`, "g");
// GFM's extended autolinks without `<>`: a scheme's `://` (http, https, ftp) and `www.`. Their `:`
// or `.` as a character reference reads the same and is no autolink: GFM looks for the characters
// themselves. (An e-mail address still is one on GitHub, a mailto: link to the address shown; a
// reference cannot stop it, GitHub joins the text first.)
const AUTOLINK_COLON = /:(?=\/\/)/g;
const AUTOLINK_WWW = /(www)\./gi;

/**
 * Data text on one visible line, as it reads: line breaks and control characters become spaces,
 * bidirectional overrides and zero-width characters are dropped (U+202E would draw the rest
 * reversed), spaces are collapsed, and text longer than `maxLength` characters is cut to whole
 * characters as a reader sees them (an emoji, a flag, a letter with its accent: never a lone
 * surrogate) and ends in "…". What escapeMarkdown escapes, and what a chart label shows.
 */
export function plainText(text: string, { maxLength }: { maxLength: number }): string {
  const flat = visibleLine(text);
  if (flat.length <= maxLength) return flat; // UTF-16 units ≥ characters: nothing to cut
  const graphemes = [...GRAPHEMES.segment(flat)].map((part) => part.segment);
  const kept = graphemes.length <= maxLength ? graphemes : graphemes.slice(0, maxLength - 1);
  // a character of hundreds of stacked accents is cut by code point, so the text stays short
  const points = [...kept.join("")];
  const cut = points.length > 4 * maxLength ? points.slice(0, maxLength - 1).join("") : null;
  if (cut !== null) return `${cut}…`;
  return graphemes.length <= maxLength ? flat : `${kept.join("")}…`;
}

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * Data text as inert Markdown on one line: control characters and newlines become spaces, `<`
 * and entities are HTML-escaped (no tags, no autolinks), Markdown punctuation is backslash-escaped
 * (no links such as `[x](javascript:…)`, no emphasis), a bare URL's `://` and `www.` are written
 * with a character reference (`http&#58;//`: no GFM autolink), a leading list or quote marker is
 * escaped, and the text is cut to `maxLength` characters.
 */
export function escapeMarkdown(
  text: string,
  options: { maxLength?: number } = {},
): string {
  const flat = plainText(text, { maxLength: options.maxLength ?? DEFAULT_MARKDOWN_MAX_LENGTH });
  // a snake_case word (a column, a setting, a file name) as a code span, the rest escaped
  let escaped = "";
  let plainFrom = 0;
  for (const word of flat.matchAll(CODE_WORD)) {
    // a path without a `_` holds no snake_case word: plain text, as it was
    if (!word[0].includes("_")) continue;
    escaped += escapePlain(flat.slice(plainFrom, word.index)) + `\`${word[0]}\``;
    plainFrom = word.index + word[0].length;
  }
  escaped += escapePlain(flat.slice(plainFrom));
  // A line starting "- x", "+ x", "> x", "= x" or "1. x" would become a list, quote or heading;
  // a signed number ("-5", "-$1.00", "-€90.00", "+CHF 15.00": lib/core/signs.ts) would not.
  const lead = SIGNED_NUMBER.test(escaped) ? escaped : escaped.replace(/^[-+>=]/, "\\$&");
  return lead.replace(/^(\d+)([.)])(?= |$)/, "$1\\$2");
}

/**
 * A signed number, "-5", "+$1.00", "-€90.00", "-CHF 15.00": no list marker (a "-" or "+" opens a
 * list only before a space). A ">5" or "=5" is still escaped: ">" opens a quote before anything.
 */
const SIGNED_NUMBER = /^[-+](?:[\d$€£¥]|[A-Z]{3} \d)/;

/** Data text outside a code span: entities, tags, Markdown punctuation and autolinks made inert. */
function escapePlain(text: string): string {
  return text
    .replace(/&(?=#?\w+;)/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(PUNCTUATION, (c) => `\\${c}`)
    .replace(AUTOLINK_COLON, "&#58;")
    .replace(AUTOLINK_WWW, "$1&#46;");
}

/**
 * Data text as it reads on one line (Markdown and the notebooks' HTML tables): control characters
 * and line separators become a space, bidirectional controls and zero-width characters go, runs
 * of spaces become one.
 */
export function visibleLine(text: string): string {
  return text.replace(LINE_BREAKING, " ").replace(INVISIBLE, "").replace(/ {2,}/g, " ").trim();
}

/** Kit-authored Markdown (code spans, emphasis on purpose): kept as written inside a table. */
export interface TrustedMarkdown {
  readonly markdown: string;
}

/** Marks kit-authored Markdown as trusted for `markdownTable`; never pass data text. */
export function trustedMarkdown(markdown: string): TrustedMarkdown {
  return { markdown };
}

/** A kit-authored name (column, file) as a code span. */
export function markdownCode(name: string): TrustedMarkdown {
  return { markdown: `\`${name.replace(/[`\r\n]/g, "")}\`` };
}

/**
 * A table cell of kit-authored Markdown: pipes escaped, line breaks folded. Data text goes
 * through `escapeMarkdown` instead (markdownTable does that for every plain string).
 */
export function markdownCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** A table; plain string cells are data and escaped, `TrustedMarkdown` cells are kept. */
export function markdownTable(
  header: string[],
  rows: (string | TrustedMarkdown)[][],
): string {
  const cell = (value: string | TrustedMarkdown) =>
    typeof value === "string" ? escapeMarkdown(value) : markdownCell(value.markdown);
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** A bullet list of data text (warnings): one escaped line per item. */
export function markdownList(items: readonly string[], maxLength = 1000): string[] {
  return items.map((item) => `- ${escapeMarkdown(item, { maxLength })}`);
}

/**
 * Data text (a warning quoting ids or names) on one terminal or log line: control characters are
 * shown as escapes (a newline as \n) instead of starting a new line or moving the cursor.
 */
export function plainLine(text: string): string {
  return text.replace(
    /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ).replace(/\\u000a/g, "\\n").replace(/\\u000d/g, "\\r").replace(/\\u0009/g, "\\t");
}
