/**
 * $1,234.50: the one USD amount format of the kit's text (the brief, warnings, compare, the admin
 * page). In core because the stages that word a warning (the join, revenue) run before the report.
 * Signs and unknowns: lib/core/signs.ts.
 */
import { isUnknownNumber, plainNumber, UNKNOWN_MARK, withSign } from "./signs.ts";

/** $1,234.50: always cents, so totals can be checked to the cent; no "-$0.00"; "–" if not known. */
export function formatUsd(value: number): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  // whole cents first (as a total is checked), then their digits
  const cents = Math.round(Math.abs(value) * 100);
  return withSign(value, `$${plainNumber(cents / 100, { digits: 2 })}`);
}

/**
 * +$1.00, -$1.00; $0.00 unsigned (a change that rounds to nothing): a change's amount, the one sign
 * rule of the kit's text (scenario, compare and its FX warning, the history). A sub-cent change is
 * $0.00, not "+$0.00" (a direction the figure does not show) nor "<$0.01" (amounts are to the cent
 * so that sums check to the cent; one that rounds to nothing is nothing at that precision).
 */
export function signedUsd(value: number): string {
  const shown = formatUsd(value);
  return value > 0 && shown !== "$0.00" && shown !== UNKNOWN_MARK ? `+${shown}` : shown;
}
