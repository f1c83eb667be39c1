/**
 * The XLSX archive with its data sheet streamed in: ExcelJS's archive copied entry by entry, the
 * data sheet's template row replaced by row XML as it is produced (xlsx_stream.ts), workbook.xml
 * given the autofilters' hidden names, the images added last.
 */
import type { Writable } from "node:stream";
import { type DosTime, entryBytes, readZipEntries, type ZipEntry, ZipWriter } from "./zip.ts";
import type { AddedEntry } from "./xlsx_images.ts";
import { xmlText } from "./xlsx_text.ts";

/**
 * zlib level 1: 7× faster than the default 6 on sheet XML (0.65 s vs 4.5 s for 137 MB) for a file
 * 1.6× larger, about the size ExcelJS's own archives had.
 */
const DEFLATE_LEVEL = 1;

/** The archive path of a sheet, by its name, from workbook.xml and its relationships. */
function sheetPath(entries: ZipEntry[], sheet: string): string {
  const text = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new Error(`workbook lacks ${name}`);
    return new TextDecoder().decode(entryBytes(entry));
  };
  const workbook = text("xl/workbook.xml");
  const escaped = xmlText(sheet).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const id = workbook.match(new RegExp(`<sheet [^>]*name="${escaped}"[^>]*r:id="([^"]+)"`))?.[1];
  if (!id) throw new Error(`workbook has no sheet ${sheet}`);
  const rels = text("xl/_rels/workbook.xml.rels");
  const target = rels.match(new RegExp(`<Relationship [^>]*Id="${id}"[^>]*Target="([^"]+)"`))
    ?.[1];
  if (!target) throw new Error(`workbook relationships lack ${id}`);
  return target.startsWith("/") ? target.slice(1) : `xl/${target}`;
}

export interface StreamedSheetOptions {
  /** ExcelJS's archive, the streamed sheet holding its header and the template row 2 */
  template: Uint8Array;
  /** the sheet's name */
  sheet: string;
  /** row XML for rows 2…, given each column's style id from the template row */
  rows: (styles: string[]) => Iterable<Uint8Array>;
  out: Writable;
  /** new text of a template entry (another sheet gaining a drawing), or undefined to copy it */
  edit?: (name: string, text: string) => string | undefined;
  /** entry names `edit` changes (the others are copied without being inflated) */
  edited?: string[];
  /** entries added after the template's */
  added?: AddedEntry[];
  /** entries appended last, awaited once everything else is written (images rendered meanwhile) */
  tail?: () => Promise<AddedEntry[]>;
  /** each sheet's autofilter range by sheet name: workbook.xml gets their hidden names */
  autoFilters?: ReadonlyMap<string, string>;
  /**
   * every entry's time (the workbook's document date): ExcelJS stamps its entries with the time
   * of writing, which made two writes of one workbook differ
   */
  entryTime: DosTime;
}

const WORKBOOK = "xl/workbook.xml";

/**
 * workbook.xml with a hidden `_xlnm._FilterDatabase` name for each sheet's autofilter (`ranges`:
 * by sheet name), as Excel writes them and ExcelJS does not: LibreOffice drops an autofilter
 * without its name (no filter buttons, and none in a file it saves again).
 */
export function withFilterDatabases(
  workbook: string,
  ranges: ReadonlyMap<string, string>,
): string {
  const byEscapedName = new Map([...ranges].map(([name, range]) => [xmlText(name), range]));
  const sheets = [...workbook.matchAll(/<sheet [^>]*name="([^"]*)"/g)].map((m) => m[1]);
  const added = sheets.map((escapedName, index) => {
    const ref = byEscapedName.get(escapedName);
    if (!ref) return "";
    // the name as workbook.xml holds it (XML-escaped), quoted: '…' with a quote in it doubled
    const quoted = `'${escapedName.replaceAll("&apos;", "'").replaceAll("'", "''")}'`;
    const range = ref.replace(/([A-Z]+)(\d+)/g, "$$$1$$$2");
    return `<definedName name="_xlnm._FilterDatabase" localSheetId="${index}" hidden="1">` +
      `${quoted.replaceAll("'", "&apos;")}!${range}</definedName>`;
  }).join("");
  if (added === "") return workbook;
  return workbook.includes("<definedNames>")
    ? workbook.replace("<definedNames>", `<definedNames>${added}`)
    : workbook.replace("</sheets>", `</sheets><definedNames>${added}</definedNames>`);
}

/** Writes the template's archive to `out` with the sheet's template row replaced by `rows`. */
export async function writeWithStreamedSheet(options: StreamedSheetOptions): Promise<void> {
  const entries = readZipEntries(options.template);
  const path = sheetPath(entries, options.sheet);
  const entry = entries.find((e) => e.name === path)!;
  const xml = new TextDecoder().decode(entryBytes(entry));
  const template = xml.match(/<row r="2"[^>]*>.*?<\/row>/);
  if (!template || template.index === undefined) {
    throw new Error(`sheet ${options.sheet} has no template row`);
  }
  const styles: string[] = [];
  for (const cell of template[0].matchAll(/<c r="([A-Z]+)2"(?: s="(\d+)")?/g)) {
    let index = 0;
    for (const letter of cell[1]) index = index * 26 + letter.charCodeAt(0) - 64;
    styles[index - 1] = cell[2] ?? "";
  }
  const before = xml.slice(0, template.index);
  const after = xml.slice(template.index + template[0].length);
  const names = new Set(entries.map((e) => e.name));
  const clash = (options.added ?? []).find((a) => names.has(a.name));
  if (clash) throw new Error(`workbook template already has ${clash.name}`);
  const missing = (options.edited ?? []).find((name) => !names.has(name));
  if (missing) throw new Error(`workbook template lacks ${missing}`);
  const zip = new ZipWriter(options.out);
  const time = options.entryTime;
  const add = (added: AddedEntry) =>
    "text" in added
      ? zip.deflate(added.name, [added.text], time)
      : zip.store(added.name, added.bytes, time);
  for (const e of entries) {
    if (e.name === path) {
      await zip.deflate(
        path,
        (function* () {
          yield before;
          yield* options.rows(styles);
          yield after;
        })(),
        { ...time, level: DEFLATE_LEVEL },
      );
      continue;
    }
    let edited = options.edited?.includes(e.name)
      ? options.edit?.(e.name, new TextDecoder().decode(entryBytes(e)))
      : undefined;
    if (e.name === WORKBOOK && options.autoFilters) {
      edited = withFilterDatabases(
        edited ?? new TextDecoder().decode(entryBytes(e)),
        options.autoFilters,
      );
    }
    if (edited === undefined) await zip.copy({ ...e, ...time });
    else await zip.deflate(e.name, [edited], time);
  }
  for (const added of options.added ?? []) await add(added);
  for (const added of await options.tail?.() ?? []) await add(added);
  await zip.finish();
}
