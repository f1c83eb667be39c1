/**
 * The as-of and the demo parameters the export notebook page tests (tests/export_page*_test.ts)
 * share.
 */
import { type ExportPageParams } from "../lib/notebooks/export_page.ts";

export const asOf = new Date("2026-11-01T00:00:00Z");

export const demoParams = (
  outDir: string,
  overrides: Partial<ExportPageParams> = {},
): ExportPageParams => ({
  demo: true,
  windowDays: 30,
  asOf,
  formats: ["csv"],
  stripe: "skip",
  writeChartFiles: true,
  outDir,
  envFile: "/nonexistent/.env",
  ...overrides,
});
