/**
 * Text for an HTML page: a string escaped, a value as a table cell shows it. Their own module,
 * importing only the kit's digits and unknown mark (lib/core/signs.ts), so the admin server
 * (lib/server/) gets them without display.ts's markdown-it and chart code, which only notebooks
 * need (~45 ms at its start).
 */
import { plainNumber, UNKNOWN_MARK } from "../core/signs.ts";

export function escapeHtml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" }[c]!),
  );
}

/** 4,966.38 · 0.0123 · 1,234,567 · 2026-10-30 09:46 UTC: cell text for one value. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) {
    return Number.isNaN(value.getTime())
      ? ""
      : value.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
  if (typeof value === "bigint") return value.toLocaleString("en-US");
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return UNKNOWN_MARK; // NaN, infinite: not known
    // no "-0" for a negative zero or one rounding to it (lib/core/signs.ts)
    if (Number.isInteger(value)) return plainNumber(value, { digits: 0 });
    const abs = Math.abs(value);
    // Per-request costs are fractions of a cent: keep 3 significant digits there.
    if (abs < 0.01) return String(+value.toPrecision(3));
    return plainNumber(value, { digits: abs >= 1000 ? 0 : 2, trimZeros: true });
  }
  return String(value);
}
