/**
 * The brief's **Upload:** paragraph: every file it offers for upload (the CSV, the XLSX, the
 * trimmed CSV, the segment CSVs) set against the size AI assistants take. revenue-rules.md
 * ("Handing files to an AI assistant"): Claude's apps take roughly 30 MB per file, a workbook
 * as much as a CSV (ChatGPT's 50 MB for spreadsheets is not Claude's), so one limit serves all.
 */
import { formatBytes, formatCount } from "./numbers.ts";
import { type TrimmedAboveLimit, trimmedLeavesOut } from "./trimmed.ts";

export interface UploadFile {
  name: string;
  bytes: number;
}

export interface UploadInput {
  /** the export files written (CSV and/or XLSX) */
  exportFiles: readonly UploadFile[];
  /** the trimmed CSV, when one was written */
  trimmed?: UploadFile;
  /** no trimmed CSV because it would leave no organization out */
  nothingToTrim?: boolean;
  /** no trimmed CSV because it would be above the limit too */
  trimmedAboveLimit?: TrimmedAboveLimit;
  /**
   * the segment CSVs written beside the export, with their sizes (when known) and organizations
   * (an empty one is not offered)
   */
  segmentFiles?: readonly (UploadFile & { rows?: number })[];
  /** no segment files written: each segment's size estimated from the CSV's (segmentEstimates) */
  segmentEstimates?: SegmentEstimates;
}

/** Segment CSVs not written, sized at the full CSV's bytes a row (named by segment, not file). */
export interface SegmentEstimates {
  /** the full CSV's bytes over its organizations (its header spread over them) */
  bytesPerRow: number;
  /** each segment with an organization, its name and estimated bytes */
  segments: readonly UploadFile[];
}

/**
 * Each segment's CSV size had `--segments` written it: its organizations × the full CSV's bytes
 * a row. An estimate (a PTB customer's row carries more figures than an idle free one's), but it
 * tells a ~90 MB PTB-customers file from a ~10 MB one. Empty segments are left out.
 */
export function segmentEstimates(
  csv: { bytes: number; rows: number },
  segments: readonly { name: string; rows: number }[],
): SegmentEstimates {
  const bytesPerRow = csv.bytes / Math.max(csv.rows, 1);
  return {
    bytesPerRow,
    segments: segments.filter((s) => s.rows > 0).map((s) => ({
      name: s.name,
      bytes: Math.round(s.rows * bytesPerRow),
    })),
  };
}

/** "above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file)" */
export function aboveLimit(limit: number): string {
  return `above the ${
    formatBytes(limit)
  } that AI assistants take comfortably (Claude about 30 MB per file)`;
}

/** MCP: Claude reads data of any size through the kit's server. */
const MCP = "let Claude query the data through the kit's MCP server (`deno task mcp`)";

/** Segment files with an organization, those under the limit apart from those above it. */
function bySize(files: readonly (UploadFile & { rows?: number })[], limit: number) {
  const offered = files.filter((f) => f.rows !== 0);
  return {
    under: offered.filter((f) => f.bytes <= limit),
    over: offered.filter((f) => f.bytes > limit),
  };
}

/** "`a.csv` (1.2 MB), `b.csv` (3.4 MB)"; estimates named by segment, "~" before the size */
function sizedList(files: readonly UploadFile[], { estimated }: { estimated: boolean }): string {
  return files.map((f) => `\`${f.name}\` (${estimated ? "~" : ""}${formatBytes(f.bytes)})`)
    .join(", ");
}

/**
 * The segment files as an alternative: the written ones under the limit, named with their sizes;
 * unwritten, `--segments` with the segments estimated under it. Not offered when none fits (the
 * sentence after says they are above it too).
 */
function segmentAdvice(input: UploadInput, limit: number): string | undefined {
  const written = input.segmentFiles ?? [];
  if (written.length > 0) {
    return bySize(written, limit).under.length > 0
      ? "upload a segment file under the limit (listed after this)"
      : undefined;
  }
  const estimates = input.segmentEstimates;
  if (!estimates) return "upload a segment file (`deno task export --segments`)";
  return bySize(estimates.segments, limit).under.length > 0
    ? "upload a segment file (`deno task export --segments`; sizes estimated after this)"
    : undefined;
}

/**
 * The segment files' sizes against the limit, after the advice: the written ones, else those
 * `--segments` would write, estimated; nothing when there is neither.
 */
function segmentSizes(input: UploadInput, limit: number): string {
  const written = input.segmentFiles ?? [];
  const estimates = input.segmentEstimates;
  const estimated = written.length === 0;
  const files = estimated ? estimates?.segments ?? [] : written;
  const { under, over } = bySize(files, limit);
  if (under.length === 0 && over.length === 0) return "";
  const perRow = estimated && estimates
    ? `, estimated at the CSV's ${formatCount(estimates.bytesPerRow)} bytes a row`
    : "";
  // an empty segment's file is no smaller file to upload: neither offered nor listed
  const what = estimated ? "Segment files (`--segments`)" : "Segment files with an organization";
  if (under.length === 0) {
    const verb = estimated ? "would be" : "are";
    return ` ${what} ${verb} above it too${perRow}: ${sizedList(over, { estimated })}.`;
  }
  const above = over.length > 0 ? `; above it: ${sizedList(over, { estimated })}` : "";
  return ` ${what} under the limit${perRow}: ${sizedList(under, { estimated })}${above}.`;
}

/** The advice when no export file fits: a smaller file with this brief, or the MCP server. */
function smallerFile(input: UploadInput, limit: number, { csv }: { csv: boolean }): string {
  const segment = segmentAdvice(input, limit);
  const filter = csv ? "filter the CSV first" : undefined;
  const files = [segment, filter].filter((s) => s !== undefined);
  return files.length > 0 ? `${files.join(" or ")}, with this brief, or ${MCP}` : MCP;
}

/** What to upload instead of a CSV above the limit. */
function csvAdvice(input: UploadInput, limit: number): string {
  const trimmed = input.trimmed;
  if (trimmed && trimmed.bytes > limit) {
    return `The trimmed file is above it too (${formatBytes(trimmed.bytes)}): ${
      smallerFile(input, limit, { csv: true })
    }.${segmentSizes(input, limit)}`;
  }
  if (trimmed) return `Upload \`${trimmed.name}\` and this brief instead.`;
  const unwritten = input.trimmedAboveLimit;
  if (unwritten) {
    const rows = formatCount(unwritten.rows);
    const organizations = `${rows} organization${unwritten.rows === 1 ? "" : "s"}`;
    const without = trimmedLeavesOut(unwritten.leftOut);
    const instead = `Instead ${smallerFile(input, limit, { csv: true })}.${
      segmentSizes(input, limit)
    }`;
    // measured: written in the CSV's pass, found above the limit and removed (not published)
    return unwritten.measured
      ? `A trimmed file is above it too, so it was not kept: written, it came to ${
        formatBytes(unwritten.floorBytes)
      } without ${without}, still ${organizations}. ${instead}`
      : `A trimmed file would be above it too, so none was written: without ${without}, it would still hold ${organizations}, at least ${
        formatBytes(unwritten.floorBytes)
      }. ${instead}`;
  }
  if (input.nothingToTrim) {
    return `Every organization is on a paid tier, sent requests in the window, carries revenue or shares a Stripe customer with one of those, so there is no trimmed file: ${
      smallerFile(input, limit, { csv: true })
    }.${segmentSizes(input, limit)}`;
  }
  return `Upload a segment file or filter the CSV first.`;
}

/**
 * What to upload instead of a workbook above the limit when the export has no CSV. No trimmed
 * file is written for a workbook: the analyst asked for XLSX only, and a trimmed CSV is a run
 * of `--format csv` away (the kit writes one when the CSV is large).
 */
function xlsxOnlyAdvice(input: UploadInput, limit: number): string {
  return `This export has no CSV, so no trimmed file: export the CSV (\`deno task export --format csv\`; when it is large the kit writes a trimmed CSV beside it and the brief says which to upload), or ${
    smallerFile(input, limit, { csv: false })
  }.${segmentSizes(input, limit)}`;
}

/** The **Upload:** paragraph (empty when the export wrote no file, e.g. the MCP server's brief). */
export function uploadParagraph(input: UploadInput, limit: number): string[] {
  const csv = input.exportFiles.find((f) => f.name.endsWith(".csv"));
  const xlsx = input.exportFiles.find((f) => f.name.endsWith(".xlsx"));
  const sentences: string[] = [];
  if (csv && csv.bytes > limit) {
    sentences.push(
      `the full CSV is ${formatBytes(csv.bytes)}, ${aboveLimit(limit)}. ${csvAdvice(input, limit)}`,
    );
  } else if (csv) {
    sentences.push(`\`${csv.name}\` (${formatBytes(csv.bytes)}) together with this brief.`);
  } else if (xlsx && xlsx.bytes > limit) {
    sentences.push(
      `the workbook \`${xlsx.name}\` is ${formatBytes(xlsx.bytes)}, ${aboveLimit(limit)}. ${
        xlsxOnlyAdvice(input, limit)
      }`,
    );
  } else if (xlsx) {
    sentences.push(`\`${xlsx.name}\` (${formatBytes(xlsx.bytes)}) together with this brief.`);
  }
  if (csv && xlsx && xlsx.bytes > limit) {
    sentences.push(
      `The workbook \`${xlsx.name}\` (${formatBytes(xlsx.bytes)}) is ${
        csv.bytes > limit ? "above it too" : aboveLimit(limit)
      }: do not upload it.`,
    );
  }
  return sentences.length > 0 ? [`**Upload:** ${sentences.join(" ")}`] : [];
}

/** A segment file's size in the brief's table, marked when it is above the limit. */
export function segmentFileSize(bytes: number, limit: number): string {
  return bytes > limit
    ? `${formatBytes(bytes)}, above the ${formatBytes(limit)} limit`
    : formatBytes(bytes);
}
