/**
 * CSV rows of typed columns as UTF-8 bytes (RFC 4180, see csv.ts), without Polars: the CSV worker
 * (lib/formats/csv_worker.ts) runs this alone, and loading nodejs-polars in it would cost ~14 MB
 * of RSS.
 */
import {
  BOOLEAN_CELLS,
  cellKinds,
  DATETIME_CELLS,
  neutraliseText,
  NUMBER_CELLS,
  TEXT_BYTE_CELLS,
  TEXT_CELLS,
  type TypedColumn,
  typedHeight,
} from "./typed_column.ts";
import {
  ByteWriter,
  isSafeWhole,
  putBytes,
  putCsvText,
  putDecimal12,
  putInteger,
  putIsoInstant,
  utf8,
} from "./cell_text.ts";

/** A field quoted (`"` doubled) when it holds , " CR or LF. */
export function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Plain decimal text, 12 significant digits (drops float noise like 0.30000000000000004). */
export function formatNumber(value: number): string {
  return formatNumberText(value, String(value));
}

/**
 * formatNumber of a finite `value` given `shortest` = String(value) (computed once per cell and
 * shared with the XLSX writer, which writes it as is).
 */
export function formatNumberText(value: number, shortest: string): string {
  // Whole numbers below 1e21 print exactly and without an exponent: the common case, kept cheap.
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return shortest;
  // The shortest text that reads back as the value, rounded to 12 significant digits as text:
  // the same digits toPrecision(12) gives (see roundShortestTo12), without its cost.
  if (!shortest.includes("e")) {
    const rounded = roundShortestTo12(shortest);
    if (rounded !== null) return rounded;
  }
  const precise = value.toPrecision(12);
  const text = String(Number(precise));
  if (!text.includes("e")) return text;
  // 1e21 and up, below 1e-6 (rare): the 12 digits written out, zeros around them. The exact
  // binary value's digits (BigInt) printed 1e300 as 301 digits; toFixed stops at 100 decimals.
  return withoutExponent(precise);
}

/**
 * toPrecision's text in exponent form ("-4.94065645841e-324") as a plain decimal, its trailing
 * zeros dropped: "-0.000…000494065645841" (323 zeros), "1.00000000000e+300" as 1 and 300 zeros.
 */
function withoutExponent(precise: string): string {
  const sign = precise.startsWith("-") ? "-" : "";
  const [mantissa, exponent = "0"] = precise.slice(sign.length).split("e");
  const digits = mantissa.replace(".", "").replace(/0+$/, "");
  const integerDigits = Number(exponent) + 1; // of the first digit's place
  if (integerDigits <= 0) return `${sign}0.${"0".repeat(-integerDigits)}${digits}`;
  if (integerDigits >= digits.length) {
    return sign + digits + "0".repeat(integerDigits - digits.length);
  }
  return `${sign}${digits.slice(0, integerDigits)}.${digits.slice(integerDigits)}`;
}

/**
 * A plain decimal (String(x) without exponent) rounded to 12 significant digits, trailing zeros
 * dropped; null when its 13th digit is a final 5 (a tie in the text: the exact binary value
 * decides, so the caller asks toPrecision). Otherwise the exact value and its shortest text lie
 * on the same side of every 13-digit decimal (one between them would be a shorter text for the
 * same double), so rounding the text rounds the value.
 */
export function roundShortestTo12(text: string): string | null {
  const n = text.length;
  let at = text.charCodeAt(0) === 45 ? 1 : 0; // "-"
  while (at < n && (text.charCodeAt(at) === 48 || text.charCodeAt(at) === 46)) at++; // 0 and .
  let digits = 0;
  for (; at < n; at++) {
    if (text.charCodeAt(at) !== 46 && ++digits === 12) break;
  }
  if (at >= n - 1) return text; // 12 significant digits or fewer
  const twelfth = at;
  let next = twelfth + 1;
  if (text.charCodeAt(next) === 46) next++;
  if (next >= n) return text;
  const thirteenth = text.charCodeAt(next) - 48;
  if (thirteenth === 5 && next === n - 1) return null;
  const dot = text.indexOf(".");
  const integerEnd = dot === -1 ? n : dot;
  const kept = thirteenth >= 5
    ? incremented(text.slice(0, twelfth + 1))
    : text.slice(0, twelfth + 1);
  if (twelfth < integerEnd) return kept + "0".repeat(integerEnd - twelfth - 1);
  let end = kept.length;
  while (kept.charCodeAt(end - 1) === 48) end--; // trailing zeros of the fraction
  if (kept.charCodeAt(end - 1) === 46) end--; // and a bare point
  return kept.slice(0, end);
}

/** A decimal text plus one unit in its last digit ("0.129" → "0.130", "-9.99" → "-10.00"). */
function incremented(text: string): string {
  const chars = text.split("");
  let i = chars.length - 1;
  for (; i >= 0; i--) {
    const c = chars[i];
    if (c === ".") continue;
    if (c === "-") break;
    if (c === "9") {
      chars[i] = "0";
      continue;
    }
    chars[i] = String.fromCharCode(c.charCodeAt(0) + 1);
    return chars.join("");
  }
  chars.splice(i + 1, 0, "1"); // carried past the first digit: 99.9 → 100.0
  return chars.join("");
}

const TRUE = utf8("true");
const FALSE = utf8("false");

/** The field text of a string or datetime column, per row of the slice ("" = empty). */
function textFields(column: TypedColumn): string[] {
  const strings = column.strings;
  if (strings) {
    return strings.map((v) =>
      v === null || v === undefined ? "" : quote(neutraliseText(String(v)))
    );
  }
  const field = column.def.unit === "date" ? dateField : isoField;
  return Array.from(column.numbers!, (v) => v !== v ? "" : field(v));
}

/** A date's field (epoch ms of its midnight, UTC): YYYY-MM-DD, "" for an invalid date. */
function dateField(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().split("T")[0];
}

/** A datetime's field: toISOString without `.000`, "" for an invalid date. */
function isoField(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(/\.000Z$/, "Z");
}

// putNumberField takes (out, at, value) positionally: it runs per cell (no object per call).
/**
 * formatNumber(value) of a finite value at `at` of `out`'s buffer (which has its slack free):
 * whole numbers and 12-digit decimals as digits from the double, the rest through formatNumber.
 * Returns the position after it (the buffer may have grown: read out.buffer again).
 */
export function putNumberField(out: ByteWriter, at: number, value: number): number {
  if (isSafeWhole(value)) return putInteger(out.buffer, at, value);
  if (!Number.isInteger(value)) {
    const end = putDecimal12(out.buffer, at, value);
    if (end >= 0) return end;
  }
  out.length = at;
  out.text(formatNumber(value));
  return out.length;
}

/** Bytes per chunk handed to the file. */
const CHUNK_BYTES = 1 << 16;

export interface CsvLineBytesOptions {
  /** truthy for the rows of the second file */
  keep?: ArrayLike<boolean | number>;
  /** a chunk every this many rows (the text chunks' 1,000) instead of every ~64 KB */
  rowsPerChunk?: number;
}

/**
 * CSV lines of a typed slice as UTF-8 chunks: [every row, the rows `keep` holds for] (the second
 * is empty without `keep`), so a subset file comes out of the same formatting pass.
 */
export function* csvLineBytes(
  columns: TypedColumn[],
  { keep, rowsPerChunk }: CsvLineBytesOptions = {},
): Generator<[Uint8Array, Uint8Array]> {
  const width = columns.length;
  const kinds = cellKinds(columns, { datetimeDigits: true });
  const textBytes = columns.map((c) => c.text ?? null);
  const texts = columns.map((c, i) => kinds[i] === TEXT_CELLS ? textFields(c) : []);
  const numbers = columns.map((c) => c.numbers ?? new Float64Array(0));
  const height = typedHeight(columns);
  // slack: a row's numbers, booleans and separators (≤ 27 bytes a field) without a bounds check
  const all = new ByteWriter({ capacity: CHUNK_BYTES + (CHUNK_BYTES >> 2), slack: 32 * width + 8 });
  const kept = new ByteWriter({ capacity: CHUNK_BYTES + (CHUNK_BYTES >> 2), slack: 0 });
  for (let row = 0; row < height; row++) {
    const start = all.length;
    all.reserve(0);
    let buffer = all.buffer;
    let at = start;
    for (let c = 0; c < width; c++) {
      if (c > 0) buffer[at++] = 44; // ,
      switch (kinds[c]) {
        case TEXT_CELLS: {
          const text = texts[c][row];
          if (text.length === 0) break;
          all.length = at;
          all.text(text);
          buffer = all.buffer;
          at = all.length;
          break;
        }
        case NUMBER_CELLS: {
          const v = numbers[c][row];
          if (v - v !== 0) break; // NaN (null) and ±Infinity stay empty
          at = putNumberField(all, at, v);
          buffer = all.buffer;
          break;
        }
        case BOOLEAN_CELLS: {
          const v = numbers[c][row];
          if (v === v) at = putBytes(buffer, at, v === 1 ? TRUE : FALSE);
          break;
        }
        case TEXT_BYTE_CELLS:
          at = putCsvText(all, at, textBytes[c]!, row);
          buffer = all.buffer;
          break;
        case DATETIME_CELLS: {
          const v = numbers[c][row];
          if (v !== v) break; // null
          const end = putIsoInstant(buffer, at, v);
          if (end >= 0) {
            at = end;
            break;
          }
          all.length = at;
          all.text(isoField(v));
          buffer = all.buffer;
          at = all.length;
          break;
        }
      }
    }
    buffer[at++] = 13;
    buffer[at++] = 10;
    all.length = at;
    if (keep?.[row]) kept.copy(buffer.subarray(start, at));
    if (rowsPerChunk ? (row + 1) % rowsPerChunk === 0 : at >= CHUNK_BYTES) {
      yield [all.take(), kept.take()];
    }
  }
  if (all.length > 0) yield [all.take(), kept.take()];
}
