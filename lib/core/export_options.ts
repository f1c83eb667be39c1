/**
 * An export's options: the defaults, and what is checked before anything runs (a notebook's
 * parameters cell and library callers pass them as typed, not through the command line's parser).
 * Errors name the option as a notebook's parameters cell does, beside the command line's flag
 * (`formats (--format)`), as lib/core/window.ts's do.
 */
import { fileURLToPath } from "node:url";
import { UserError } from "./config.ts";
import { readIsoInstant, windowOf } from "./window.ts";
import { quoteParameter } from "./quote.ts";
import type { ExportFormat, ExportOptions, StripeMode } from "./types.ts";
import { ANOTHER_OUTPUT_FOLDER, type ChosenBy } from "./chosen_by.ts";

export const DEFAULT_OUT_DIR = fileURLToPath(new URL("../../outputs", import.meta.url));

export const STRIPE_MODES: readonly StripeMode[] = [
  "auto",
  "skip",
  "refresh",
  "require",
  "refresh-require",
];

/**
 * `formats` once each, or a clear error for none or one the kit does not write (a notebook's
 * parameters cell passes them as typed: "CSV" failed deep in the writers, a format given twice at
 * publishing).
 */
function exportFormats(formats: readonly string[]): ExportFormat[] {
  if (!Array.isArray(formats)) {
    throw new UserError(
      `formats (--format) must be a list such as ["csv", "xlsx"], got ${quoteParameter(formats)}`,
    );
  }
  if (formats.length === 0) {
    throw new UserError("no output format: set formats (--format) to csv, xlsx or both");
  }
  const unknown = formats.find((format) => format !== "csv" && format !== "xlsx");
  if (unknown !== undefined) {
    throw new UserError(
      `formats (--format): ${
        JSON.stringify(unknown)
      } is not an output format; use "csv", "xlsx" or both (lower case)`,
    );
  }
  return [...new Set(formats)] as ExportFormat[];
}

/**
 * A yes/no option as typed: a notebook's `demo = "false"` is a string, truthy, and ran on the
 * demo data. `name` as the notebook and command line name it; undefined allowed when `optional`.
 */
export function checkBoolean(
  value: unknown,
  { name, optional = false, undefinedMeans = "" }: {
    name: string;
    optional?: boolean;
    undefinedMeans?: string;
  },
): void {
  if (typeof value === "boolean" || (optional && value === undefined)) return;
  throw new UserError(
    `${name} must be true${optional ? ", false or undefined" : " or false"}${
      undefinedMeans ? ` (undefined: ${undefinedMeans})` : ""
    }, got ${quoteParameter(value)}`,
  );
}

/** "auto", "skip", "refresh", "require" or "refresh-require" */
const STRIPE_MODES_IN_WORDS = STRIPE_MODES.map((mode) => JSON.stringify(mode)).join(", ")
  .replace(/, ([^,]*)$/, " or $1");

/**
 * The defaults under `overrides` (an option given as undefined keeps its default), the formats
 * once each. Throws a one-line UserError for no format, a format or Stripe mode the kit does not
 * have, an empty output folder (which wrote the files into the working directory), or a window
 * lib/core/window.ts refuses (an invalid as-of date exported as 1970 from a notebook).
 */
export function exportOptions(overrides: Partial<ExportOptions> = {}): ExportOptions {
  const given = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<ExportOptions>;
  const options: ExportOptions = {
    outDir: DEFAULT_OUT_DIR,
    formats: ["csv", "xlsx"],
    windowDays: 30,
    asOf: new Date(),
    stripe: "auto",
    charts: true,
    segments: false,
    quiet: false,
    verbose: false,
    ...given,
  };
  checkBoolean(options.demo, {
    name: "demo (--demo)",
    optional: true,
    undefinedMeans: "demo data unless both databases are configured",
  });
  checkBoolean(options.charts, { name: "charts (--no-charts)" });
  if (!STRIPE_MODES.includes(options.stripe)) {
    throw new UserError(
      `stripe (--skip-stripe, --refresh-stripe, --require-stripe): ${
        JSON.stringify(options.stripe)
      } is not a Stripe mode; use ${STRIPE_MODES_IN_WORDS}`,
    );
  }
  options.formats = exportFormats(options.formats);
  if (typeof options.outDir !== "string" || options.outDir.trim() === "") {
    throw new UserError("outDir (--out-dir) is empty: leave it out for outputs/, or name a folder");
  }
  // a notebook's `asOf = "2026-11-01"` (text, not a Date) is named as typed, with its Date; text
  // that is no real day (2026-13-01) is said so, with the form, not made the Date to write
  if (!(options.asOf instanceof Date)) {
    const value: unknown = options.asOf;
    const read = typeof value === "string" ? readIsoInstant(value) : null;
    const what = !read
      ? ""
      : "impossible" in read
      ? ` (text, and no real day: ${read.impossible})`
      : "zoneless" in read
      ? " (text, and a time without a zone)"
      : " (text)";
    const fix = read && "ms" in read
      ? `write new Date(${JSON.stringify(value)})`
      : `write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01")`;
    throw new UserError(
      `asOf (--as-of) must be a Date, got ${
        quoteParameter(value)
      }${what}: ${fix}, or new Date() for now`,
    );
  }
  // a Date that is no date (new Date("2026-13-01")) is refused, never exported as 1970
  windowOf(options.asOf, { days: options.windowDays });
  return options;
}

/**
 * How the export's output folder was chosen, for the fix its errors name; none said (a library
 * caller): a default that names no flag.
 */
export function outDirChosenBy(options: Pick<ExportOptions, "outDirChosenBy">): ChosenBy {
  return options.outDirChosenBy ?? ANOTHER_OUTPUT_FOLDER;
}

/**
 * Whether the export draws its charts: for their files, or for the XLSX summary sheet's images
 * alone (`chartFiles: false`, a notebook's `writeChartFiles = false`; with CSV only, nothing).
 */
export function drawsCharts(options: ExportOptions): boolean {
  return options.charts && (options.chartFiles !== false || options.formats.includes("xlsx"));
}
