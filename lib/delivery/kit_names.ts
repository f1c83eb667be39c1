/**
 * The names of the files the kit writes in an output folder, for retention (retention.ts): which
 * names are the kit's, of what kind, their date, and for an export's files the set they belong to
 * (its stamp). Built with the writers' own name functions, so a name no writer produces (a user's
 * renamed copy, `…_2026-11-01_backup.csv`) is not the kit's.
 */
import { basename } from "node:path";
import {
  DATE_SOURCE,
  exportStamp,
  type ExportStampOptions,
  stampedFileName,
  TIME_SOURCE,
  WRITTEN_STAMP_SOURCE,
  WRITTEN_WINDOW_SOURCE,
} from "../formats/export_names.ts";
import { briefFileName, trimmedFileName } from "../report/brief.ts";
import { SEGMENT_NAMES, segmentFileName } from "../report/segments.ts";
import { TRIMMED_SUFFIX } from "../report/export_parts.ts";
import { chartFilePaths } from "../report/chart_paths.ts";
import { comparisonFileBase } from "../analysis/compare_files.ts";
import { scenarioFileBase } from "../analysis/scenario/report.ts";
import type { Scenario } from "../analysis/scenario/model.ts";
import { historyReportNames } from "../history/report_names.ts";

// A sample stamp in the writers' names stands for any stamp (the slots below). The stamps are
// taken only as their writers write them (lib/formats/export_names.ts WRITTEN_STAMP_SOURCE): a
// file is the kit's, and retention's to delete, only when a writer could have named it so.

/** dateStamp's shapes (the history report's names carry no window). */
const DATE_STAMP = `${DATE_SOURCE}(?:_demo)?`;
/** The part of an export a scenario's or comparison's input may be: a segment or `trimmed`. */
const PART = `(?:_(?:${[TRIMMED_SUFFIX, ...SEGMENT_NAMES].join("|")}))?`;
/** A scenario's stamp: its input's exportStamp, with the input's part (scenario stageScenarioFiles). */
const INPUT_STAMP = `${WRITTEN_STAMP_SOURCE}${PART}`;
/**
 * A comparison's stamp (lib/cli/compare.ts stampOf): an export's, or a history snapshot's with
 * its time when not 00:00 UTC (`2026-10-01T120000Z`, milliseconds when not zero), and its part.
 */
const COMPARED_STAMP =
  `${DATE_SOURCE}(?:${TIME_SOURCE})?(?:_demo)?(?:${WRITTEN_WINDOW_SOURCE})?${PART}`;
/** A scenario's name as lib/analysis/scenario/validation.ts accepts it. */
const SCENARIO_NAME = "[a-z0-9][a-z0-9_-]*";
/** The charts of an export (lib/report/charts.ts, lib/economics/charts.ts). */
const EXPORT_CHARTS = [
  "margin_vs_mrr",
  "margin_by_tier",
  "requests_vs_llm_cost",
  "usage_by_tier",
  "cost_and_mrr_by_tier",
  "margin_by_plan",
  "mrr_vs_requests",
  "mrr_per_1k_requests_by_plan",
];
const SAMPLE: ExportStampOptions = { asOf: new Date("1999-12-31T00:00:00Z"), demo: false };
const SAMPLE_STAMP = exportStamp(SAMPLE);
// Slots in a sample name: control characters, which no name function writes or regex escapes.
const STAMP_SLOT = "\u0001";
const DATE_STAMP_SLOT = "\u0002";
const NAME_SLOT = "\u0003";
const INPUT_STAMP_SLOT = "\u0004";
const COMPARED_STAMP_SLOT = "\u0005";

/**
 * A sample name as a regex source: literal text escaped, each slot its pattern; with
 * `captureStamp`, the export stamp as a group (an export's names hold one).
 */
function namePattern(name: string, { captureStamp = false } = {}): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll(STAMP_SLOT, captureStamp ? `(${WRITTEN_STAMP_SOURCE})` : WRITTEN_STAMP_SOURCE)
    .replaceAll(DATE_STAMP_SLOT, DATE_STAMP)
    .replaceAll(NAME_SLOT, SCENARIO_NAME)
    .replaceAll(INPUT_STAMP_SLOT, INPUT_STAMP)
    .replaceAll(COMPARED_STAMP_SLOT, COMPARED_STAMP);
}

/** What a kit file is: an export set's, or another writer's (or a killed run's temporary file). */
export type KitFileKind = "export" | "comparison" | "scenario" | "history report" | "temporary";

/** The names each writer produces, with slots for the stamps and names. */
function kitNameTemplates(): Record<Exclude<KitFileKind, "temporary">, string[]> {
  const sample = (name: string) => name.replace(SAMPLE_STAMP, STAMP_SLOT);
  const chartNames = (names: string[], stamp: string) =>
    chartFilePaths(names.map((name) => ({ name })), { outDir: "", stamp }).map((p) => basename(p));
  const history = historyReportNames(DATE_STAMP_SLOT);
  const comparison = comparisonFileBase(COMPARED_STAMP_SLOT, COMPARED_STAMP_SLOT);
  const scenario = scenarioFileBase({ name: NAME_SLOT } as Scenario, INPUT_STAMP_SLOT);
  return {
    // an export's set: data, manifest, brief, trimmed CSV, segments, charts (one stamp each)
    export: [
      ...["csv", "xlsx", "manifest.json"].map((ext) => stampedFileName(STAMP_SLOT, { ext })),
      sample(briefFileName(SAMPLE)),
      sample(trimmedFileName(SAMPLE)),
      ...SEGMENT_NAMES.map((segment) => segmentFileName(STAMP_SLOT, segment)),
      ...chartNames(EXPORT_CHARTS, STAMP_SLOT),
    ],
    comparison: [".csv", "_totals.csv", ".md"].map((ext) => `${comparison}${ext}`),
    scenario: [".csv", "_by_tier.csv", ".md"].map((ext) => `${scenario}${ext}`),
    "history report": [
      history.csv,
      history.changes,
      history.currencies,
      history.retention,
      history.cohorts,
      history.markdown,
      ...history.charts,
    ],
  };
}

const TEMPLATES = kitNameTemplates();
/** One regex per export name, its stamp the first group. */
const EXPORT_NAMES = TEMPLATES.export.map((name) =>
  new RegExp(`^${namePattern(name, { captureStamp: true })}$`)
);
const OTHER_NAMES = (["comparison", "scenario", "history report"] as const).map((kind) => ({
  kind,
  pattern: new RegExp(`^(?:${TEMPLATES[kind].map((name) => namePattern(name)).join("|")})$`),
}));
const KIT_NAME = `(?:${
  Object.values(TEMPLATES).flat().map((name) => namePattern(name)).join("|")
})`;
/**
 * Temporary files of atomic writes left behind by a killed run: tempPathFor's
 * `.<name>.<random>.tmp`, or ownedTempPath's `.<name>.<random>.p<pid>s<start>h<host>.tmp`.
 */
const KIT_TEMP = new RegExp(`^\\.${KIT_NAME}\\.[a-z0-9]+(?:\\.p\\d+s\\d*h[0-9a-f]{8})?\\.tmp$`);

/** A file the kit wrote: its kind, its date, and for an export's file its set's stamp. */
export interface KitFile {
  kind: KitFileKind;
  /** the newest date in the name (the data's as-of date; the newer one for comparisons) */
  date: Date;
  /** an export's stamp (`2026-11-25_demo_7d`): the files of one export share it */
  stamp?: string;
}

/** What the kit file `name` is, or null when the name is not the kit's (or has no real date). */
export function kitFile(name: string): KitFile | null {
  const date = newestDate(name);
  if (!date) return null;
  for (const pattern of EXPORT_NAMES) {
    const match = name.match(pattern);
    if (match) return { kind: "export", date, stamp: match[1] };
  }
  const other = OTHER_NAMES.find(({ pattern }) => pattern.test(name));
  if (other) return { kind: other.kind, date };
  return KIT_TEMP.test(name) ? { kind: "temporary", date } : null;
}

/** The newest valid date in a kit file name, or null when the name is not the kit's. */
export function kitFileDate(name: string): Date | null {
  return kitFile(name)?.date ?? null;
}

/** The newest real date in `name`, or null. */
function newestDate(name: string): Date | null {
  let newest: Date | null = null;
  for (const match of name.matchAll(/(\d{4})-(\d{2})-(\d{2})/g)) {
    const date = new Date(`${match[0]}T00:00:00Z`);
    // Reject impossible dates (2026-02-31 rolls over in Date): the name must round-trip.
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== match[0]) continue;
    if (!newest || date > newest) newest = date;
  }
  return newest;
}

/** The data files of an export set (its CSV, its XLSX): what the MCP server reads. */
export function exportDataNames(stamp: string): string[] {
  return ["csv", "xlsx"].map((ext) => stampedFileName(stamp, { ext }));
}
