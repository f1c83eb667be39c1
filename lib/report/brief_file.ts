/**
 * The brief written next to every export, and the trimmed CSV beside it when the CSV is above the
 * upload-friendly size and trimming leaves an organization out: which files there are, their
 * sizes, and the Markdown (brief.ts) that describes them.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { basename, join } from "node:path";
import type { PricingData } from "../core/types.ts";
import { writeFileAtomic } from "../formats/files.ts";
import { exportStamp } from "../formats/export_names.ts";
import { segmentFileName, type SegmentResult, segmentRowCounts } from "./segments.ts";
import type { SegmentThresholds } from "./segment_thresholds.ts";
import { type SegmentEstimates, segmentEstimates } from "./brief_upload.ts";
import {
  type TrimmedAboveLimit,
  trimmedAboveLimit,
  trimmedKeepMask,
  trimmedRowCount,
} from "./trimmed.ts";
import { DEFAULT_TRIM_ABOVE_BYTES, trimmedFileName, writeTrimmedFile } from "./trimmed_file.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import type { EarlierUsage } from "../analysis/outlook.ts";
import {
  type BriefData,
  type BriefFile,
  briefFileName,
  type BriefInput,
  briefMarkdown,
  briefStatistics,
} from "./brief.ts";

export interface WriteBriefOptions {
  data: BriefData | PricingData;
  outDir: string;
  /** how the user chose the folder the brief is for (--out-dir…), for the fix a failure names */
  chosenBy: ChosenBy;
  /** paths of the export files written (CSV and/or XLSX) */
  exportPaths: string[];
  segments?: readonly SegmentResult[];
  /**
   * the segment thresholds (PRICING_SEGMENT_*): without `segments`, the segments' sizes the brief
   * estimates when the CSV is too big to upload are those `--segments` would write
   */
  segmentThresholds?: Partial<SegmentThresholds>;
  /** trim threshold in bytes (default: PRICING_BRIEF_TRIM_ABOVE_MB or 20 MB) */
  trimAboveBytes?: number;
  history?: string;
  /** the history's MRR per currency section (BriefInput.historyByCurrency) */
  historyByCurrency?: string;
  /** the outlook's earlier usage (BriefInput.earlier) */
  earlier?: EarlierUsage | null;
  /**
   * the trimmed CSV already written beside the export (writeCsvWithSubset, under its final name
   * trimmedFileName): kept when the CSV is above the threshold and it leaves an organization out,
   * deleted otherwise
   */
  trimmedWritten?: { path: string; bytes: number; rows: number };
  /**
   * no trimmed CSV was written beside the export because it could not be uploaded either
   * (trimmedPlan); the brief says so instead of writing one
   */
  trimmedAboveLimit?: TrimmedAboveLimit;
}

/** The segment files written beside the export (writeSegmentFiles, before the brief), sized. */
async function segmentFileSizes(
  options: WriteBriefOptions,
): Promise<(BriefFile & { rows: number })[]> {
  const stamp = exportStamp(options.data);
  const files: (BriefFile & { rows: number })[] = [];
  for (const segment of options.segments ?? []) {
    const name = segmentFileName(stamp, segment.name);
    // a caller may list segments without writing their files: no size to quote then
    const stat = await Deno.stat(join(options.outDir, name)).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    });
    if (stat) files.push({ name, bytes: stat.size, rows: segment.frame.height });
  }
  return files;
}

/** The segments `--segments` would write, sized at the CSV's bytes a row. */
async function estimatedSegments(
  options: WriteBriefOptions,
  csv: BriefFile,
): Promise<SegmentEstimates> {
  const { frame, windowDays } = options.data;
  const counts = segmentRowCounts(frame, { thresholds: options.segmentThresholds, windowDays });
  // the customer joins' frames, dropped: freed before the statistics add their own
  await collectDroppedFrames({ rows: frame.height });
  return segmentEstimates({ bytes: csv.bytes, rows: frame.height }, counts);
}

export interface WrittenBrief {
  briefPath: string;
  /** the trimmed CSV, written when the CSV is above the threshold and trimming leaves some out */
  trimmedPath?: string;
  /** the organizations the trimmed CSV holds */
  trimmedRows?: number;
  /**
   * names of files an earlier export of the same date may have left that this one does not have:
   * the trimmed CSV, when there is a CSV but no trimmed file (it would sit beside a brief that
   * says there is none); the export retires them as it publishes (publishStaged)
   */
  stale: string[];
}

/**
 * Writes the brief (and, when the CSV is above the threshold and trimming leaves an organization
 * out, the trimmed CSV) next to the export.
 * Call it after the export files (it reads their sizes) and before the manifest.
 */
export async function writeExportBrief(options: WriteBriefOptions): Promise<WrittenBrief> {
  const { data } = options;
  const limit = options.trimAboveBytes ?? DEFAULT_TRIM_ABOVE_BYTES;
  const exportFiles: BriefFile[] = [];
  for (const path of options.exportPaths) {
    exportFiles.push({ name: basename(path), bytes: (await Deno.stat(path)).size });
  }
  const csv = exportFiles.find((f) => f.name.endsWith(".csv"));
  let trimmed: BriefInput["trimmed"];
  let trimmedPath: string | undefined;
  const written = options.trimmedWritten;
  let aboveLimit = options.trimmedAboveLimit;
  // a trimmed file that leaves no organization out is the CSV again: none is kept or written
  const nothingToTrim = csv !== undefined && csv.bytes > limit && !aboveLimit &&
    (written ? written.rows : trimmedRowCount(data.frame)) === data.frame.height;
  if (csv && csv.bytes > limit && !nothingToTrim) {
    // (the export planned it before its CSV: trimmedPlan)
    if (!written && !aboveLimit) {
      aboveLimit = trimmedAboveLimit(data.frame, {
        keep: trimmedKeepMask(data.frame),
        uploadLimitBytes: limit,
      });
    }
    // the export's (written in its CSV's pass), else written here unless it cannot fit
    const file = written ?? (aboveLimit ? undefined : await writeTrimmedFile(data, options));
    if (file && file.bytes > limit) {
      // above the limit too (its fewest bytes were not): not published, the brief says so
      await Deno.remove(file.path);
      const leftOut = data.frame.height - file.rows;
      aboveLimit = { rows: file.rows, leftOut, floorBytes: file.bytes, measured: true };
    } else if (file) {
      trimmedPath = file.path;
      trimmed = { name: basename(file.path), bytes: file.bytes, rows: file.rows };
    }
  } else if (written) {
    await Deno.remove(written.path);
  }
  // too big and no smaller file to upload: the segments --segments would write, sized
  const estimates = csv && csv.bytes > limit && !trimmed && !options.segments?.length
    ? await estimatedSegments(options, csv)
    : undefined;
  // the sections' dropped frames collected between them (briefStatistics)
  const statistics = await briefStatistics(data, {
    between: () => collectDroppedFrames({ rows: data.frame.height }),
  });
  // the last section's too, before the upgrade and churn section's Polars work adds its own
  await collectDroppedFrames({ rows: data.frame.height });
  const markdown = briefMarkdown({
    statistics,
    data,
    exportFiles,
    trimmed,
    nothingToTrim,
    trimmedAboveLimit: trimmed || !csv || csv.bytes <= limit ? undefined : aboveLimit,
    segments: options.segments,
    segmentFiles: await segmentFileSizes(options),
    segmentEstimates: estimates,
    uploadLimitBytes: limit,
    history: options.history,
    historyByCurrency: options.historyByCurrency,
    earlier: options.earlier ?? null,
  });
  const briefPath = join(options.outDir, briefFileName(data));
  await writeFileAtomic(briefPath, (tmp) => Deno.writeTextFile(tmp, markdown), {
    chosenBy: options.chosenBy,
  });
  const stale = csv && !trimmedPath ? [trimmedFileName(data)] : [];
  return trimmed
    ? { briefPath, trimmedPath, trimmedRows: trimmed.rows, stale }
    : { briefPath, stale };
}
