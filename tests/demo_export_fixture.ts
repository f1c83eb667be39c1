/** A quiet demo export, as the tests make one to read back: CSV, no charts, its history snapshot. */
import { runExport } from "../lib/export.ts";
import type { ExportFormat } from "../lib/core/types.ts";

/**
 * A demo export into `dir` as of 2026-11-01 (or `asOf`), of the default 30-day window (or
 * `windowDays`), with no environment of the machine's read (or `env`); CSV only unless `formats`.
 */
export function demoExport(
  dir: string,
  { asOf = "2026-11-01T00:00:00Z", windowDays, env = {}, formats = ["csv"] }: {
    asOf?: string;
    windowDays?: number;
    env?: Record<string, string>;
    formats?: ExportFormat[];
  } = {},
) {
  return runExport({
    outDir: dir,
    demo: true,
    asOf: new Date(asOf),
    ...(windowDays === undefined ? {} : { windowDays }),
    formats,
    charts: false,
    quiet: true,
    log: () => {},
    env,
  });
}
