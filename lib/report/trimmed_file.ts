/**
 * The trimmed CSV as a file: its size limit (PRICING_BRIEF_TRIM_ABOVE_MB), its name, the plan an
 * export writes it by, and the brief's own write of it. Which rows it keeps is trimmed.ts.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import type pl from "nodejs-polars";
import { join } from "node:path";
import { settingNumber, UserError } from "../core/config.ts";
import { exportFileName, type ExportStampOptions } from "../formats/export_names.ts";
import { writeCsvFile } from "../formats/csv.ts";
import { TRIMMED_SUFFIX } from "./export_parts.ts";
import { trimmedExportFrame, type TrimmedPlan, trimmedPlan } from "./trimmed.ts";

/**
 * Claude's apps take roughly 30 MB per file (not officially stated), ChatGPT about 50 MB for
 * spreadsheets: above 20 MB the brief recommends the trimmed file, leaving headroom.
 */
export const DEFAULT_TRIM_ABOVE_BYTES = 20 * 1024 * 1024;
export const TRIM_VARIABLE = "PRICING_BRIEF_TRIM_ABOVE_MB";

/** PRICING_BRIEF_TRIM_ABOVE_MB (megabytes, default 20) in bytes. */
export function trimAboveBytesFromEnv(env: Record<string, string | undefined>): number {
  const raw = env[TRIM_VARIABLE];
  if (raw === undefined || raw === "") return DEFAULT_TRIM_ABOVE_BYTES;
  const mb = settingNumber(raw);
  if (!Number.isFinite(mb) || mb <= 0) {
    throw new UserError(
      `${TRIM_VARIABLE} must be a number of megabytes > 0, got ${JSON.stringify(raw)}`,
    );
  }
  return Math.round(mb * 1024 * 1024);
}

export function trimmedFileName(stamp: ExportStampOptions): string {
  return exportFileName({ ...stamp, ext: "csv", suffix: TRIMMED_SUFFIX });
}

/**
 * The export's trimmed CSV (trimmedPlan) in `dir`, against PRICING_BRIEF_TRIM_ABOVE_MB: written
 * through the CSV's own pass (the brief drops it when the CSV turns out small), or not at all
 * (nothing to plan without a CSV: an XLSX-only export gets no trimmed file).
 */
export function exportTrimmedPlan(
  data: { frame: pl.DataFrame } & ExportStampOptions,
  { dir, env, csv }: { dir: string; env: Record<string, string | undefined>; csv: boolean },
): TrimmedPlan & { uploadLimitBytes: number } {
  const uploadLimitBytes = trimAboveBytesFromEnv(env);
  if (!csv) return { uploadLimitBytes };
  const path = join(dir, trimmedFileName(data));
  return { ...trimmedPlan(data.frame, { path, uploadLimitBytes }), uploadLimitBytes };
}

/** The trimmed CSV written by the brief (the export had not: a brief written on its own). */
export async function writeTrimmedFile(
  data: { frame: pl.DataFrame } & ExportStampOptions,
  { outDir, chosenBy }: { outDir: string; chosenBy: ChosenBy },
): Promise<{ path: string; bytes: number; rows: number }> {
  const frame = trimmedExportFrame(data.frame);
  const path = join(outDir, trimmedFileName(data));
  return { path, bytes: await writeCsvFile(frame, path, { chosenBy }), rows: frame.height };
}
