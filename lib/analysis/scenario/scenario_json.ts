/**
 * A scenario file's text as JSON, with the mistakes a hand-written file makes said with their fix:
 * comments, a trailing comma, single quotes, YAML, a key given twice (JSON.parse keeps the last
 * silently: `"perSeatUsd": 20, …, "perSeatUsd": 25` priced 25 unsaid).
 */
import { UserError } from "../../core/config.ts";
import { isUtf16, UTF16_FIX } from "../../core/utf16.ts";
import { plainLine } from "../../formats/markdown.ts";

/**
 * The JSON value of a scenario file's text (a byte order mark dropped); else a one-line UserError
 * naming the file, what is wrong and how to fix it. `bytes`: the text's bytes, to tell a workbook,
 * an export or UTF-16 handed over in the scenario's place.
 */
export function parseScenarioJson(
  text: string,
  { bytes, path }: { bytes: Uint8Array; path: string },
): unknown {
  // a byte order mark (editors on Windows write one) is not JSON: drop it
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON: ${notJsonReason(json, { bytes, path, error: error as Error })}`,
    );
  }
  const duplicate = firstDuplicateKey(json);
  if (duplicate) {
    throw new UserError(
      `${path}: ${duplicate} is given twice (JSON keeps the last one silently): keep one`,
    );
  }
  return value;
}

/** "line 4 column 7" of offset `at` in `text` (columns from 1, as the parser counts them). */
function lineOf(text: string, at: number): string {
  const lines = text.slice(0, at).split("\n");
  return `line ${lines.length} column ${lines.at(-1)!.length + 1}`;
}

/** JSON's own words: any other bare word (NaN, Infinity, yes, undefined) is no JSON value. */
const JSON_WORDS = new Set(["true", "false", "null"]);

/** `text` with every string's characters blanked (same length): offsets stay the text's. */
function stringsBlanked(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"/g, (s) => `"${" ".repeat(s.length - 2)}"`);
}

/** The first bare word outside strings (NaN, yes) and its offset, or null. */
function firstBareWord(text: string): { word: string; at: number } | null {
  // (a number's exponent, 1e5, is not a word: a word starts after no digit, letter or dot)
  for (const match of stringsBlanked(text).matchAll(/(?<![\w.$])[A-Za-z_$][\w$]*/g)) {
    if (!JSON_WORDS.has(match[0])) return { word: match[0], at: match.index };
  }
  return null;
}

/**
 * Why a scenario file's text is no JSON, said for what it is when that is known: a workbook or an
 * export handed over in the scenario's place (an export to price goes with --input), UTF-16 text,
 * YAML, or a comment, trailing comma or single quote where the parser stopped (the parser's words
 * name the place, not the fix); else the parser's words, which quote the text (control characters
 * escaped).
 */
function notJsonReason(
  text: string,
  { bytes, path, error }: { bytes: Uint8Array; path: string; error: Error },
): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  const input =
    "a scenario is a JSON file such as scenarios/per_request.json (an export to price " +
    "is passed with --input)";
  if (head.startsWith("PK\u0003\u0004")) return `it is a ZIP file (an XLSX workbook?); ${input}`;
  if (/^(\uFEFF)?"?org_id"?,/.test(head)) return `it is an export CSV; ${input}`;
  if (isUtf16(bytes)) return UTF16_FIX;
  const parser = plainLine(error.message); // (the bytes it quotes kept on one line, escaped)
  const trimmed = text.trimStart();
  if (
    /\.ya?ml$/i.test(path) ||
    (!/^[{["]/.test(trimmed) && /^(---\s*$|[A-Za-z_][\w-]*\s*:)/m.test(trimmed))
  ) {
    return `it looks like YAML (${parser}); a scenario is JSON (YAML is not read): write it as JSON, as scenarios/per_request.json`;
  }
  // the parser names the place (not always: "Unexpected token ']'" has no position), not the fix
  const named = Number(/at position (\d+)/.exec(error.message)?.[1] ?? NaN);
  // "Unexpected token 'N', …" of NaN, Infinity or a word meant as a string: no position either
  const token = /^Unexpected token '(.)'/.exec(error.message)?.[1];
  const bare = Number.isNaN(named) && token !== undefined ? firstBareWord(text) : null;
  if (bare && bare.word.startsWith(token!) && (firstSlip(text) ?? Infinity) > bare.at) {
    return `${parser}: ${bare.word} at ${
      lineOf(text, bare.at)
    } is no JSON value (JSON takes numbers, "strings", true, false and null): write a number, or quote it`;
  }
  const at = Number.isNaN(named) ? firstSlip(text) : named;
  if (at === null) return parser;
  if (/^Unexpected non-whitespace character after JSON/.test(error.message)) {
    return `${parser}: text follows the scenario's last closing bracket; a file holds one scenario: remove what follows`;
  }
  if (at >= text.trimEnd().length && !/^Unexpected token/.test(error.message)) {
    return `${parser}: the file ends before every { and [ is closed (cut short?): complete it`;
  }
  const rest = text.slice(at);
  if (rest.startsWith("//") || rest.startsWith("/*")) {
    return `${parser}: a comment at ${
      lineOf(text, at)
    } (JSON has none): remove it, or say it in "description"`;
  }
  const before = text.slice(0, at).trimEnd();
  if ((rest.startsWith("}") || rest.startsWith("]")) && before.endsWith(",")) {
    return `${parser}: a comma before ${rest[0]} at ${
      lineOf(text, before.length - 1)
    } (JSON allows no trailing comma): remove it`;
  }
  if (/^[A-Za-z_$][\w$]*\s*:/.test(rest)) {
    return `${parser}: a name without quotes at ${
      lineOf(text, at)
    } (JSON names take double quotes): write "${/^[\w$]+/.exec(rest)![0]}"`;
  }
  if (rest.startsWith("'")) {
    return `${parser}: a single quote at ${
      lineOf(text, at)
    } (JSON strings and names take double quotes): write "…"`;
  }
  return parser;
}

/**
 * Where the first comment, trailing comma's closing bracket or single quote outside a string is
 * in `text`, or null: for a parser message that names no position.
 */
function firstSlip(text: string): number | null {
  const outside = stringsBlanked(text);
  const slip = /\/\/|\/\*|,\s*([}\]])|'/.exec(outside);
  if (!slip) return null;
  return slip[1] ? slip.index + slip[0].length - 1 : slip.index;
}

/**
 * The path of the first key an object of `text` (valid JSON) gives twice (`plans[0].perSeatUsd`,
 * `name` at the top level), or null when none does.
 */
export function firstDuplicateKey(text: string): string | null {
  interface Level {
    object: boolean;
    path: string;
    keys: Set<string>;
    /** an object's key being read (its value follows); an array's element index */
    key: string;
    index: number;
    expectingKey: boolean;
  }
  const stack: Level[] = [];
  const childPath = (level: Level) =>
    level.object
      ? (level.path ? `${level.path}.${level.key}` : level.key)
      : `${level.path}[${level.index}]`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack.at(-1);
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (top?.object && top.expectingKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return top.path ? `${top.path}.${key}` : key;
        top.keys.add(key);
        top.key = key;
        top.expectingKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      stack.push({
        object: c === "{",
        path: top ? childPath(top) : "",
        keys: new Set(),
        key: "",
        index: 0,
        expectingKey: c === "{",
      });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === "," && top) {
      if (top.object) top.expectingKey = true;
      else top.index++;
    }
  }
  return null;
}
