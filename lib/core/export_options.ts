/**
 * An export's options: the defaults, and what is checked before anything runs (a notebook's
 * parameters cell and library callers pass them as typed, not through the command line's parser).
 */
import { fileURLToPath } from "node:url";
import { UserError } from "./config.ts";
import type { ExportFormat, ExportOptions, StripeMode } from "./types.ts";

export const DEFAULT_OUT_DIR = fileURLToPath(new URL("../../outputs", import.meta.url));

export const STRIPE_MODES: readonly StripeMode[] = [
  "auto",
  "skip",
  "refresh",
  "require",
  "refresh-require",
];

/**
 * `formats` once each, or a clear error for one the kit does not write (a notebook's parameters
 * cell passes them as typed: "CSV" failed deep in the writers, a format given twice at publishing).
 */
function exportFormats(formats: readonly string[]): ExportFormat[] {
  const unknown = formats.find((format) => format !== "csv" && format !== "xlsx");
  if (unknown !== undefined) {
    throw new UserError(
      `${JSON.stringify(unknown)} is not an output format: use "csv", "xlsx" or both (lower case)`,
    );
  }
  return [...new Set(formats)] as ExportFormat[];
}

/**
 * The defaults under `overrides` (an option given as undefined keeps its default), the formats
 * once each. Throws a one-line UserError for a format or Stripe mode the kit does not have or an
 * empty output folder (which wrote the files into the working directory).
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
  if (!STRIPE_MODES.includes(options.stripe)) {
    throw new UserError(
      `${JSON.stringify(options.stripe)} is not a Stripe mode: use one of ${
        STRIPE_MODES.map((mode) => JSON.stringify(mode)).join(", ")
      }`,
    );
  }
  options.formats = exportFormats(options.formats);
  if (typeof options.outDir !== "string" || options.outDir.trim() === "") {
    throw new UserError(
      "the output folder is empty: leave it out for outputs/, or name a folder",
    );
  }
  return options;
}
