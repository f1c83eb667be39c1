/**
 * Why a run holds the demo dataset: it was asked for (`--demo`, a notebook's `demo = true`, the
 * server's `--demo`), or no database is configured. Said as it is wherever the demo banner shows:
 * the brief goes to an AI assistant, and "no database is configured" beside configured databases
 * sends the reader to the wrong fix.
 */
export type DemoReason = "requested" | "no-database";

/** The reason as a clause ("…, so these are synthetic numbers"); `asked` names the switch. */
export function demoReasonText(reason: DemoReason, { asked = "--demo" } = {}): string {
  return reason === "requested"
    ? `the demo dataset was asked for (${asked})`
    : "no database is configured (PRICING_PG_URL, PRICING_CH_URL)";
}
