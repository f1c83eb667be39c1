/**
 * Rows written straight into UTF-8 bytes, numbers as digits from their doubles. Concatenating a
 * row's cells into strings made V8 ropes that TextEncoder then had to flatten, and String() of
 * every number and the CSV's rounding through toPrecision cost ~150 ns a cell.
 *
 * The writers keep the buffer and the position in locals and call the put* functions, which
 * write without bounds checks: a ByteWriter keeps `slack` bytes free after every reserve() and
 * text(), enough for a row's markup and numbers (its strings go through text()).
 */

const encoder = new TextEncoder();

/** 10^0 … 10^22, every one exact in a double (written out, not computed by Math.pow). */
// deno-fmt-ignore
const POWERS_OF_10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

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

/** Decimal digits of a whole number below 2^53, left-padded with zeros to `width`. */
function putDigits(buffer: Uint8Array, at: number, value: number, width: number): number {
  let n = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) n++;
  if (n < width) n = width;
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    const next = Math.floor(v / 10);
    buffer[at + i] = 48 + (v - next * 10);
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
  let exponent = Math.floor(Math.log10(v));
  let scaled = scaleTo12(v, exponent);
  if (scaled < 1e11) scaled = scaleTo12(v, --exponent); // log10 off by one near powers of 10
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
  // digits holds 12 significant digits: the value is digits × 10^(exponent - 11)
  let count = 12;
  while (digits % 10 === 0) {
    digits /= 10;
    count--;
  }
  if (value < 0) buffer[at++] = 45;
  const integerDigits = exponent + 1;
  if (integerDigits <= 0) {
    buffer[at++] = 48; // "0"
    buffer[at++] = 46; // "."
    for (let i = integerDigits; i < 0; i++) buffer[at++] = 48;
    return putDigits(buffer, at, digits, count);
  }
  if (integerDigits >= count) {
    at = putDigits(buffer, at, digits, count);
    for (let i = count; i < integerDigits; i++) buffer[at++] = 48;
    return at;
  }
  const scale = POWERS_OF_10[count - integerDigits];
  const whole = Math.floor(digits / scale);
  at = putDigits(buffer, at, whole, integerDigits);
  buffer[at++] = 46;
  return putDigits(buffer, at, digits - whole * scale, count - integerDigits);
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
  length = 0;
  /** bytes kept free after reserve() and text() */
  readonly slack: number;

  constructor(options: { capacity: number; slack: number }) {
    this.slack = options.slack;
    this.buffer = new Uint8Array(Math.max(options.capacity, 2 * options.slack));
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
