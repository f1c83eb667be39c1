/**
 * An export CSV read back into the typed frame. A well-formed file is read column-wise by Polars
 * (numbers parsed as Float64, the rest as text, converted by column): a million organizations'
 * export (211 MB) reads in ~2.1 s with a peak of ~850 MB, where rows of JS strings took ~16 s and
 * 3.8 GB (compare, scenario --input, the MCP server). Anything unusual — a quote inside a
 * field, a bare CR, a row of another width, an unterminated quote, a value its column does not
 * take, bytes that are not UTF-8 — goes to the row reader (parseCsv), which says what is wrong,
 * row and column, exactly as before.
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { type ColumnDef, COLUMNS } from "../frame/columns.ts";
import { UserError } from "../core/config.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { parseCsv } from "./csv_parse.ts";
import {
  checkExportHeader,
  CSV_AS_SHOWN_FIX,
  exportSeries,
  frameFromRows,
  type HeaderOptions,
  orgRows,
  otherSeparatorError,
  type SourceOptions,
} from "./export_cells.ts";
import { readInPieces } from "./files.ts";
import { GUARDED_PATTERN } from "./formula_guard.ts";
import { quoteValue } from "../core/quote.ts";

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Checks, a chunk at a time, that a CSV's bytes are what Polars and parseCsv read alike: quotes
 * only around whole fields, CRLF or LF line ends, every record `width` fields wide (without one,
 * as wide as the first record, the header).
 */
export class CsvShapeCheck {
  #width: number | null;
  #inQuotes = false;
  #quoteInQuotes = false; // a quote inside quotes: doubled, or the closing one
  #fieldStart = true;
  #afterQuote = false; // a quoted field has closed: only a comma or a line end may follow
  #cr = false;
  #inRecord = false;
  #fields = 0;
  #offset = 0;
  /** records seen so far (the header included) */
  records = 0;
  /** byte offset just past the first record's line end (the header), once seen */
  headerEnd = -1;
  /** false once something unusual was seen */
  ok = true;

  constructor(width?: number) {
    this.#width = width ?? null;
  }

  /** Reads the next bytes; false once something unusual was seen. */
  push(bytes: Uint8Array): boolean {
    if (!this.ok) return false;
    let i = 0;
    // a UTF-8 BOM is not part of the first header (both readers skip it)
    if (this.#offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
    for (; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.#inQuotes) {
        if (!this.#quoteInQuotes) {
          if (byte === QUOTE) this.#quoteInQuotes = true;
          continue;
        }
        this.#quoteInQuotes = false;
        if (byte === QUOTE) continue; // "" is a quote in the text
        this.#inQuotes = false;
        this.#afterQuote = true; // the quote before closed the field; read this byte outside
      }
      if (this.#cr) {
        this.#cr = false;
        if (byte !== LF) return this.#unusual();
      }
      if (byte === COMMA) {
        this.#fields++;
        this.#fieldStart = true;
        this.#afterQuote = false;
        this.#inRecord = true;
      } else if (byte === LF) {
        if (!this.#endRecord(this.#offset + i + 1)) return false;
      } else if (byte === CR) {
        this.#cr = true;
      } else if (byte === QUOTE) {
        if (!this.#fieldStart) return this.#unusual();
        this.#inQuotes = true;
        this.#fieldStart = false;
        this.#inRecord = true;
      } else {
        if (this.#afterQuote) return this.#unusual();
        this.#fieldStart = false;
        this.#inRecord = true;
      }
    }
    this.#offset += bytes.length;
    return true;
  }

  /** Ends the input: true when the whole file was well-formed. */
  finish(): boolean {
    if (!this.ok) return false;
    if (this.#inQuotes && this.#quoteInQuotes) this.#inQuotes = false; // closed at the very end
    if (this.#inQuotes || this.#cr) return this.#unusual();
    if (this.#inRecord && !this.#endRecord(this.#offset)) return false;
    return this.ok;
  }

  #endRecord(end: number): boolean {
    this.#width ??= this.#fields + 1;
    if (this.#fields + 1 !== this.#width) return this.#unusual(); // an empty line is one field
    this.records++;
    if (this.headerEnd < 0) this.headerEnd = end;
    this.#fields = 0;
    this.#fieldStart = true;
    this.#afterQuote = false;
    this.#inRecord = false;
    return true;
  }

  #unusual(): false {
    this.ok = false;
    return false;
  }
}

/** CSV text of an export → typed frame. */
export function exportFrameFromCsvText(
  text: string,
  { source = "CSV", ...header }: Partial<SourceOptions> = {},
): pl.DataFrame {
  return columnarFromBytes(new TextEncoder().encode(text), { source, ...header }) ??
    exportFrameFromCsvRows(text, { source, ...header });
}

/**
 * What to read of an export file: with `columns`, only those (org_id always), in table order;
 * an earlier version's export too with `earlierVersion` (HeaderOptions).
 */
export interface ExportReadOptions extends HeaderOptions {
  /** names the file in errors (default: its path) */
  source?: string;
  columns?: readonly string[];
  /**
   * a command's Ctrl-C or SIGTERM, checked between the read's pieces and steps (its reason
   * thrown): each of Polars' native calls runs to its end (columnarFromFile)
   */
  signal?: AbortSignal;
}

/** The column table's definitions `columns` names, org_id among them; every one without. */
export function wantedColumns(columns?: readonly string[]): readonly ColumnDef[] {
  return columns
    ? COLUMNS.filter((def) => def.name === "org_id" || columns.includes(def.name))
    : COLUMNS;
}

/**
 * An export CSV file → typed frame, read column-wise when it is well-formed (see the top). With
 * `columns` only those are parsed and checked (a million organizations' 46 columns read as text
 * take ~810 MB, compare's 31 ~310 MB); the row reader, when it is needed, reads every one.
 */
export async function exportFrameFromCsvFile(
  path: string,
  { source = path, columns, signal, ...header }: ExportReadOptions = {},
): Promise<pl.DataFrame> {
  const defs = wantedColumns(columns);
  const frame = await columnarFromFile(path, { source, defs, signal, ...header }) ??
    exportFrameFromCsvRows(utf8Text(await Deno.readFile(path), source), { source, ...header })
      .select(...defs.map((def) => def.name));
  // the read's own frames (text columns before typing) are garbage now: a large file's are freed
  // before the caller reads the next (under --expose-gc; see collectDroppedFrames)
  await collectDroppedFrames({ rows: frame.height });
  return frame;
}

/**
 * The columnar read of CSV bytes (a header that is not ours throws, as in the row reader); null
 * when they are not well-formed or hold a value its column does not take: the row reader says which.
 */
export function columnarFromBytes(
  bytes: Uint8Array,
  options: SourceOptions,
): pl.DataFrame | null {
  const check = new CsvShapeCheck();
  check.push(bytes);
  if (!check.finish()) return null;
  const steps = columnarSteps({ body: Buffer.from(bytes), check, head: bytes, ...options });
  for (let step = steps.next();; step = steps.next()) if (step.done) return step.value;
}

/**
 * columnarFromBytes for a file, checked a piece at a time: its bytes are never all in memory.
 * `signal` (a command's stop) is checked between the pieces and between the read's steps, the
 * event loop let turn before each (so a signal's listener runs): at a million organizations the
 * read was one block of 3–7 s; its longest step is Polars' read of the file, one native call
 * that is not cut short (docs/performance_history.md, Stop 58).
 */
export async function columnarFromFile(
  path: string,
  { source = path, defs = COLUMNS, signal, ...header }: {
    defs?: readonly ColumnDef[];
    signal?: AbortSignal;
  } & Partial<SourceOptions> = {},
): Promise<pl.DataFrame | null> {
  const check = new CsvShapeCheck();
  let head: Uint8Array | undefined; // the first piece (the header is in it)
  await readInPieces(path, (piece) => {
    signal?.throwIfAborted();
    head ??= piece.slice();
    return check.push(piece);
  });
  if (!check.finish()) return null;
  const steps = columnarSteps({ body: path, check, head, source, defs, ...header });
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
    signal?.throwIfAborted();
  }
}

/** Export columns Polars parses as it reads: whole numbers and numbers, as Float64 (checked after). */
const PARSED_AS_FLOAT = new Set(["integer", "number"]);

/**
 * The columnar read of a well-formed file, or null when a value is not its column's (the row
 * reader then says which). The header is checked first, as the row reader does. Yields between
 * its steps (Polars' read, the census, the typing, the rows' check), where a caller may stop.
 */
function* columnarSteps(
  { body, check, head, source, defs: wanted = COLUMNS, ...header }: {
    body: string | Buffer;
    check: CsvShapeCheck;
    head?: Uint8Array;
    source: string;
    /** the columns to read, in the column table's order (default: all) */
    defs?: readonly ColumnDef[];
  } & HeaderOptions,
): Generator<void, pl.DataFrame | null> {
  if (check.records === 0 || head === undefined || check.headerEnd > head.length) return null;
  const headerText = new TextDecoder().decode(head.subarray(0, check.headerEnd));
  const inFile = checkExportHeader(parseCsv(headerText)[0] ?? [], { source, ...header });
  // the wanted columns the file has (an earlier version's lacks some: empty, at the end)
  const defs = wanted.filter((def) => inFile.includes(def));
  let raw: pl.DataFrame;
  try {
    raw = pl.readCSV(body, {
      hasHeader: true,
      inferSchemaLength: 0, // text, but for the columns below
      dtypes: Object.fromEntries(
        defs.filter((def) => PARSED_AS_FLOAT.has(def.type)).map((def) => [def.name, pl.Float64]),
      ),
      // by place (the header is a kit version's, checked above), in the file's order
      ...(defs.length < inFile.length
        ? { projection: defs.map((def) => inFile.indexOf(def)) as unknown as number }
        : {}),
      rechunk: false, // (rechunking copies the whole frame: ~+500 MB at a million rows)
    });
  } catch {
    return null; // a number Polars cannot parse, bytes that are not UTF-8, …
  }
  if (raw.width !== defs.length || raw.height !== check.records - 1) return null;
  yield;
  // Polars' names are the header's (a BOM would stay on the first): columns are taken by place.
  const byPlace = defs.map((def, c) => pl.col(raw.columns[c]).alias(def.name));
  const named = raw.select(...byPlace);
  // one pass over every column: values the row reader would refuse, "" in text columns (a quoted
  // empty field; the kit writes none) and text the writer guarded (lib/formats/formula_guard.ts),
  // so text columns without either are taken as they are (rewriting every one would copy them)
  const census = named.select(
    ...defs.map((def) => badValues(def).alias(`bad ${def.name}`)),
    ...defs.map((def) => emptyTexts(def).alias(`empty ${def.name}`)),
    ...defs.map((def) => guardedTexts(def).alias(`guarded ${def.name}`)),
  ).toRecords()[0];
  if (defs.some((def) => Number(census[`bad ${def.name}`]) > 0)) return null;
  yield;
  const typed = named.select(
    ...wanted.map((def) =>
      defs.includes(def)
        ? typedColumn(def, {
          emptyTexts: Number(census[`empty ${def.name}`]) > 0,
          guarded: Number(census[`guarded ${def.name}`]) > 0,
        }).alias(def.name)
        : pl.lit(null).cast(exportSeries(def, []).dtype).alias(def.name)
    ),
  );
  yield;
  return orgRows(typed, { source, firstDataRow: 2 });
}

/** How many values of a raw column the row reader would refuse (or, datetimes, not read alike). */
function badValues(def: ColumnDef): pl.Expr {
  const value = pl.col(def.name);
  switch (def.type) {
    case "number":
      return value.isNotNull().and(value.isFinite().not()).sum();
    case "integer": // (past 2^53 − 1 no whole number is exact, and the Int64 cast nulls 1e23)
      return value.isNotNull().and(
        value.isFinite().not().or(value.floor().neq(value)).or(
          value.abs().gt(pl.lit(Number.MAX_SAFE_INTEGER)),
        ).or(def.unit === "count" ? value.lt(pl.lit(0)) : pl.lit(false)),
      ).sum();
    case "boolean": // any case: a spreadsheet saves TRUE and FALSE
      return value.isNotNull().and(value.str.toLowerCase().isIn(["true", "false", ""]).not())
        .sum();
    case "datetime": // the writer's form only (other forms JS reads: the row reader's)
      return value.isNotNull().and(
        value.str.contains(WRITTEN_INSTANT).not().or(instant(value).isNull()),
      ).sum();
    case "string": // ("" is empty, as the row reader reads it)
      return def.values
        ? value.isNotNull().and(value.isIn([...def.values, ""]).not()).sum()
        : pl.lit(0);
  }
}

/** An instant as the writer writes it: toISOString, `.000` left out (lib/formats/csv_rows.ts). */
const WRITTEN_INSTANT = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$";

/** The instant of a written datetime's text; null where the calendar has no such day (Feb 30). */
function instant(text: pl.Expr): pl.Expr {
  return text.str.strptime(pl.Datetime("ms"), "%Y-%m-%dT%H:%M:%S%.fZ").cast(pl.Datetime("ms"));
}

/** How many "" a raw text column holds (other columns: 0). */
function emptyTexts(def: ColumnDef): pl.Expr {
  return def.type === "string" ? pl.col(def.name).eq(pl.lit("")).sum() : pl.lit(0);
}

/** How many values of a raw text column carry the writers' formula guard (other columns: 0). */
function guardedTexts(def: ColumnDef): pl.Expr {
  return def.type === "string"
    ? pl.col(def.name).str.contains(GUARDED_PATTERN).fillNull(false).cast(pl.UInt32).sum()
    : pl.lit(0);
}

/**
 * A raw column as the row reader types it ("" is empty; text without the writers' formula guard;
 * datetimes in the writer's form).
 */
function typedColumn(
  def: ColumnDef,
  { emptyTexts, guarded }: { emptyTexts: boolean; guarded: boolean },
): pl.Expr {
  const raw = pl.col(def.name);
  const value = guarded
    ? pl.when(raw.str.contains(GUARDED_PATTERN)).then(raw.str.slice(1)).otherwise(raw)
    : raw;
  switch (def.type) {
    case "number":
      return value;
    case "integer":
      return value.cast(pl.Int64);
    case "boolean": {
      const lower = value.str.toLowerCase();
      return pl.when(lower.eq(pl.lit("true"))).then(pl.lit(true))
        .when(lower.eq(pl.lit("false"))).then(pl.lit(false))
        .otherwise(pl.lit(null).cast(pl.Bool));
    }
    case "string":
      return emptyTexts
        ? pl.when(value.eq(pl.lit(""))).then(pl.lit(null).cast(pl.Utf8)).otherwise(value)
        : value;
    case "datetime":
      return instant(value);
  }
}

/**
 * A CSV file's bytes as text, refused in one line naming the row and column of the first byte that
 * is not UTF-8 (a file saved as Windows-1252, Excel's "CSV (Comma delimited)"): decoded leniently,
 * it became U+FFFD, and history import kept "Caf\uFFFD" as the organization's name for good.
 */
export function utf8Text(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // the first bad byte: its text before it decodes alike either way, so it is at that length
    const at = firstNonUtf8(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, at)).length;
    const lenient = new TextDecoder().decode(bytes);
    const byte = `byte 0x${bytes[at].toString(16).toUpperCase().padStart(2, "0")}`;
    const fix = 'save it as UTF-8 (Excel: "CSV UTF-8")';
    // marked with a character the text lacks, the cell that holds it is found as the reader parses
    let mark = 0xe000;
    while (lenient.includes(String.fromCharCode(mark))) mark++;
    const marked = lenient.slice(0, before) + String.fromCharCode(mark) +
      lenient.slice(before + 1);
    let rows: string[][] = [];
    try {
      rows = parseCsv(marked);
    } catch { /* not CSV either: said by place alone */ }
    for (let r = 0; r < rows.length; r++) {
      const c = rows[r].findIndex((cell) => cell.includes(String.fromCharCode(mark)));
      if (c < 0) continue;
      const cell = rows[r][c].replace(String.fromCharCode(mark), "\uFFFD");
      const column = r === 0 ? "in the header" : `column ${rows[0]?.[c] ?? c + 1}`;
      throw new UserError(
        `${source} row ${r + 1}, ${column}: ${
          quoteValue(cell)
        } holds ${byte}, which is not UTF-8 (the file was saved in another encoding, such as Windows-1252): ${fix}`,
      );
    }
    throw new UserError(`${source} is not UTF-8 text (${byte} at offset ${at}): ${fix}`);
  }
}

/** The offset of the first byte that starts no valid UTF-8 sequence (RFC 3629). */
function firstNonUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b < 0xc2 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    // the second byte's range rules out overlong forms, surrogates and code points past U+10FFFF
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (!(next >= (k === 1 ? low : 0x80) && next <= (k === 1 ? high : 0xbf))) return i;
    }
    i += length;
  }
  return bytes.length;
}

/** The row reader: parseCsv's rows, each cell read for its column; errors name row and column. */
export function exportFrameFromCsvRows(
  text: string,
  { source, ...header }: SourceOptions,
): pl.DataFrame {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    // a file saved with `;` or tabs reads as broken CSV: the header says which it is
    const separated = otherSeparatorError([text.slice(0, text.search(/\r?\n|$/))], source);
    throw new UserError(separated ?? `${source} is not valid CSV: ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new UserError(`${source} is empty; not an export of this kit`);
  const inFile = checkExportHeader(rows[0], { source, ...header });
  // A file written with a different width per row is damaged, not ours.
  const data = rows.slice(1);
  const short = data.findIndex((row) => row.length !== inFile.length);
  if (short >= 0) {
    throw new UserError(
      `${source} row ${short + 2} has ${
        data[short].length
      } fields, the header has ${inFile.length}`,
    );
  }
  return frameFromRows(data, {
    source,
    firstDataRow: 2,
    fileColumns: inFile,
    asShownFix: CSV_AS_SHOWN_FIX,
  });
}
