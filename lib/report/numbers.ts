/** Number formatting shared by the brief, compare, scenario and the command lines. */

/** 1,234,567 (rounded to a whole number) */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

// $1,234.50: lib/core/usd.ts (the stages before the report word amounts too)
export { formatUsd } from "../core/usd.ts";

/** $1,236.9286: four decimals, for amounts per 1,000 requests (a fraction of a cent each). */
export function formatUsd4(value: number): string {
  const sign = value < 0 && Math.round(Math.abs(value) * 1e4) > 0 ? "-" : "";
  return `${sign}$${
    Math.abs(value).toLocaleString("en-US", { minimumFractionDigits: 4, maximumFractionDigits: 4 })
  }`;
}

/** 96.6 %, -5,933.5 %: one decimal, thousands separated, as every other number */
export function formatPct(value: number): string {
  return `${
    value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  } %`;
}

/** +12.3 %, -4.0 %, 0.0 % (no sign when it rounds to zero), – for null */
export function formatChangePct(value: number | null): string {
  if (value === null) return "–";
  const shown = Math.abs(value).toFixed(1);
  const sign = shown === "0.0" ? "" : value > 0 ? "+" : "-";
  return `${sign}${shown} %`;
}

/**
 * A formatted number as a table for reading writes it (Markdown, HTML): a negative's leading
 * hyphen as the minus sign U+2212, "−$148.37", "−4.0 %", as formatMinorUnits writes amounts in
 * their currency. Only where a number is read, never parsed: a CSV, XLSX or JSON number keeps "-".
 */
export function withMinusSign(text: string): string {
  return text.startsWith("-") ? `−${text.slice(1)}` : text;
}

/** 0.5 KB, 12.3 MB */
export function formatBytes(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
