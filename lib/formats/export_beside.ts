/**
 * The small files the kit writes beside an export or snapshot, read back: the manifest (the
 * export's, or `<renamed>.manifest.json` copied beside a renamed file), a history snapshot's
 * sidecar, and a renamed workbook's own summary sheet. Apart from export_demo.ts, which judges
 * what the file is from them, because reading them (missing, damaged, a workbook's title) is its
 * own work, and the manifest's other records (export_manifest_records.ts) read them too.
 */
import { dirname, extname, join } from "node:path";
import { type ExportNameInfo, STANDARD_WINDOW_DAYS } from "./export_names.ts";
import { readXlsxSheet } from "./read_xlsx.ts";
import { parseIsoDate } from "../core/window.ts";
import { readSnapshotSidecar } from "./snapshot_sidecar.ts";

/** The manifest's fields read back (those a reader of the export needs). */
export interface ManifestFields {
  demo?: boolean;
  as_of?: string;
  window?: { days?: number };
  /** the files the export wrote, each with its size in bytes */
  files?: unknown;
}

/** Where the manifest of the file at `path` is: the export's (same stamp), or `<renamed>.manifest.json`. */
export function manifestPathOf(path: string, name: ExportNameInfo | null): string {
  return name
    ? join(dirname(path), `helicone_pricing_data_${name.stamp}.manifest.json`)
    : path.slice(0, path.length - extname(path).length) + ".manifest.json";
}

/** A JSON file's object, or null when it is missing or not a JSON object. */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null; // no such file (a file handed on alone): the name says what it can
  }
}

/** The small files beside an export: its manifest, and a snapshot's sidecar. */
export interface Beside {
  manifest: ManifestFields | null;
  /** a file is where the manifest goes, but no JSON object: `manifest` is null */
  manifestDamaged: boolean;
  sidecar: { demo?: unknown; as_of?: unknown } | null;
  /** a snapshot's damaged sidecar, read as missing: the warning (snapshot_sidecar.ts) */
  sidecarWarning: string | null;
  /** a renamed workbook's summary sheet, read when its manifest does not say all */
  workbook: WorkbookFacts | null;
}

/** What a kit workbook's summary sheet says of it: the title's date and flag, the window line. */
interface WorkbookFacts {
  asOf: Date;
  demo: boolean;
  windowDays: number;
}

const WORKBOOK_TITLE = /^Helicone pricing data, (\d{4}-\d{2}-\d{2})( \(DEMO DATA\))?$/;
// "Window: 30 days, 2026-10-02 to …"; earlier kits wrote "Window: 7 days — …" for another window only
const WORKBOOK_WINDOW = /^Window: ([1-9]\d{0,3}) days?(?:,| —) /;

/**
 * A kit workbook's as-of date, demo flag and window from its summary sheet (lib/economics/
 * xlsx_summary.ts writes the title first and the window line under it; earlier kits wrote that
 * line for another window than 30 days only); null for a workbook that is not one, or unreadable (its reader says why).
 */
async function workbookFacts(path: string): Promise<WorkbookFacts | null> {
  try {
    const sheet = readXlsxSheet(await Deno.readFile(path), "summary");
    if (sheet.name !== "summary") return null;
    const text = (i: number) => {
      const value = sheet.rows[i]?.values[0];
      return typeof value === "string" ? value : "";
    };
    const title = WORKBOOK_TITLE.exec(text(0));
    const asOf = title ? parseIsoDate(title[1]) : null;
    if (!title || !asOf) return null;
    const window = WORKBOOK_WINDOW.exec(text(1));
    return {
      asOf,
      demo: title[2] !== undefined,
      windowDays: window ? Number(window[1]) : STANDARD_WINDOW_DAYS,
    };
  } catch {
    return null;
  }
}

/** The files beside the export at `path` (its name `name`, null for a renamed file), read. */
export async function besideOf(path: string, name: ExportNameInfo | null): Promise<Beside> {
  const manifestPath = manifestPathOf(path, name);
  const manifest = await readJsonObject(manifestPath) as ManifestFields | null;
  const ext = extname(path).toLowerCase();
  const manifestSaysAll = typeof manifest?.demo === "boolean" &&
    Number.isInteger(manifest?.window?.days) && instantOf(manifest?.as_of) !== null;
  const sidecar = ext === ".parquet" ? await readSnapshotSidecar(path) : null;
  return {
    manifest,
    // (there, but cut short or edited into no JSON object: read as missing, said as damaged)
    manifestDamaged: manifest === null &&
      await Deno.stat(manifestPath).then(() => true, () => false),
    sidecar: sidecar?.meta ?? null,
    sidecarWarning: sidecar?.warning ?? null,
    workbook: name === null && ext === ".xlsx" && !manifestSaysAll
      ? await workbookFacts(path)
      : null,
  };
}

/** An instant in a manifest or sidecar (`as_of`), or null when it is not one. */
export function instantOf(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
