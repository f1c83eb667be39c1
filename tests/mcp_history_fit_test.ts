/**
 * mrr_history's structuredContent within PRICING_MCP_MAX_BYTES (lib/mcp/tools_history.ts
 * newestThatFit): the newest months that fit, and retention's period rows whatever months fit.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { newestThatFit } from "../lib/mcp/tools_history.ts";
import { jsonBytes } from "../lib/mcp/result.ts";
import type { Row } from "../lib/mcp/text.ts";

Deno.test("mrr_history fit: retention's trailing 12 months ending at the last month end stays when only the month to date after it fits", () => {
  // three months, the newest a month to date (as-of 2026-12-06); the period ends at the last month
  // end, 2026-12-01 (retention_period.ts retentionEndIdx), so its rows carry that as-of
  const asOfs = ["2026-11-01", "2026-12-01", "2026-12-06"];
  const company: Row[] = asOfs.map((as_of) => ({ as_of, note: "x".repeat(400) }));
  const monthRows: Row[] = asOfs.map((as_of) => ({ period: "month", as_of, plan: "(all)" }));
  const periodRow: Row = { period: "trailing_12_months", as_of: "2026-12-01", plan: "(all)" };
  const retention = [...monthRows, periodRow];
  // room for the month to date's rows and the period's row, not for another month's 400 bytes
  const maxBytes = 2 * jsonBytes({
    company: company.slice(2),
    byCurrency: null,
    retention: [monthRows[2], periodRow],
    cohorts: null,
  });
  const fit = newestThatFit({ company, byCurrency: null, retention, cohorts: null }, maxBytes);
  assertEquals(fit.monthsLeftOut, 2);
  assertEquals(fit.company, company.slice(2));
  assertEquals(fit.retention, [monthRows[2], periodRow]);
});
