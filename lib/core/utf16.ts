/**
 * UTF-16 text where the kit reads UTF-8 (Excel's "Unicode Text", Notepad's "Unicode"): decoded as
 * UTF-8 it is NUL bytes and garbage, and each reader said something beside the point (a CSV:
 * "none of its header is ours"). The scenario, SQL and export readers say what it is instead.
 */

/** What to say of a UTF-16 file, after its name and what it is not. */
export const UTF16_FIX = "it is UTF-16 text; save it as UTF-8";

/**
 * Whether a file's first bytes are UTF-16: a byte order mark (FF FE, FE FF), or, without one,
 * two ASCII characters each beside a NUL byte (`o\0r\0`, as a header starts).
 */
export function isUtf16(bytes: Uint8Array): boolean {
  const [a, b, c, d] = bytes;
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return true;
  if (bytes.length < 4) return false;
  const ascii = (x: number) => x > 0 && x < 0x80;
  return (ascii(a) && b === 0 && ascii(c) && d === 0) ||
    (a === 0 && ascii(b) && c === 0 && ascii(d));
}
