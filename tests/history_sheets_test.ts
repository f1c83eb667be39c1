/**
 * The export's history sheets as the `dictionary` sheet tells them (lib/history/retention.ts):
 * the retention sheet's line names the period its rows really cover, as the headline does.
 */
import { ok } from "node:assert/strict";
import { retentionSheetAbout } from "../lib/history/retention.ts";
import type { RetentionSpan } from "../lib/history/retention_period.ts";

const span = (over: Partial<RetentionSpan>): RetentionSpan => ({
  fromAsOf: "2025-12-01",
  toAsOf: "2026-12-01",
  months: 12,
  monthToDate: false,
  trailing12: true,
  monthEnds: 12,
  missingMonthEnds: [],
  ...over,
});

Deno.test("the retention sheet's dictionary line says the period its rows cover: trailing 12 months, the months stored, a month to date", () => {
  const trailing = retentionSheetAbout(span({}));
  ok(
    trailing.includes(
      "per month (period month) and over the trailing 12 months (period trailing_12_months; as-of 2025-12-01 → 2026-12-01).",
    ),
    trailing,
  );
  const stored = retentionSheetAbout(
    span({ fromAsOf: "2026-07-01", months: 5, trailing12: false, monthEnds: 5 }),
  );
  ok(
    stored.includes(
      "and over the 5 months stored (period months_stored; as-of 2026-07-01 → 2026-12-01).",
    ),
    stored,
  );
  // only a month end before a month to date: 11 whole months and the month to date
  const toDate = retentionSheetAbout(span({
    fromAsOf: "2026-01-01",
    toAsOf: "2026-12-06T12:00:00Z",
    monthToDate: true,
    trailing12: false,
    monthEnds: 11,
    missingMonthEnds: Array.from(
      { length: 11 },
      (_, i) => `2026-${String(i + 2).padStart(2, "0")}-01`,
    ),
  }));
  ok(
    toDate.includes(
      "and over 11 months and the month to date (period months_stored; as-of 2026-01-01 → 2026-12-06T12:00:00Z; 0 of 11 month ends stored, 11 missing).",
    ),
    toDate,
  );
});
