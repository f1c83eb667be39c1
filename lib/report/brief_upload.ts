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
  /** the segment CSVs written beside the export, with their sizes (when known) */
  segmentFiles?: readonly UploadFile[];
}

/** "above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file)" */
export function aboveLimit(limit: number): string {
  return `above the ${
    formatBytes(limit)
  } that AI assistants take comfortably (Claude about 30 MB per file)`;
}

/** MCP: Claude reads data of any size through the kit's server. */
const MCP = "let Claude query the data through the kit's MCP server (`deno task mcp`)";

/**
 * The segment files as an alternative: the ones written when one fits, `--segments` when none
 * was written; nothing when every one written is above the limit.
 */
function segmentAdvice(input: UploadInput, limit: number): string | undefined {
  const files = input.segmentFiles ?? [];
  if (files.length === 0) return "upload a segment file (`deno task export --segments`)";
  if (files.some((f) => f.bytes <= limit)) {
    return "upload a segment file under the limit (Segment files, below)";
  }
  return undefined;
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
    }.`;
  }
  if (trimmed) return `Upload \`${trimmed.name}\` and this brief instead.`;
  const unwritten = input.trimmedAboveLimit;
  if (unwritten) {
    const rows = formatCount(unwritten.rows);
    const organizations = `${rows} organization${unwritten.rows === 1 ? "" : "s"}`;
    const without = trimmedLeavesOut(unwritten.leftOut);
    const instead = `Instead ${smallerFile(input, limit, { csv: true })}.`;
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
    }.`;
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
  }.`;
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
