/**
 * Rows written straight into UTF-8 bytes, numbers as digits from their doubles. Concatenating a
 * row's cells into strings made V8 ropes that TextEncoder then had to flatten, and String() of
 * every number and the CSV's rounding through toPrecision cost ~150 ns a cell.
 *
 * The writers keep the buffer and the position in locals and call the put* functions, which
 * write without bounds checks: a ByteWriter keeps `slack` bytes free after every reserve() and
 * text(), enough for a row's markup and numbers (its strings go through text()).
 *
 * The put* functions take (buffer, at, value) positionally, against the style's options-object
 * rule: they run per cell, and an object per call would be an allocation per cell.
 */

import { needsFormulaGuard } from "./formula_guard.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** 10^0 … 10^22, every one exact in a double (written out, not computed by Math.pow). */
// deno-fmt-ignore
const POWERS_OF_10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** 10^0 … 10^-11 as the nearest doubles (compared with only: one off is corrected). */
// deno-fmt-ignore
const NEGATIVE_POWERS_OF_10 = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11];

/** Magnitudes below this are whole numbers exactly (2^53). */
const EXACT = 9007199254740992;

/** UTF-8 of a constant piece of markup. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Copies `bytes` (short constant markup) to `at`; returns the position after them. */
export function putBytes(buffer: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) buffer[at + i] = bytes[i];
  return at + n;
}

/**
 * Decimal digits of a whole number below 10^9, left-padded with zeros to `width`: small integers'
 * division is cheap, a double's is not (every caller splits larger numbers).
 */
function putDigits(buffer: Uint8Array, at: number, value: number, width: number): number {
  let v = value | 0;
  let n = v < 10
    ? 1
    : v < 100
    ? 2
    : v < 1000
    ? 3
    : v < 10_000
    ? 4
    : v < 100_000
    ? 5
    : v < 1_000_000
    ? 6
    : v < 10_000_000
    ? 7
    : v < 100_000_000
    ? 8
    : 9;
  if (n < width) n = width;
  for (let i = n - 1; i >= 0; i--) {
    const next = (v / 10) | 0;
    buffer[at + i] = 48 + v - next * 10;
    v = next;
  }
  return at + n;
}

/** Whether putInteger can write `value`: a whole number below 2^53 in magnitude. */
export function isSafeWhole(value: number): boolean {
  return Number.isInteger(value) && value < EXACT && value > -EXACT;
}

/** A whole number below 2^53 in magnitude as String(value) writes it ("0" for -0); ≤ 17 bytes. */
export function putInteger(buffer: Uint8Array, at: number, value: number): number {
  let v = value;
  if (v < 0) {
    buffer[at++] = 45; // "-"
    v = -v;
  }
  if (v < 1e9) return putDigits(buffer, at, v, 0);
  const high = Math.floor(v / 1e9); // two halves, each exact in a double
  return putDigits(buffer, putDigits(buffer, at, high, 0), v - high * 1e9, 9);
}

/** |value| × 10^(11 - exponent), in one correctly rounded operation. */
function scaleTo12(value: number, exponent: number): number {
  const power = 11 - exponent;
  if (power > 22 || power < -22) return Number.NaN;
  return power >= 0 ? value * POWERS_OF_10[power] : value / POWERS_OF_10[-power];
}

/**
 * A finite, non-whole `value` of 1e-11 ≤ |value| < 2^53 rounded to 12 significant digits, as
 * plain decimal text without trailing zeros (what formatNumber writes; ≤ 26 bytes). Returns -1,
 * having written nothing, when the value is out of that range or its scaled value too near a
 * rounding tie for a double's product to decide: the caller writes formatNumber(value) then.
 */
export function putDecimal12(buffer: Uint8Array, at: number, value: number): number {
  const v = value < 0 ? -value : value;
  if (!(v >= 1e-11 && v < EXACT)) return -1;
  // floor(log10(v)), or one off near a power of 10 (corrected below), by comparisons: over the few
  // decades money and ratios span, cheaper than Math.log10 (65 → 40 ns a value with the rest)
  let exponent = 0;
  if (v >= 1) {
    while (exponent < 15 && v >= POWERS_OF_10[exponent + 1]) exponent++;
  } else {
    exponent = -1;
    while (exponent > -11 && v < NEGATIVE_POWERS_OF_10[-exponent]) exponent--;
  }
  let scaled = scaleTo12(v, exponent);
  if (scaled < 1e11) scaled = scaleTo12(v, --exponent); // the estimate one off
  else if (scaled >= 1e12) scaled = scaleTo12(v, ++exponent);
  // The product is within 2^-14 (half an ulp below 1e12) of the exact value times 10^k: away
  // from a .5 by more than that, rounding it rounds the exact value as toPrecision(12) does.
  const fraction = scaled - Math.floor(scaled);
  if (!(scaled >= 1e11 && scaled < 1e12) || (fraction > 0.499 && fraction < 0.501)) return -1;
  let digits = Math.round(scaled);
  if (digits >= 1e12) { // 999999999999.7 → 10^12: one more integer digit
    digits = 1e11;
    exponent++;
  }
  // digits holds 12 significant digits: the value is digits × 10^(exponent - 11). Its halves
  // are small integers, whose division and remainder are cheap (a double's are not).
  let high = Math.floor(digits / 1e6) | 0;
  let low = (digits - high * 1e6) | 0;
  let count = 12; // significant digits, trailing zeros dropped
  if (low === 0) {
    count = 6;
    while (high % 10 === 0) {
      high = (high / 10) | 0;
      count--;
    }
  } else {
    while (low % 10 === 0) {
      low = (low / 10) | 0;
      count--;
    }
  }
  if (value < 0) buffer[at++] = 45;
  const integerDigits = exponent + 1;
  if (integerDigits <= 0) {
    buffer[at++] = 48; // "0"
    buffer[at++] = 46; // "."
    for (let i = integerDigits; i < 0; i++) buffer[at++] = 48;
  }
  // the point before digit `point` (none when it falls outside the digits)
  const point = integerDigits > 0 && integerDigits < count ? integerDigits : -1;
  const end = at + count + (point > 0 ? 1 : 0);
  let position = end;
  let index = count - 1;
  for (let rest = low; index >= 6; index--) {
    const next = (rest / 10) | 0;
    buffer[--position] = 48 + rest - next * 10;
    rest = next;
    if (index === point) buffer[--position] = 46;
  }
  for (let rest = high; index >= 0; index--) {
    const next = (rest / 10) | 0;
    buffer[--position] = 48 + rest - next * 10;
    rest = next;
    if (index === point) buffer[--position] = 46;
  }
  at = end;
  for (let i = count; i < integerDigits; i++) buffer[at++] = 48;
  return at;
}

/** ASCII text (String() of a number) to `at`; returns the position after it. */
export function putAscii(buffer: Uint8Array, at: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) buffer[at + i] = text.charCodeAt(i);
  return at + n;
}

/**
 * A growing byte buffer. `take()` hands out a copy of what was written and restarts, reusing the
 * buffer.
 */
export class ByteWriter {
  buffer: Uint8Array;
  /** the buffer as a DataView (the XLSX rows' markup is written four bytes at a time) */
  view: DataView;
  length = 0;
  /** bytes kept free after reserve() and text() */
  readonly slack: number;

  constructor(options: { capacity: number; slack: number }) {
    this.slack = options.slack;
    this.buffer = new Uint8Array(Math.max(options.capacity, 2 * options.slack));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Room for `bytes` more and the slack after them. */
  reserve(bytes: number): void {
    const needed = this.length + bytes + this.slack;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Any text as UTF-8: ASCII in a loop, the rest through encodeInto. */
  text(text: string): void {
    const n = text.length;
    this.reserve(3 * n); // a UTF-16 unit is at most 3 bytes of UTF-8
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        at += encoder.encodeInto(text.slice(i), buffer.subarray(at)).written;
        break;
      }
      buffer[at++] = code;
    }
    this.length = at;
  }

  /** Any bytes (a row copied to the subset file). */
  copy(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A copy of what was written since the last take(); the buffer is reused. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/**
 * A string column of a slice as UTF-8 spans of Polars' CSV (see typedColumns): row r's text is
 * bytes[start[r], end[r]) with each `"` doubled where its field was quoted (QUOTED).
 */
export interface TextBytes {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** NULL, QUOTED, CSV_SPECIAL per row */
  flags: Uint8Array;
}

/** null (an empty string is a quoted empty field) */
export const NULL = 1;
/** quoted in Polars' CSV: `"` inside is doubled */
export const QUOTED = 2;
/** holds , " CR or LF: quoted in the export CSV */
export const CSV_SPECIAL = 4;

/** What ends an unquoted field in Polars' CSV of the string columns, by byte; CR only marks it. */
const FIELD_END = 1;
const FIELD_CR = 2;
const UNQUOTED_STOPS = new Uint8Array(256);
UNQUOTED_STOPS[44] = FIELD_END; // ,
UNQUOTED_STOPS[10] = FIELD_END; // LF
UNQUOTED_STOPS[13] = FIELD_CR;

/**
 * The fields of Polars' CSV of `width` string columns and `height` rows (no header, `,`, LF,
 * quoted where needed, null an unquoted empty field), as one TextBytes per column. An unquoted
 * field is scanned by a table lookup a byte, not three compares, and each column's spans are
 * subarrays of one array per kind, not fields of a column object (159 → 145 ms of CPU at a
 * million rows, medians).
 */
export function parseStringsCsv(
  bytes: Uint8Array,
  { width, height }: { width: number; height: number },
): TextBytes[] {
  // column after column: field (row, c) at row + c * height
  const starts = new Int32Array(width * height);
  const ends = new Int32Array(width * height);
  const allFlags = new Uint8Array(width * height);
  const n = bytes.length;
  let at = 0;
  for (let row = 0; row < height; row++) {
    for (let c = 0, field = row; c < width; c++, field += height) {
      let flags = 0;
      let start = at;
      let end: number;
      if (bytes[at] === 34) { // "
        flags = QUOTED;
        start = ++at;
        for (;;) {
          if (at >= n) throw new Error("string columns: Polars' CSV ends inside a quoted field");
          const b = bytes[at];
          if (b === 34) {
            if (bytes[at + 1] !== 34) break;
            flags |= CSV_SPECIAL;
            at += 2;
            continue;
          }
          if (b === 44 || b === 10 || b === 13) flags |= CSV_SPECIAL;
          at++;
        }
        end = at++;
      } else {
        // past the end bytes[at] is undefined, whose lookup is no 0 either: the check below throws
        let stop: number;
        while ((stop = UNQUOTED_STOPS[bytes[at]]) === 0) at++;
        while (stop === FIELD_CR) {
          flags |= CSV_SPECIAL;
          at++;
          while ((stop = UNQUOTED_STOPS[bytes[at]]) === 0) at++;
        }
        end = at;
        if (end === start) flags = NULL;
      }
      starts[field] = start;
      ends[field] = end;
      allFlags[field] = flags;
      const separator = c === width - 1 ? 10 : 44;
      if (bytes[at] !== separator) {
        throw new Error(`string columns: Polars' CSV has no field separator at byte ${at}`);
      }
      at++;
    }
  }
  if (at !== n) throw new Error(`string columns: Polars' CSV has ${n - at} bytes past its rows`);
  return Array.from({ length: width }, (_, c) => ({
    bytes,
    start: starts.subarray(c * height, (c + 1) * height),
    end: ends.subarray(c * height, (c + 1) * height),
    flags: allFlags.subarray(c * height, (c + 1) * height),
  }));
}

/** Bytes a text needing the formula guard can start with (needsFormulaGuard's first test). */
const GUARD_FIRST = new Uint8Array(256);
for (const b of utf8("' \0=+-@\t\r")) GUARD_FIRST[b] = 1;

/**
 * Row `row` of `text` as a CSV field: empty for null and "", neutralised with `'`, quoted (`"`
 * doubled) when it holds , " CR or LF. Returns the position after it. It runs per cell: the
 * buffer's room is checked here, and the guard's test is called only for text whose first byte
 * could start a guarded one (the 13 columns' cells at a million rows 268 → 248 ms of CPU).
 */
export function putCsvText(out: ByteWriter, at: number, text: TextBytes, row: number): number {
  const start = text.start[row];
  const end = text.end[row];
  if (end === start) return at;
  let buffer = out.buffer;
  if (at + (end - start) + 3 + out.slack > buffer.length) {
    out.length = at;
    out.reserve(end - start + 3);
    buffer = out.buffer;
  }
  const bytes = text.bytes;
  const quote = (text.flags[row] & CSV_SPECIAL) !== 0;
  if (quote) buffer[at++] = 34;
  if (GUARD_FIRST[bytes[start]] === 1 && needsFormulaGuard(bytes, start, end)) buffer[at++] = 39; // '
  // where Polars quoted the field its quotes are doubled, as the export's are; where it did not
  // (a CR alone made the text special) there is no quote inside to double
  for (let i = start; i < end; i++) buffer[at++] = bytes[i];
  if (quote) buffer[at++] = 34;
  return at;
}

/** Null: no cell. */
export function isNullText(text: TextBytes, row: number): boolean {
  return (text.flags[row] & NULL) !== 0;
}

/**
 * Excel's limit on a cell's text, in UTF-16 units; longer text makes Excel call the file damaged,
 * so the XLSX writers cut it (the CSV keeps it whole).
 */
export const XLSX_CELL_CHARS = 32_767;

/**
 * Whether row `row` of `text` could be longer than XLSX_CELL_CHARS once neutralised: a UTF-16
 * unit takes at least one byte of UTF-8, so a span under the limit (one kept for the `'`) is not.
 * Only the rare longer span is decoded and measured.
 */
export function mayExceedCell(text: TextBytes, row: number): boolean {
  return text.end[row] - text.start[row] >= XLSX_CELL_CHARS;
}

/** Row `row` of `text` (not null) as a string, a quoted field's `""` undoubled. */
export function textAt(text: TextBytes, row: number): string {
  const value = decoder.decode(text.bytes.subarray(text.start[row], text.end[row]));
  return (text.flags[row] & QUOTED) !== 0 ? value.replaceAll('""', '"') : value;
}

/**
 * An instant (epoch ms, whole) of the years 0000–9999 as toISOString() writes it, with `.000`
 * left out ("2026-11-01T00:00:00Z"); ≤ 24 bytes. Returns -1 outside those years (toISOString
 * writes ±YYYYYY there: the caller falls back to it).
 */
export function putIsoInstant(buffer: Uint8Array, at: number, ms: number): number {
  if (!(ms >= MIN_ISO_MS && ms < MAX_ISO_MS) || !Number.isInteger(ms)) return -1;
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  at = putDigits(buffer, at, year, 4);
  buffer[at++] = 45; // -
  at = putDigits(buffer, at, month, 2);
  buffer[at++] = 45;
  at = putDigits(buffer, at, day, 2);
  buffer[at++] = 84; // T
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  at = putDigits(buffer, at, hours, 2);
  buffer[at++] = 58; // :
  at = putDigits(buffer, at, minutes, 2);
  buffer[at++] = 58;
  at = putDigits(buffer, at, seconds, 2);
  if (millis !== 0) {
    buffer[at++] = 46; // .
    at = putDigits(buffer, at, millis, 3);
  }
  buffer[at++] = 90; // Z
  return at;
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch ms. */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_800_000;
