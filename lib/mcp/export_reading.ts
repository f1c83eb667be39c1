/**
 * An export's files as the MCP store reads them, or why they cannot be read: its CSV or XLSX
 * (lib/formats/read_export.ts) and its manifest. Either failing is an UnreadableExport, whose one
 * line names the file and what to do, so the store can serve the newest export that does read
 * (and say so) instead of failing every tool (lib/mcp/dataset.ts).
 */
import { basename, dirname } from "node:path";
import type { Manifest } from "../report/manifest.ts";
import { UserError } from "../core/config.ts";
import { type ExportFile, readExportFile } from "../formats/read_export.ts";
import { cutLongText } from "./result.ts";
import { oneLineError } from "./text.ts";

/** An export's file or manifest cannot be read: the message names it and what to do. */
export class UnreadableExport extends UserError {
  override name = "UnreadableExport";
}

/**
 * What to do about an export in `dir` that cannot be read; after a `problem` that already says to
 * export again (an earlier kit version's export: "re-export it with deno task export"), the rest.
 */
export function unreadableFix(dir: string, problem = ""): string {
  const move = `move it out of ${dir}`;
  return problem.includes("deno task export")
    ? `or ${move}`
    : `export again (deno task export), or ${move}`;
}

/** Characters of a reader's message kept before the fix (the fix is never cut off). */
const PROBLEM_CHARS = 600;

/** The export file at `path`, read whole; an UnreadableExport naming it when it cannot be. */
export async function readServedExport(path: string): Promise<ExportFile> {
  try {
    return await readExportFile(path);
  } catch (error) {
    // the reader's message names the file (an empty one, a row cut short, a header not ours)
    const problem = cutLongText(oneLineError(error), PROBLEM_CHARS);
    const named = problem.includes(basename(path)) ? problem : `${path}: ${problem}`;
    throw new UnreadableExport(`${named}; ${unreadableFix(dirname(path), problem)}`);
  }
}

/** The manifest fields the tools read, as the kit writes them. */
export type ServedManifest =
  & Pick<Manifest, "as_of" | "window">
  & Partial<
    Pick<Manifest, "demo" | "warnings" | "warning_kinds" | "cost_model">
  >
  & { revenue?: Partial<Pick<Manifest["revenue"], "unmapped_customers">> };

const isInstant = (value: unknown) =>
  typeof value === "string" && !Number.isNaN(new Date(value).getTime());
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const isNumberOrNull = (value: unknown) => value === null || typeof value === "number";

/** What is wrong with a manifest's fields the tools read; null when nothing is. */
function manifestProblem(value: unknown): string | null {
  if (!isObject(value)) return "it is not a JSON object";
  if (!isInstant(value.as_of)) return "as_of is not a date and time";
  const window = value.window;
  if (!isObject(window)) return "it has no window";
  if (!isInstant(window.start) || !isInstant(window.end)) {
    return "window.start or window.end is not a date and time";
  }
  if (!Number.isInteger(window.days) || (window.days as number) < 1) {
    return "window.days is not a whole number of days";
  }
  if (value.demo !== undefined && typeof value.demo !== "boolean") {
    return "demo is not true or false";
  }
  const { warnings, cost_model: model } = value;
  if (
    warnings !== undefined &&
    !(Array.isArray(warnings) && warnings.every((w) => typeof w === "string"))
  ) {
    return "warnings is not a list of text";
  }
  // one per warning, read by dataset.ts; a list of another length (warnings edited by hand) is
  // not used, not damage
  const kinds = value.warning_kinds;
  if (kinds !== undefined && !(Array.isArray(kinds) && kinds.every((k) => typeof k === "string"))) {
    return "warning_kinds is not a list of text";
  }
  if (model !== undefined) {
    if (
      !isObject(model) || typeof model.price_book !== "string" ||
      !isNumberOrNull(model.infra_usd_per_1k_requests) ||
      !isNumberOrNull(model.infra_usd_per_gb_stored)
    ) return "cost_model is not the kit's (price_book, infra_usd_per_1k_requests, …)";
  }
  return null;
}

/**
 * The manifest at `path`: null when there is none (an export handed on alone); an
 * UnreadableExport naming the file when it is there but unreadable, not JSON or not of the kit's
 * shape, since the tools would answer from its window and warnings (a field missing broke every
 * tool with a TypeError).
 */
export async function readManifest(path: string): Promise<ServedManifest | null> {
  const fix = unreadableFix(dirname(path));
  // A link is not followed out of the exports folder: refused, not taken for no manifest (which
  // would let a live export named _demo pass for demo data).
  const link = await Deno.lstat(path).then((stat) => stat.isSymlink, () => false);
  if (link) {
    throw new UnreadableExport(
      `the manifest ${
        basename(path)
      } is a symbolic link, which the MCP server does not follow; put the file itself there, ${fix}`,
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new UnreadableExport(
      `the manifest ${basename(path)} cannot be read (${
        String((error as Error)?.message ?? error).split("\n")[0]
      }); ${fix}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnreadableExport(`the manifest ${basename(path)} is not JSON (cut short?); ${fix}`);
  }
  const problem = manifestProblem(value);
  if (problem !== null) {
    throw new UnreadableExport(`the manifest ${basename(path)} is damaged: ${problem}; ${fix}`);
  }
  return value as ServedManifest;
}
