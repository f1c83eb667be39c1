/**
 * The exports in the MCP server's exports folder: one per stamp (its CSV and/or XLSX), newest
 * first, the files beside each (manifest, brief, CSV) and what the served dataset was read from,
 * and the rule that a demo-only server serves no live export.
 */
import { join } from "node:path";
import {
  exportDataFileInfo,
  exportFileName,
  STANDARD_WINDOW_DAYS,
} from "../formats/export_names.ts";
import { listedExportWindowDays } from "../formats/export_demo.ts";
import { UserError } from "../core/config.ts";
import { readManifest } from "./export_reading.ts";
import { compareText } from "../core/text_order.ts";
import { fileIdentity } from "../formats/files.ts";

/** One export in the folder: its CSV and/or XLSX of one stamp (date, demo or live). */
export interface ExportCandidate {
  /** the file read: the stamp's CSV when there is one (faster than the workbook), else its XLSX */
  path: string;
  name: string;
  /** every file name of this export (its CSV and XLSX), for picking it by either name */
  files: string[];
  asOf: Date;
  demo: boolean;
  /** the window's days: from the name (`_<N>d`), else from a manifest beside it that lists this
   * very file (an earlier kit named a 7-day export without `_7d`), else 30 */
  windowDays: number;
  /** the newest file time of the stamp's files */
  mtimeMs: number;
  size: number;
  /** the file read's fileIdentity: another file published in its place has another */
  fileId: string;
}

/**
 * The exports in `dir`, one per stamp, newest first (as-of date, the 30-day one first, then file
 * time). `demoOnly`
 * leaves live exports out (a server without a token serves demo data only).
 */
export async function listExports(
  dir: string,
  { demoOnly = false }: { demoOnly?: boolean } = {},
): Promise<ExportCandidate[]> {
  const byStem = new Map<string, ExportCandidate>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      const info = exportDataFileInfo(entry.name);
      if (!info || (demoOnly && !info.demo)) continue;
      const path = join(dir, entry.name);
      const stat = await Deno.stat(path).catch(() => null);
      if (!stat) continue;
      const file: ExportCandidate = {
        path,
        name: entry.name,
        files: [entry.name],
        asOf: info.asOf,
        demo: info.demo,
        windowDays: await listedExportWindowDays(path, { name: info, file: stat }),
        mtimeMs: stat.mtime?.getTime() ?? 0,
        size: stat.size,
        fileId: fileIdentity(stat),
      };
      const stem = entry.name.replace(/\.(csv|xlsx)$/, "");
      const other = byStem.get(stem);
      if (!other) {
        byStem.set(stem, file);
        continue;
      }
      const read = entry.name.endsWith(".csv") ? file : other;
      byStem.set(stem, {
        ...read,
        files: [...other.files, entry.name].sort(),
        mtimeMs: Math.max(other.mtimeMs, file.mtimeMs),
      });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  // of one date, the standard 30-day export first: another window's is a side look, not the data
  const otherWindow = (e: ExportCandidate) => e.windowDays === STANDARD_WINDOW_DAYS ? 0 : 1;
  return [...byStem.values()].sort((a, b) =>
    b.asOf.getTime() - a.asOf.getTime() || otherWindow(a) - otherWindow(b) ||
    b.mtimeMs - a.mtimeMs || compareText(a.name, b.name)
  );
}

/** The export named `name` (its CSV or its XLSX file name), if listed. */
export function exportNamed(
  exports: ExportCandidate[],
  name: string,
): ExportCandidate | undefined {
  return exports.find((e) => e.files.includes(name));
}

/**
 * A demo-only server (no token) serves no live data: an export named _demo whose manifest says
 * `"demo": false` is live data all the same, unless its rows say demo (revenue_source demo: only
 * the demo generator writes it). The one rule for the dataset and for compare_exports' files.
 */
export async function refuseLiveOnDemoOnly(
  candidate: ExportCandidate,
  { demoOnly, rowsDemo }: { demoOnly: boolean; rowsDemo: boolean },
): Promise<void> {
  if (!demoOnly || rowsDemo) return;
  const manifest = await readManifest(sibling(candidate, "manifest.json"));
  if ((manifest?.demo ?? candidate.demo) === false) throw liveOnDemoOnlyError(candidate.name);
}

export function liveOnDemoOnlyError(name: string): UserError {
  return new UserError(
    `${name} is live data (its manifest says "demo": false) and this server ` +
      "serves demo data only (no PRICING_SERVER_TOKEN); set a token to serve live exports",
  );
}

/** The path of the export's file with extension `ext` (its manifest, brief, CSV), beside it. */
export function sibling(candidate: ExportCandidate, ext: string): string {
  const dir = candidate.path.slice(0, candidate.path.length - candidate.name.length);
  return join(
    dir,
    exportFileName({
      asOf: candidate.asOf,
      demo: candidate.demo,
      windowDays: candidate.windowDays,
      ext,
    }),
  );
}

/**
 * What the served dataset is made of: the export file read and its manifest and brief (each
 * present or not, with its time and size), so one landing or changing after the CSV is read. Taken
 * again after a read: a change meanwhile (the export published again) reads it again (dataset.ts).
 */
export async function freshnessKey(candidate: ExportCandidate): Promise<string> {
  const parts = [candidate.path, candidate.mtimeMs, candidate.size, candidate.fileId];
  for (const ext of ["manifest.json", "md"]) {
    const stat = await Deno.stat(sibling(candidate, ext)).catch(() => null);
    parts.push(stat ? `${ext} ${stat.mtime?.getTime() ?? 0} ${stat.size}` : `no ${ext}`);
  }
  return parts.join("|");
}
