/**
 * What retention did, in the lines a cron log shows: how many export sets (and other files) went,
 * then one line per date naming them, the staging folders removed, and each set kept only for
 * being the newest of its kind.
 */
import { basename } from "node:path";
import { isoDate } from "../formats/files.ts";
import { kitFile, type KitFileKind } from "./kit_names.ts";
import type { RetentionResult } from "./retention.ts";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/**
 * The summary of `result` for a retention of `keepDays` days; no lines when it did nothing.
 * E.g. `Deleted 2 export sets (9 files) and 3 other files dated more than 30 days ago:`, then
 * `  2026-10-01: export set 2026-10-01 (5 files), 3 comparison files`, one line per date.
 */
export function retentionSummary(result: RetentionResult, keepDays: number): string[] {
  const lines: string[] = [];
  // by date, then by export set (its stamp) or kind of file
  const byDate = new Map<string, Map<string, { label: string; files: number }>>();
  const sets = new Set<string>();
  let setFiles = 0;
  for (const path of result.deleted) {
    const file = kitFile(basename(path));
    if (!file) continue; // (pruneExports deletes only kit files)
    const date = isoDate(file.date);
    const groups = byDate.get(date) ?? new Map();
    byDate.set(date, groups);
    const key = file.stamp ?? file.kind;
    const group = groups.get(key) ?? { label: groupLabel(file.kind, file.stamp), files: 0 };
    group.files++;
    groups.set(key, group);
    if (file.stamp !== undefined) {
      sets.add(file.stamp);
      setFiles++;
    }
  }
  const others = result.deleted.length - setFiles;
  if (result.deleted.length > 0) {
    const setPart = sets.size > 0
      ? `${plural(sets.size, "export set")} (${plural(setFiles, "file")})`
      : "";
    const otherPart = others === 0 ? "" : plural(others, sets.size > 0 ? "other file" : "file");
    lines.push(
      `Deleted ${[setPart, otherPart].filter(Boolean).join(" and ")} dated more than ${
        plural(keepDays, "day")
      } ago:`,
    );
    for (const date of [...byDate.keys()].sort()) {
      // export sets first, by stamp; then the other kinds of file
      const groups = [...byDate.get(date)!.values()]
        .sort((a, b) => setFirst(a.label) - setFirst(b.label) || (a.label < b.label ? -1 : 1))
        .map(({ label, files }) =>
          label.startsWith(SET_LABEL) ? `${label} (${plural(files, "file")})` : plural(files, label)
        );
      lines.push(`  ${date}: ${groups.join(", ")}`);
    }
  }
  if (result.staging.length > 0) {
    lines.push(
      `Removed ${plural(result.staging.length, "left-over staging folder")}: ${
        result.staging.map((path) => basename(path)).join(", ")
      }`,
    );
  }
  for (const { stamp, demo } of result.keptNewest) {
    lines.push(
      `Kept export set ${stamp} though dated more than ${plural(keepDays, "day")} ago: the newest ${
        demo ? "demo" : "live"
      } set always stays`,
    );
  }
  return lines;
}

const SET_LABEL = "export set ";
const setFirst = (label: string) => label.startsWith(SET_LABEL) ? 0 : 1;

/** `export set 2026-10-01_demo`, or the kind of file (`comparison file`). */
function groupLabel(kind: KitFileKind, stamp: string | undefined): string {
  return stamp !== undefined ? `${SET_LABEL}${stamp}` : `${kind} file`;
}
