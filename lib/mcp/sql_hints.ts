/**
 * query_sql's hints for the two slips a model makes most: a column name a few characters off
 * (`llm_cost` for `llm_cost_30d`), and a text value the data does not have (`plan = 'pro
 * 2025-12-01'`, `tier = 'Pro'`), which answered an empty table and nothing else: read as "no such
 * organizations", not as a typo.
 */
import pl from "nodejs-polars";
import { nearestName } from "../core/nearest_name.ts";
import { dataLiteral } from "./text.ts";

/** Polars' words for an unknown column: `unable to find column "x"; valid columns: [...]`. */
const UNKNOWN_COLUMN = /unable to find column "((?:[^"\\]|\\.)*)"; valid columns: (\[[^\]]*\])/;

/**
 * Polars' unknown-column message with the nearest valid column named (`did you mean
 * llm_cost_30d?`), or said to have none near it; any other message as it was.
 */
export function unknownColumnHint(message: string): string {
  const match = message.match(UNKNOWN_COLUMN);
  if (!match) return message;
  let columns: string[];
  try {
    columns = JSON.parse(match[2]);
  } catch {
    return message;
  }
  const near = nearestName(match[1], columns);
  const hint = near
    ? ` (did you mean ${near}?)`
    : " (no column is near it: the data has no such field; describe_dataset defines every column)";
  const at = match.index! + `unable to find column "${match[1]}"`.length;
  return message.slice(0, at) + hint + message.slice(at);
}

/** Past this many distinct values a column is not searched for a near one (org names at scale). */
const MAX_VALUES = 10_000;

/** `col = 'text'` or `col IN ('a', 'b')`, the column maybe qualified (`p.plan`). */
const COMPARISON =
  /(?:\b[A-Za-z_][A-Za-z0-9_]*\.)?"?\b([A-Za-z_][A-Za-z0-9_]*)"?\s*(?:=|\bin\s*\()\s*((?:'(?:[^']|'')*'\s*,?\s*)+)/gi;
const LITERAL = /'((?:[^']|'')*)'/g;

/**
 * For a statement over `pricing_data`: each text literal it compares a text column with (`=`,
 * `IN`) that no organization has, with the nearest value there is (`plan has no value
 * "pro 2025-12-01": did you mean "pro 2025-12-10"?`), values and literals escaped as data; null
 * when every literal is a value (the rows are truly none).
 */
export function missingValuesHint(sql: string, frame: pl.DataFrame): string | null {
  const textColumns = new Map(
    frame.columns
      .filter((name) => frame.getColumn(name).dtype.equals(pl.String))
      .map((name) => [name.toLowerCase(), name]),
  );
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const comparison of sql.matchAll(COMPARISON)) {
    const column = textColumns.get(comparison[1].toLowerCase());
    if (!column) continue;
    let values: string[] | null = null;
    for (const literal of comparison[2].matchAll(LITERAL)) {
      const value = literal[1].replaceAll("''", "'");
      const key = `${column}\u0000${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      values ??= distinctValues(frame, column);
      if (values === null || values.includes(value)) continue;
      const near = nearestName(value, values);
      const listed = values.length <= 12
        ? ` (its values: ${values.map(dataLiteral).join(", ")})`
        : "";
      notes.push(
        `${column} has no value ${dataLiteral(value)}${
          near ? `: did you mean ${dataLiteral(near)}?` : listed
        }`,
      );
    }
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** A date, or a date and time (an `as_of` key's form), at its start. */
const DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * For a statement over `history`: each `as_of` literal (`=`, `IN`) that no snapshot has, with the
 * snapshots of its date (an export as-of now is keyed with its time, so `as_of = '2026-12-06'`
 * found no row and said nothing), else the nearest before and after it (`'2026-11-30'` for a
 * month end, which is the 1st after it), escaped as data; null when every literal is an as-of.
 * `asOfs`: the snapshots' keys, oldest first.
 */
export function historyAsOfHint(sql: string, asOfs: readonly string[]): string | null {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const comparison of sql.matchAll(COMPARISON)) {
    if (comparison[1].toLowerCase() !== "as_of") continue;
    for (const literal of comparison[2].matchAll(LITERAL)) {
      const value = literal[1].replaceAll("''", "'");
      if (seen.has(value) || asOfs.includes(value)) continue;
      seen.add(value);
      notes.push(`as_of has no value ${dataLiteral(value)}${asOfNote(value, asOfs)}`);
    }
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** What a missing as-of is near: the snapshots of its date, else those before and after it. */
function asOfNote(value: string, asOfs: readonly string[]): string {
  const date = value.match(DATE)?.[0];
  if (date === undefined) {
    const listed = asOfs.length <= 12 ? ` (its values: ${asOfs.map(dataLiteral).join(", ")})` : "";
    return asOfs.length === 0 ? " (no snapshot is stored)" : listed;
  }
  const sameDate = asOfs.filter((asOf) => asOf.startsWith(date));
  if (sameDate.length > 0) {
    const are = sameDate.length === 1
      ? "the snapshot of that date is"
      : "the snapshots of that date are";
    return `: ${are} ${
      sameDate.map(dataLiteral).join(", ")
    } (as_of is the date alone only at 00:00 UTC)`;
  }
  // keys of other dates compare by date as text (YYYY-MM-DD first)
  const before = asOfs.filter((asOf) => asOf.slice(0, 10) < date).at(-1);
  const after = asOfs.find((asOf) => asOf.slice(0, 10) > date);
  const sides = [
    ...(before ? [`${dataLiteral(before)} before it`] : []),
    ...(after ? [`${dataLiteral(after)} after it`] : []),
  ];
  if (sides.length === 0) return ": no snapshot is stored";
  return `: no snapshot of that date; the nearest ${sides.length === 1 ? "is" : "are"} ${
    sides.join(" and ")
  } (a month end is the snapshot as-of the 1st after it, 00:00 UTC)`;
}

/**
 * The column's distinct non-null values, sorted; null past MAX_VALUES. A column of more (org_id,
 * org_name) says so in its first rows, so it is not hashed whole: at a million organizations that
 * took ~2 s of the main thread for every `WHERE org_id = '…'`, found or not.
 */
function distinctValues(frame: pl.DataFrame, column: string): string[] | null {
  const values = frame.getColumn(column).dropNulls();
  const sample = 2 * MAX_VALUES;
  if (values.length > sample && values.head(sample).nUnique() > MAX_VALUES) return null;
  const unique = values.unique();
  if (unique.length > MAX_VALUES) return null;
  return (unique.toArray() as string[]).sort();
}
