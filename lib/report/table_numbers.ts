/**
 * How a notebook table writes a number: by the unit of its column, as the brief, the per-plan table
 * and the admin page write it ($1,234.50 with cents, -414.1 %, counts whole), not each value
 * rounded on its own (`80` above `75.47` in one MRR column, a margin without its %).
 */
import { COLUMNS, type ColumnUnit } from "../frame/columns.ts";
import { formatValue } from "./html_text.ts";
import { formatPct, formatUsd } from "./numbers.ts";
import { UNKNOWN_MARK, withSign } from "../core/signs.ts";

const UNITS = new Map<string, ColumnUnit>(COLUMNS.map((c) => [c.name, c.unit]));

/**
 * The unit of a column a table shows: the export's own (the column table's), a usage column put
 * on a 30-day basis (`requests_per_30d` is `requests_30d`'s), a name that says it (`*_usd`,
 * `*_pct`), else `extra`'s (columns an analysis makes up); undefined when none says.
 */
export function shownUnit(
  column: string,
  extra: Readonly<Record<string, ColumnUnit>> = {},
): ColumnUnit | undefined {
  const onBasis = column.replace(/_per_30d$/, "_30d");
  for (const name of [column, onBasis]) {
    const unit = UNITS.get(name) ?? (Object.hasOwn(extra, name) ? extra[name] : undefined);
    if (unit) return unit;
  }
  if (column.endsWith("_usd")) return "USD";
  if (column.endsWith("_pct")) return "percent";
  return undefined;
}

/**
 * A cost per request: in cents from a cent up ($0.92, $3.00), a fraction of a cent to 3
 * significant digits ($0.00275), as formatValue keeps it.
 */
function usdPerRequest(value: number): string {
  if (value === 0 || Math.abs(value) >= 0.01) return formatUsd(value);
  return withSign(value, `$${formatValue(Math.abs(value))}`);
}

/**
 * An unknown number in a notebook table (null, NaN): "–", as the brief, the per-plan table and the
 * headline KPIs write it, so one notebook's tables do not read it as "–" in one and blank in the next.
 */
export const UNKNOWN_NUMBER = UNKNOWN_MARK;

export interface ColumnNumberTextOptions {
  /** the units of an analysis's own columns (the export's columns keep theirs) */
  extraUnits?: Readonly<Record<string, ColumnUnit>>;
}

/** One number as a table cell shows it, by its column's unit (shownUnit); UNKNOWN_NUMBER for null. */
export function columnNumberText(
  column: string,
  value: unknown,
  { extraUnits = {} }: ColumnNumberTextOptions = {},
): string {
  if (value === null || value === undefined || Number.isNaN(value)) return UNKNOWN_NUMBER;
  if (typeof value !== "number" || !Number.isFinite(value)) return formatValue(value);
  switch (shownUnit(column, extraUnits)) {
    case "USD":
    case "USD per month":
    case "USD per seat":
      return formatUsd(value);
    case "USD per request":
      return usdPerRequest(value);
    case "percent":
      return formatPct(value);
    default:
      return formatValue(value);
  }
}
