/**
 * The CSV and XLSX writers' formula guard and its undoing, in one place (no Polars: the CSV worker
 * loads the writer's half). Org names are user-controlled, and text a spreadsheet would run as a
 * formula is written with a leading `'`. The readers (compare, `scenario --input`, `history
 * import`, the MCP server) take exactly that `'` off again, so a name read back is the name
 * entered (`+1 Growth Co`, as a history snapshot holds it, not `'+1 Growth Co`).
 *
 * The rule: text starting with = + - @ tab or CR, or with `'`s, spaces or NUL bytes before one of
 * those, gets one more `'`. LibreOffice's CSV import drops NULs (`\0=1+1` is the formula =1+1
 * there; NULs reach a CSV from Stripe's JSON or a file given to the readers), and with its "Trim
 * spaces" option takes leading spaces off an unquoted field (` =1+1` too). The second half keeps
 * the guard reversible: a name entered as `'=x` is written `''=x` and
 * read back `'=x`, where the guard alone would write `'=x` for both `=x` and `'=x`. (Files written
 * before it hold `'=x` for both; they read back as `=x`. Files written before spaces and NULs were
 * skipped hold a name entered `"' =x"` unguarded; it reads back `" =x"`.)
 */

/** Text the writers guard: = + - @ tab or CR first, after any number of `'`s, spaces and NULs. */
const NEEDS_GUARD = /^[' \0]*[=+\-@\t\r]/;

/** Text the writers guarded: a `'`, any number of `'`s, spaces and NULs, then = + - @ tab or CR. */
const GUARDED = /^'[' \0]*[=+\-@\t\r]/;

/** NEEDS_GUARD as a Polars (Rust) regex. */
export const NEEDS_GUARD_PATTERN = "^[' \\x00]*[=+\\-@\\t\\r]";

/** GUARDED as a Polars (Rust) regex. */
export const GUARDED_PATTERN = "^'[' \\x00]*[=+\\-@\\t\\r]";

/** Text as the CSV and XLSX writers put it: the guard's `'` first where it needs one. */
export function neutraliseText(text: string): string {
  return NEEDS_GUARD.test(text) ? `'${text}` : text;
}

/** Text a writer wrote, as it was entered: the guard's `'` taken off where the writer added one. */
export function withoutFormulaGuardText(text: string): string {
  return GUARDED.test(text) ? text.slice(1) : text;
}

/** An apostrophe, a space, NUL, = + - @ tab and CR as bytes: the guard's test on UTF-8. */
const APOSTROPHE = 0x27;
const SPACE = 0x20;

function formulaStart(byte: number): boolean {
  return byte === 61 || byte === 43 || byte === 45 || byte === 64 || byte === 9 || byte === 13;
}

// needsFormulaGuard takes (bytes, start, end) positionally: it runs per text cell (no object).
/** neutraliseText's test on bytes[start, end) (UTF-8): whether the writer puts a `'` first. */
export function needsFormulaGuard(bytes: Uint8Array, start: number, end: number): boolean {
  let at = start;
  while (at < end && (bytes[at] === APOSTROPHE || bytes[at] === SPACE || bytes[at] === 0)) at++;
  return at < end && formulaStart(bytes[at]);
}
