/**
 * The brief's sections on the files written: Files (each with its size, which to upload, and
 * which file the figures describe when a trimmed one is beside the CSV) and Segment files.
 */
import { nounFor } from "../core/words.ts";
import { exportStamp } from "../formats/export_names.ts";
import {
  escapeMarkdown,
  markdownCode,
  markdownTable,
  trustedMarkdown,
} from "../formats/markdown.ts";
import { formatBytes, formatCount } from "./numbers.ts";
import { segmentFileSize, uploadParagraph } from "./brief_upload.ts";
import type { BriefFile, BriefInput } from "./brief_input.ts";
import { segmentFileName } from "./segments.ts";
import { leftOutMrr, leftOutOfTrimmed, trimmedLeavesOut } from "./trimmed.ts";

/** A spreadsheet's CSV import changes text that looks like a number or date; the XLSX does not. */
export const CSV_IN_SPREADSHEETS =
  "The CSV is for tools and AI upload; to read the data in a spreadsheet, open the XLSX (written by default, not with `--format csv` alone): a spreadsheet's CSV import turns text that looks like a number or date (an `org_name` such as `00123`, `1.50E+10`, `2026-01-02` or `50%`) into one, and LibreOffice's default import reads this BOM-less UTF-8 file in a legacy charset; the XLSX keeps text as text.";

/** What the Files section reads besides the input: the CSV (if written), the file described. */
export interface FilesSectionOptions {
  csv?: BriefFile;
  /** the CSV, else the first export file written */
  primary?: BriefFile;
  /** the size above which a file is too big to upload comfortably */
  limit: number;
}

/** Files, from its heading: every file written, the spreadsheet note and which to upload. */
export function filesSection(
  input: BriefInput,
  { csv, primary, limit }: FilesSectionOptions,
): string[] {
  const { frame } = input.data;
  const lines = ["## Files", ""];
  for (const file of input.exportFiles) {
    lines.push(
      `- \`${file.name}\`: ${formatBytes(file.bytes)}, ${formatCount(frame.height)} ${
        nounFor(frame.height, "organization")
      }`,
    );
  }
  if (input.trimmed) {
    const dropped = frame.height - input.trimmed.rows;
    lines.push(
      `- \`${input.trimmed.name}\`: ${formatBytes(input.trimmed.bytes)}, ${
        formatCount(input.trimmed.rows)
      } ${nounFor(input.trimmed.rows, "organization")}: the same columns without ${
        trimmedLeavesOut(dropped)
      }`,
    );
  }
  if (csv) lines.push("", CSV_IN_SPREADSHEETS);
  lines.push("");
  lines.push(...uploadParagraph(input, limit));
  if (input.trimmed && primary) lines.push("", figuresDescribe(input, primary));
  return lines;
}

/**
 * Which file the brief's figures describe, when a trimmed file is written beside the CSV: the full
 * export, and what the trimmed file holds instead (its rows and what was left out).
 */
function figuresDescribe(input: BriefInput, full: BriefFile): string {
  const trimmed = input.trimmed!;
  const out = leftOutOfTrimmed(input.data.frame);
  return `**Which file these figures describe:** every count, sum and distribution in this brief (Scope, Totals, unit economics, By tier, Distributions) describes the full export \`${full.name}\`, ${
    formatCount(input.data.frame.height)
  } organizations. \`${trimmed.name}\` holds ${
    formatCount(trimmed.rows)
  } of them, one row each, with the same columns: left out ${
    out.organizations === 1 ? "is" : "are"
  } ${trimmedLeavesOut(out.organizations)} (${formatCount(out.seats)} seat${
    out.seats === 1 ? "" : "s"
  }, ${
    leftOutMrr(out)
  }). Counted in the trimmed file, organizations, seats, the free tier and the distributions come out lower than here; the MRR total is the same (no organization with MRR above $0 is left out).`;
}

/**
 * Segment files, a blank line before it: each segment's file, rule, organizations and (when
 * written) size against the upload limit; nothing without segments.
 */
export function segmentFilesSection(input: BriefInput, limit: number): string[] {
  if (!input.segments || input.segments.length === 0) return [];
  const stamp = exportStamp(input.data);
  const sizes = new Map((input.segmentFiles ?? []).map((f) => [f.name, f.bytes]));
  const sized = sizes.size > 0;
  return [
    "",
    "## Segment files",
    "",
    "Pre-filtered CSVs beside the export, with the same columns. Rules use the export's column names; a comparison with an empty cell counts as no, so a rule that judges MRR leaves organizations with unknown MRR out and says how many (without revenue it cannot be judged: its file is empty, not a finding). Organizations sharing a Stripe customer (one row carries its revenue) are judged as one where a rule sets usage or cost against MRR: their usage summed against the customer's mrr, all of them in or none.",
    "",
    markdownTable(
      ["file", "segment", "rule", "organizations", ...(sized ? ["size"] : [])],
      input.segments.map((s) => {
        const name = segmentFileName(stamp, s.name);
        const bytes = sizes.get(name);
        return [
          markdownCode(name),
          s.title,
          // kit text with the thresholds filled in: escaped whole, not cut at a name's 200
          trustedMarkdown(escapeMarkdown(s.rule, { maxLength: 1000 })),
          formatCount(s.frame.height) + (s.notJudged ? ` — ${s.notJudged.text}` : ""),
          ...(sized ? [bytes === undefined ? "–" : segmentFileSize(bytes, limit)] : []),
        ];
      }),
    ),
  ];
}
