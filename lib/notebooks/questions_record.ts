/**
 * What the questions notebook shows of the record beside an export file it reads (csvPath): the
 * warnings its manifest lists (a snapshot's sidecar) and the MRR of Stripe customers no
 * organization maps to, in the brief's words, so an analyst working from the file alone is told
 * what the brief told its reader; a file with no record says so in one line.
 */
import { recordedWarnings } from "../formats/export_manifest_records.ts";
import { unmappedCustomersLines } from "../report/brief_currency.ts";
import { withoutUnmappedWarning } from "../revenue/unmapped.ts";
import { someUnmapped } from "../revenue/unmapped_record.ts";

/** The file's record, as the loading cell shows it. */
export interface FileRecordNotes {
  /** Markdown lines under the count (kit-authored: names as code spans, figures from a whole record) */
  notes: string[];
  /** the warnings the record lists, as text (escaped where shown) */
  warnings: string[];
  /** the heading over them, in Markdown */
  warningsFrom: string;
}

/** The record beside the export file at `path`, as lines for the notebook's loading cell. */
export async function fileRecordNotes(path: string): Promise<FileRecordNotes> {
  const recorded = await recordedWarnings(path);
  const what = recorded.record.endsWith(".manifest.json") ? "manifest" : "sidecar";
  // a renamed file's name is the user's: no backtick or line break may end the code span
  const name = `\`${recorded.record.replace(/[`\r\n]/g, "")}\``;
  const unknown =
    "the export's warnings and the MRR of Stripe customers no organization maps to are not known here";
  if (recorded.state === "missing") {
    return {
      notes: [`**No ${what}** beside this file (${name}): ${unknown}; keep the ${what} beside it.`],
      warnings: [],
      warningsFrom: "",
    };
  }
  if (recorded.state === "damaged") {
    return {
      notes: [`**The ${what} ${name} is damaged** (not the kit's JSON): ${unknown}.`],
      warnings: [],
      warningsFrom: "",
    };
  }
  const { unmapped } = recorded;
  return {
    notes: [
      ...(someUnmapped(unmapped) ? [unmappedCustomersLines(unmapped!)[0]] : []),
      ...(recorded.warningsDamaged
        ? [`**The ${what} ${name} is damaged:** its \`warnings\` is not a list of text, not shown.`]
        : []),
    ],
    // the run's warning on them says it again, the brief's sentence carries the same figures
    warnings: withoutUnmappedWarning(recorded.warnings, unmapped),
    warningsFrom: `**Warnings the export's ${what} ${name} lists** (as its brief showed them):`,
  };
}
