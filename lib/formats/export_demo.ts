/**
 * Whether an export or snapshot file holds the built-in demo dataset, from what the kit writes
 * beside it: `_demo` in its name, `"demo": true` in the manifest written with it, or in a history
 * snapshot's sidecar (`<name>.parquet.json`). A renamed file with nothing beside it is not known to
 * be demo data.
 */
import { dirname, extname, join } from "node:path";
import { type ExportNameInfo, exportNameInfo } from "./read_export.ts";

/** The manifest's fields read back (those a reader of the export needs). */
export interface ManifestFields {
  demo?: boolean;
  window?: { days?: number };
}

/** The manifest written with the export (same date, demo flag and window), if it is there. */
export async function manifestBeside(
  path: string,
  name: ExportNameInfo | null,
): Promise<ManifestFields | null> {
  const manifestPath = name
    ? join(dirname(path), `helicone_pricing_data_${name.stamp}.manifest.json`)
    : path.slice(0, path.length - extname(path).length) + ".manifest.json";
  return await readJsonObject(manifestPath);
}

/** A JSON file's object, or null when it is missing or not a JSON object. */
async function readJsonObject(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null; // no such file (a file handed on alone): the name says what it can
  }
}

/** Whether the file holds demo data and, when it does, what says so ("its name ends _demo"…). */
export interface DemoMark {
  demo: boolean;
  /** the evidence, in words; null when nothing marks it as demo data */
  why: string | null;
}

/** The file's demo mark: its name, else the manifest beside it, else a snapshot's sidecar. */
export async function demoMark(path: string): Promise<DemoMark> {
  const name = exportNameInfo(path);
  if (name?.demo) return { demo: true, why: "its name ends _demo" };
  if ((await manifestBeside(path, name))?.demo === true) {
    return { demo: true, why: 'its manifest says "demo": true' };
  }
  if (extname(path).toLowerCase() === ".parquet" && (await readJsonObject(`${path}.json`))?.demo) {
    return { demo: true, why: 'its sidecar says "demo": true' };
  }
  return { demo: false, why: null };
}
