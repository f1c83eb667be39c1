/**
 * A live export as the database tests run it: the configured servers (no demo fallback), Stripe
 * skipped, no charts, nothing printed. Callers give the environment, the folder and what else
 * their test is about.
 */
import { type ExportOptions, type ExportResult, runExport } from "../lib/export.ts";

export function quietLiveExport(
  options: Partial<ExportOptions> & Pick<ExportOptions, "outDir">,
): Promise<ExportResult> {
  return runExport({
    demo: false,
    stripe: "skip",
    charts: false,
    quiet: true,
    log: () => {},
    ...options,
  });
}
