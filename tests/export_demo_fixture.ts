/** The as-of the demo export tests (tests/export_demo*_test.ts) export at, and a demo week's export. */
import { runExport } from "../lib/export.ts";

export const asOf = new Date("2026-11-01T00:00:00Z");

/** The name (without extension) of writeDemoWeekExport's files. */
export const DEMO_WEEK_STEM = "helicone_pricing_data_2026-11-01_demo_7d";

/**
 * A 7-day demo export at `asOf` in `outDir`: CSV, XLSX and manifest (`DEMO_WEEK_STEM`.*), no
 * charts, no history, nothing logged; for tests that rename or copy an export's files.
 */
export function writeDemoWeekExport(outDir: string) {
  return runExport({
    outDir,
    demo: true,
    windowDays: 7,
    asOf,
    formats: ["csv", "xlsx"],
    charts: false,
    history: false,
    quiet: true,
    log: () => {},
    env: {},
  });
}
