/**
 * One worksheet of an XLSX workbook, its cells read straight from the archive's XML, for the
 * export's reader (lib/formats/read_export.ts). Text comes back as it was entered: XML's entities
 * and character references resolved once, then Office Open XML's `_xHHHH_` escape decoded
 * (ECMA-376 ST_Xstring; `_x005F_` is a literal `_`), in `t="str"` cells, inline strings and shared
 * strings alike. ExcelJS's reader did neither for a `t="str"` cell (the kind both writers write):
 * it resolved the entities a second time (`&amp;amp;` came back `&`) and left the escape as
 * written, so a name did not read back as the CSV holds it.
 */
import { Buffer } from "node:buffer";
import { posix } from "node:path";
import { entryBytes, readZipEntries, type ZipEntry } from "./zip.ts";

/**
 * A cell: text, number, boolean, an error (`#N/A`), a formula with no saved value (a workbook
 * written by a program, never opened and saved by a spreadsheet), or null (a cell without a value).
 */
export type XlsxValue =
  | string
  | number
  | boolean
  | null
  | { error: string }
  | { unsavedFormula: string };

export interface XlsxSheet {
  name: string;
  /** the rows with cells, in order: the 1-based row number, the values by 0-based column */
  rows: { number: number; values: XlsxValue[] }[];
  /** the workbook counts days from 1904 (an option of Excel): its day serials are 1,462 less */
  date1904: boolean;
}

const decoder = new TextDecoder();

/** An element's name in a pattern, with any namespace prefix (`x:row`). */
const tag = (name: string) => String.raw`<(?:[\w.-]+:)?${name}\b`;
const close = (name: string) => String.raw`</(?:[\w.-]+:)?${name}\s*>`;
/** An element with its attributes (group 1) and content (group 2; undefined when `<x/>`). */
const element = (name: string) =>
  new RegExp(String.raw`${tag(name)}([^>]*?)(?:/>|>([\s\S]*?)${close(name)})`, "g");

const ROW = element("row");
const CELL = element("c");
const SHARED_STRING = element("si");
const SHEET = element("sheet");
const RELATIONSHIP = element("Relationship");
const VALUE = new RegExp(String.raw`${tag("v")}[^>]*?(?:/>|>([\s\S]*?)${close("v")})`);
const FORMULA = new RegExp(String.raw`${tag("f")}[^>]*?(?:/>|>([\s\S]*?)${close("f")})`);
const INLINE = new RegExp(String.raw`${tag("is")}[^>]*?(?:/>|>([\s\S]*?)${close("is")})`);
const TEXT = new RegExp(String.raw`${tag("t")}[^>]*?(?:/>|>([\s\S]*?)${close("t")})`, "g");
/** A phonetic run (`<rPh>`): a reading shown above the text, not part of it. */
const PHONETIC = new RegExp(String.raw`${tag("rPh")}[\s\S]*?${close("rPh")}`, "g");
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Text content as an XML parser gives it: line ends normalised, then references resolved. */
function parsedText(raw: string): string {
  return raw.replace(/\r\n?/g, "\n").replace(
    /<!\[CDATA\[([\s\S]*?)\]\]>|&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9A-Fa-f]+));/g,
    (_, cdata, name, decimal, hex) =>
      cdata !== undefined
        ? cdata
        : name !== undefined
        ? ENTITIES[name as keyof typeof ENTITIES]
        : String.fromCodePoint(decimal !== undefined ? Number(decimal) : parseInt(hex, 16)),
  );
}
const ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** OOXML's ST_Xstring decoded, left to right in one pass: `_x0001_` is U+0001, `_x005F_` `_`. */
export function decodeXstring(text: string): string {
  return text.includes("_x")
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}

/** A string item's text (`<si>`, `<is>`): its `<t>`s, rich-text runs' too, no phonetic reading. */
function itemText(content: string): string {
  let text = "";
  for (const t of content.replace(PHONETIC, "").matchAll(TEXT)) text += parsedText(t[1] ?? "");
  return decodeXstring(text);
}

function attributes(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const a of text.matchAll(ATTRIBUTE)) found[a[1]] = parsedText(a[2] ?? a[3]);
  return found;
}

/** An attribute by its local name, whatever its prefix (`r:id`). */
function prefixed(found: Record<string, string>, local: string): string | undefined {
  const key = Object.keys(found).find((k) => k === local || k.endsWith(`:${local}`));
  return key === undefined ? undefined : found[key];
}

/** A part's relationships: id → { type, archive path of the target }. */
function relationships(
  xml: string | null,
  partPath: string,
): Map<string, { type: string; path: string }> {
  const found = new Map<string, { type: string; path: string }>();
  for (const r of (xml ?? "").matchAll(RELATIONSHIP)) {
    const a = attributes(r[1]);
    if (!a.Id || !a.Target || a.TargetMode === "External") continue;
    const path = a.Target.startsWith("/")
      ? a.Target.slice(1)
      : posix.normalize(posix.join(posix.dirname(partPath), a.Target));
    found.set(a.Id, { type: a.Type ?? "", path });
  }
  return found;
}

/** `AB` of `AB12` as a 0-based column index; -1 without letters. */
function columnIndex(reference: string): number {
  let index = 0;
  let i = 0;
  for (; i < reference.length; i++) {
    const code = reference.charCodeAt(i) & ~0x20; // upper case
    if (code < 65 || code > 90) break;
    index = index * 26 + code - 64;
  }
  return i === 0 ? -1 : index - 1;
}

/**
 * A cell's value from its type (`t`) and content, read with the workbook's shared strings (made
 * once a sheet: the reader runs once a cell).
 */
function cellValueOf(shared: string[]): (type: string | undefined, content: string) => XlsxValue {
  return (type, content) => {
    if (type === "inlineStr") {
      const inline = content.match(INLINE);
      if (inline) return itemText(inline[1] ?? "");
    }
    const raw = content.match(VALUE)?.[1];
    if (raw === undefined) {
      // only a spreadsheet computes a formula: without its saved value the cell's figure is unknown
      const formula = content.match(FORMULA);
      return formula ? { unsavedFormula: parsedText(formula[1] ?? "") } : null;
    }
    switch (type) {
      case "s": {
        const text = shared[Number(raw)];
        if (text === undefined) {
          throw new Error(`a cell names shared string ${raw}, which is missing`);
        }
        return text;
      }
      case "str":
      case "inlineStr":
        return decodeXstring(parsedText(raw));
      case "b":
        return raw.trim() === "1" || raw.trim() === "true";
      case "e":
        return { error: parsedText(raw) };
      case "d": // an ISO 8601 date
        return parsedText(raw);
      default: {
        if (raw.trim() === "") return null;
        // a number cell an editor left "inf", "NaN" or 1e400 in: its text, for the reader to quote
        // (Number read them as NaN or Infinity, quoted as such: "NaN is not a number" of "inf")
        const value = Number(raw);
        return Number.isFinite(value) ? value : parsedText(raw);
      }
    }
  };
}

/** Bytes of sheet XML decoded at a time (whole rows): a large sheet is more than a string holds. */
const WINDOW_BYTES = 1 << 24;

/** The rows of a worksheet's XML (UTF-8), window by window. */
function* sheetRows(bytes: Uint8Array, shared: string[]): Generator<XlsxSheet["rows"][number]> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // a window ends after a row's end tag (`</row>`, `</x:row>` as the sheet names it), so no row
  // is split between two
  const rowName = decoder.decode(buffer.subarray(0, 1 << 16)).match(/<((?:[\w.-]+:)?row)\b/)?.[1];
  const rowEnd = Buffer.from(`</${rowName ?? "row"}>`);
  const cellValue = cellValueOf(shared);
  let previousRow = 0;
  for (let at = 0; at < buffer.length;) {
    let end = buffer.length;
    if (at + WINDOW_BYTES < buffer.length) {
      const found = buffer.indexOf(rowEnd, at + WINDOW_BYTES);
      if (found >= 0) end = found + rowEnd.length;
    }
    const xml = decoder.decode(buffer.subarray(at, end));
    at = end;
    for (const row of xml.matchAll(ROW)) {
      const number = Number(attributes(row[1]).r ?? previousRow + 1);
      previousRow = number;
      const values: XlsxValue[] = [];
      let previousColumn = -1;
      for (const cell of (row[2] ?? "").matchAll(CELL)) {
        const a = attributes(cell[1]);
        const column = a.r === undefined ? previousColumn + 1 : columnIndex(a.r);
        if (column < 0) throw new Error(`row ${number} has a cell at ${a.r}, not a cell reference`);
        previousColumn = column;
        values[column] = cellValue(a.t, cell[2] ?? "");
      }
      if (values.some((v) => v !== null && v !== undefined)) yield { number, values };
    }
  }
}

/**
 * The worksheet named `name` of an XLSX archive, else its first. Throws an Error saying what is
 * missing or damaged (the caller names the file).
 */
export function readXlsxSheet(archive: Uint8Array, name: string): XlsxSheet {
  const entries = new Map<string, ZipEntry>(readZipEntries(archive).map((e) => [e.name, e]));
  const text = (path: string) => {
    const entry = entries.get(path);
    return entry ? decoder.decode(entryBytes(entry)) : null;
  };
  const root = relationships(text("_rels/.rels"), "");
  const workbookPath = [...root.values()].find((r) => r.type.endsWith("/officeDocument"))?.path ??
    "xl/workbook.xml";
  const workbook = text(workbookPath);
  if (workbook === null) throw new Error(`it has no ${workbookPath}`);
  const parts = relationships(
    text(posix.join(posix.dirname(workbookPath), "_rels", `${posix.basename(workbookPath)}.rels`)),
    workbookPath,
  );
  const sheets = [...workbook.matchAll(SHEET)].map((s) => attributes(s[1]));
  const chosen = sheets.find((s) => s.name === name) ?? sheets[0];
  if (chosen === undefined) throw new Error("its workbook lists no sheet");
  const sheetPath = parts.get(prefixed(chosen, "id") ?? "")?.path;
  const sheet = sheetPath === undefined ? undefined : entries.get(sheetPath);
  if (sheet === undefined) throw new Error(`sheet ${chosen.name} has no part in the archive`);
  const sharedPath = [...parts.values()].find((r) => r.type.endsWith("/sharedStrings"))?.path;
  const shared = [...(text(sharedPath ?? "") ?? "").matchAll(SHARED_STRING)]
    .map((s) => itemText(s[2] ?? ""));
  const properties = workbook.match(new RegExp(String.raw`${tag("workbookPr")}([^>]*)>`));
  const date1904 = /^(1|true)$/.test(attributes(properties?.[1] ?? "").date1904 ?? "");
  return {
    name: chosen.name ?? "",
    rows: [...sheetRows(entryBytes(sheet), shared)],
    date1904,
  };
}
