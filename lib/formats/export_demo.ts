/**
 * What an export or snapshot file is — demo data or not, its as-of and its window — from what the
 * kit writes beside it: its name (`_demo`, the date, `_<N>d`), the manifest written with it, or a
 * history snapshot's sidecar (`<name>.parquet.json`). A renamed file is read from the manifest
 * copied beside it (`<renamed>.manifest.json`), else from what it carries itself: a workbook's
 * summary sheet (its title's date and "(DEMO DATA)", its "Window: N days" line), and any file's
 * rows (revenue_source demo: only the demo generator writes it, withRowsFacts). What nothing gives
 * is not known, and a reader says what it assumed (exportAssumptionWarning).
 */
import { basename, extname } from "node:path";
import type pl from "nodejs-polars";
import { type ExportNameInfo, exportNameInfo, STANDARD_WINDOW_DAYS } from "./export_names.ts";
import { isoDate } from "./files.ts";
import { listInWords } from "../core/words.ts";
import {
  type Beside,
  besideOf,
  instantOf,
  type ManifestFields,
  manifestPathOf,
  readJsonObject,
} from "./export_beside.ts";

/** Whether the file holds demo data and, when it does, what says so ("its name ends _demo"…). */
export interface DemoMark {
  demo: boolean;
  /** the evidence, in words; null when nothing marks it as demo data */
  why: string | null;
}

/**
 * Demo data or not: what the export recorded (its manifest's `"demo"`, a snapshot sidecar's) when
 * there is a record, the name (`_demo`) only when there is none (an older kit's file, or one handed
 * on without its manifest), then a workbook's title. A name is anyone's to choose (a file renamed
 * after an organization or a folder, `…_demo_customers.csv`); the record is the run's own.
 */
function markOf(name: ExportNameInfo | null, { manifest, sidecar, workbook }: Beside): DemoMark {
  const recorded = typeof manifest?.demo === "boolean"
    ? { demo: manifest.demo, what: "manifest" }
    : typeof sidecar?.demo === "boolean"
    ? { demo: sidecar.demo, what: "sidecar" }
    : null;
  if (recorded) {
    if (!recorded.demo) return { demo: false, why: null };
    // (the name agreeing, it is what a reader sees first)
    return name?.demo
      ? { demo: true, why: "its name ends _demo" }
      : { demo: true, why: `its ${recorded.what} says "demo": true` };
  }
  if (name?.demo) return { demo: true, why: "its name ends _demo" };
  if (workbook?.demo) return { demo: true, why: "its summary sheet's title says DEMO DATA" };
  return { demo: false, why: null };
}

/** Why a file whose rows say so is demo data, in words. */
export const ROWS_DEMO_WHY = "its rows' revenue_source is demo (the demo generator's)";

/**
 * Whether the rows say demo data: revenue_source `demo`, which only the demo generator writes (a
 * live export's are stripe, cache, no_customer, shared_customer, unconverted or none). A frame
 * without the column says nothing.
 */
export function rowsSayDemo(frame: pl.DataFrame): boolean {
  if (!frame.columns.includes("revenue_source")) return false;
  return (frame.getColumn("revenue_source").toArray() as unknown[]).some((v) => v === "demo");
}

/**
 * `facts` with what the file's rows say: a file whose rows' revenue_source is demo is demo data,
 * whatever its name or manifest (a renamed demo export read as real customers); rows never make
 * a file live.
 */
export function withRowsFacts(facts: ExportFileFacts, frame: pl.DataFrame): ExportFileFacts {
  if (facts.demo.demo || !rowsSayDemo(frame)) return facts;
  return {
    ...facts,
    demo: { demo: true, why: ROWS_DEMO_WHY },
    demoKnown: true,
  };
}

/** The file's demo mark: the manifest beside it or a snapshot's sidecar, else its name (markOf). */
export async function demoMark(path: string): Promise<DemoMark> {
  const name = exportNameInfo(path);
  return markOf(name, await besideOf(path, name));
}

/**
 * What is wrong with an export file's as-of (from its name, manifest or sidecar) for reading it
 * as data of that day: one after `now`, or before 1970-01-01 (the earliest an export takes), is
 * a misnamed file; null when nothing is.
 */
export function exportAsOfProblem(asOf: Date, now: number = Date.now()): string | null {
  if (asOf.getTime() > now) return `its as-of date ${isoDate(asOf)} is in the future`;
  if (asOf.getTime() < 0) return `its as-of date ${isoDate(asOf)} is before 1970-01-01`;
  return null;
}

/** An export file's as-of, window and demo flag, and where they came from. */
export interface ExportFileFacts {
  /** what the name says; null for a renamed file */
  name: ExportNameInfo | null;
  /** null: neither the name nor a manifest or sidecar beside the file gives it */
  asOf: Date | null;
  windowDays: number | null;
  demo: DemoMark;
  /** whether the name, manifest or sidecar says demo data or not (a renamed file alone: no) */
  demoKnown: boolean;
  /** the manifest looked for beside the file, and whether it is there */
  manifestPath: string;
  manifestFound: boolean;
  /** a file is there, but no JSON object (cut short, edited): read as missing */
  manifestDamaged: boolean;
  /** an earlier kit's name giving the wrong window, which its manifest corrects: in words */
  windowNote: string | null;
}

/**
 * The window of a file named as an export: its name's, except that a name without `_<N>d` is of
 * the window the manifest beside it gives when that manifest lists this very file (name and
 * size). Kits before 2026-12-02 named a 7-day export as a 30-day one (`…_2026-11-15.csv`): read as
 * 30 days, its usage was priced and stored as a month's. A file its manifest does not list (an
 * earlier run's XLSX a 7-day run left beside its own manifest) keeps its name's 30 days.
 */
export async function namedExportWindowDays(
  path: string,
  name: ExportNameInfo,
  { manifest, size }: {
    /** the manifest beside it, already read (null: none); else read here */
    manifest?: ManifestFields | null;
    /** the file's size, already known; else taken here */
    size?: number;
  } = {},
): Promise<number> {
  if (name.windowDays !== STANDARD_WINDOW_DAYS) return name.windowDays;
  const read = manifest !== undefined
    ? manifest
    : await readJsonObject(manifestPathOf(path, name)) as ManifestFields | null;
  const days = read?.window?.days;
  if (!Number.isInteger(days) || days! < 1 || days === STANDARD_WINDOW_DAYS) {
    return name.windowDays;
  }
  const bytes = size ?? (await Deno.stat(path).catch(() => null))?.size;
  const listed = Array.isArray(read?.files) &&
    read.files.some((file) => file?.name === basename(path) && file?.bytes === bytes);
  return listed ? days! : name.windowDays;
}

/** per export path, the size and modification time it was read at and its window */
const listedWindows = new Map<string, { key: string; windowDays: number }>();

/**
 * namedExportWindowDays of a file whose size and modification time are known, remembered while
 * they stay the same: the MCP server lists its folder at every call, and reading each export's
 * manifest again would multiply that listing's time (an export and its manifest are written
 * together).
 */
export async function listedExportWindowDays(
  path: string,
  { name, file }: { name: ExportNameInfo; file: { size: number; mtime: Date | null } },
): Promise<number> {
  if (name.windowDays !== STANDARD_WINDOW_DAYS) return name.windowDays;
  const key = `${file.size}:${file.mtime?.getTime()}`;
  const known = listedWindows.get(path);
  if (known?.key === key) return known.windowDays;
  const windowDays = await namedExportWindowDays(path, name, { size: file.size });
  listedWindows.set(path, { key, windowDays });
  return windowDays;
}

/** The line saying a file's window is its manifest's, not its name's (namedExportWindowDays). */
function earlierWindowNote(
  path: string,
  { windowDays, manifestPath }: { windowDays: number; manifestPath: string },
): string {
  return `${basename(path)} is a ${windowDays}-day export named as a 30-day one (an earlier kit ` +
    `named it without _${windowDays}d): read as ${windowDays} days, as its manifest ${
      basename(manifestPath)
    } says`;
}

/**
 * What the file at `path` is: from its name, else (a renamed file) from the manifest copied beside
 * it or a snapshot's sidecar (snapshots are 30-day). The notebooks, compare and scenario --input
 * read renamed files alike.
 */
export async function exportFileFacts(path: string): Promise<ExportFileFacts> {
  const name = exportNameInfo(path);
  const beside = await besideOf(path, name);
  const manifestPath = manifestPathOf(path, name);
  const common = {
    name,
    demo: markOf(name, beside),
    manifestPath,
    manifestFound: beside.manifest !== null,
    manifestDamaged: beside.manifestDamaged,
  };
  if (name) {
    const windowDays = await namedExportWindowDays(path, name, { manifest: beside.manifest });
    return {
      ...common,
      asOf: name.asOf,
      windowDays,
      demoKnown: true,
      windowNote: windowDays === name.windowDays
        ? null
        : earlierWindowNote(path, { windowDays, manifestPath }),
    };
  }
  const { manifest, sidecar, workbook } = beside;
  const days = manifest?.window?.days;
  return {
    ...common,
    windowNote: null,
    asOf: instantOf(manifest?.as_of) ?? instantOf(sidecar?.as_of) ?? workbook?.asOf ?? null,
    windowDays: Number.isInteger(days) && days! >= 1
      ? days!
      : sidecar !== null
      ? STANDARD_WINDOW_DAYS
      : workbook?.windowDays ?? null,
    demoKnown: typeof manifest?.demo === "boolean" || typeof sidecar?.demo === "boolean" ||
      workbook !== null,
  };
}

/** An export file's exact as-of and, in words, what gave it (for the line that names it). */
export interface ExactAsOf {
  asOf: Date;
  /** "the as-of in its manifest <name>", "its name's date at 00:00 UTC: …", … */
  from: string;
  /** a snapshot's damaged sidecar, read as missing: the warning to print */
  sidecarWarning?: string;
}

/**
 * The exact as-of of a file named as an export (null otherwise): the time in its name
 * (`…_2026-12-01T130000Z…`; its sidecar's within that second, which an older kit's name cut off),
 * else its snapshot sidecar's or the manifest beside it when that falls
 * on the name's date and agrees on demo data and window, else the name's date at 00:00 UTC. The
 * name holds the date only, so an export at 13:00 on the 1st (December to date) read by its name
 * alone would be taken for November's month end.
 */
export async function exportExactAsOf(path: string): Promise<ExactAsOf | null> {
  const name = exportNameInfo(path);
  if (!name) return null;
  const beside = await besideOf(path, name);
  const windowDays = await namedExportWindowDays(path, name, { manifest: beside.manifest });
  const exact = exactAsOf(path, { ...name, windowDays }, beside);
  return beside.sidecarWarning ? { ...exact, sidecarWarning: beside.sidecarWarning } : exact;
}

function exactAsOf(
  path: string,
  name: ExportNameInfo,
  { manifest, manifestDamaged, sidecar }: Beside,
): ExactAsOf {
  if (name.stamp.includes("T")) {
    // an older kit cut a snapshot's milliseconds from its name (`T000000Z` for 00:00:00.500)
    const exact = instantOf(sidecar?.as_of);
    const second = (at: Date) => at.getTime() - at.getUTCMilliseconds();
    return exact && second(exact) === name.asOf.getTime() &&
        (sidecar?.demo ?? name.demo) === name.demo
      ? { asOf: exact, from: `the as-of in its sidecar ${basename(path)}.json` }
      : { asOf: name.asOf, from: "its name's date and time" };
  }
  const onTheDate = (at: Date | null) => at !== null && isoDate(at) === isoDate(name.asOf);
  const fromSidecar = instantOf(sidecar?.as_of);
  if (onTheDate(fromSidecar) && (sidecar?.demo ?? name.demo) === name.demo) {
    return { asOf: fromSidecar!, from: `the as-of in its sidecar ${basename(path)}.json` };
  }
  const fromManifest = instantOf(manifest?.as_of);
  const days = manifest?.window?.days ?? name.windowDays;
  if (
    onTheDate(fromManifest) && (manifest?.demo ?? name.demo) === name.demo &&
    days === name.windowDays
  ) {
    return {
      asOf: fromManifest!,
      from: `the as-of in its manifest ${basename(manifestPathOf(path, name))}`,
    };
  }
  return {
    asOf: name.asOf,
    from: `its name's date at 00:00 UTC: ${
      manifest
        ? "the manifest beside it is another export's"
        : manifestDamaged
        ? `its manifest ${basename(manifestPathOf(path, name))} is damaged, not a JSON object`
        : "no manifest beside it gives the time"
    }`,
  };
}

/** What a reader takes for each fact of a renamed file that nothing gives, in words. */
export interface Assumptions {
  demo: string;
  windowDays: string;
  /** left out: the reader does not use the as-of (the questions notebook) */
  asOf?: string;
}

/**
 * The one-line warning for a renamed file whose demo flag, window or as-of nothing beside it gives,
 * naming what was assumed for each; null when the name or manifest gives all three.
 */
export function exportAssumptionWarning(
  path: string,
  { facts, assumed }: { facts: ExportFileFacts; assumed: Assumptions },
): string | null {
  const taken = [
    facts.demoKnown ? null : assumed.demo,
    facts.windowDays === null ? assumed.windowDays : null,
    facts.asOf === null ? assumed.asOf ?? null : null,
  ].filter((part) => part !== null);
  if (taken.length === 0) return null;
  const manifest = basename(facts.manifestPath);
  const list = listInWords(taken);
  return `${basename(path)} is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d]${
    extname(path)
  }) and ${
    facts.manifestFound
      ? `its manifest ${manifest} does not say all`
      : facts.manifestDamaged
      ? `its manifest ${manifest} is damaged, not a JSON object`
      : `has no manifest beside it (${manifest})`
  }: assumed ${list}; keep the export's name, or copy its manifest beside it as ${manifest}`;
}
