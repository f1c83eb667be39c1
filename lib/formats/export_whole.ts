/**
 * Whether an export CSV is the whole file its manifest records. The manifest written with an
 * export lists each file's size (`files[].bytes`) and the export's rows (`row_count`): a CSV cut
 * short (a copy that stopped half-way, a disk that filled) read cut at a row end as a smaller
 * valid export, and cut inside its last row's last field with that value short, in every reader
 * (compare, scenario --input, history import, the MCP server).
 *
 * Only a file the manifest beside it lists by its name, and smaller than it records, is judged: it
 * is cut short when it lacks its final line break (the kit ends every row with one, and so does a
 * spreadsheet saving it again) or, the export's own CSV, holds fewer rows than `row_count`. A file
 * edited by hand that still holds every row (saved again with LF line ends, booleans as TRUE,
 * numbers or names shortened) loads; rows removed on purpose read as a cut at a row end, so such a
 * file is saved under another name, which the manifest does not list.
 *
 * A publish renames an export's files into place one at a time, the manifest last: a reader
 * between two renames sees one run's CSV beside the other's manifest. A file judged cut short is
 * therefore judged again once any publish under way in its folder is done (publishSettledIn) and
 * read again when the CSV or its manifest changed meanwhile.
 */
import { basename, dirname } from "node:path";
import { UserError } from "../core/config.ts";
import { exportDataFileInfo, exportNameInfo } from "./export_names.ts";
import { manifestPathOf, readJsonObject } from "./export_beside.ts";
import { fileStamp } from "./files.ts";
import { publishSettledIn } from "./publish_lock.ts";

/** Reads of a file judged cut short while its files changed under it, at most. */
const READS = 3;

const LF = 0x0a;

/** What the manifest beside an export file records of it. */
interface Recorded {
  manifestPath: string;
  bytes: number;
  /** the export's rows, for its own CSV; null for a segment's or the trimmed CSV */
  rows: number | null;
}

/** The manifest's record of the file at `path`, when the manifest beside it lists it by name. */
async function recordOf(path: string): Promise<Recorded | null> {
  const manifestPath = manifestPathOf(path, exportNameInfo(path));
  const manifest = await readJsonObject(manifestPath);
  if (!manifest || !Array.isArray(manifest.files)) return null;
  const name = basename(path);
  const listed = manifest.files.find((file) => file?.name === name);
  if (!Number.isSafeInteger(listed?.bytes)) return null;
  const rows = manifest.row_count;
  return {
    manifestPath,
    bytes: listed.bytes,
    rows: exportDataFileInfo(name) !== null && Number.isSafeInteger(rows) ? rows as number : null,
  };
}

/** The file's size and its last byte (null when empty). */
async function sizeAndLastByte(path: string): Promise<{ size: number; last: number | null }> {
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  if (size === 0) return { size, last: null };
  await file.seek(-1, Deno.SeekMode.End);
  const byte = new Uint8Array(1);
  return { size, last: await file.read(byte) === 1 ? byte[0] : null };
}

/**
 * Why the export CSV at `path`, read as `rows` rows, is cut short by what the manifest beside it
 * records, in one line naming it and the fix; null when it is not (or nothing records it).
 */
export async function cutShortProblem(path: string, rows: number): Promise<string | null> {
  const recorded = await recordOf(path);
  if (recorded === null) return null;
  const { size, last } = await sizeAndLastByte(path);
  if (size >= recorded.bytes) return null;
  const lineEnds = last === LF;
  const fewer = recorded.rows !== null && rows < recorded.rows;
  if (lineEnds && !fewer) return null; // every row, saved again (LF line ends, values shortened)
  const counts = `${
    fewer ? `${rows} of the ${recorded.rows} rows and ` : ""
  }${size} of the ${recorded.bytes} bytes its manifest ${basename(recorded.manifestPath)} records`;
  return `${path} is cut short: ${counts}${
    lineEnds ? "" : ", its last row without its line break"
  }; export again (deno task export) or restore the whole file${
    lineEnds ? " (rows removed on purpose: save it under another name)" : ""
  }`;
}

/** The CSV's and its manifest's size, time and identity: another file in place changes it. */
async function filesKey(path: string): Promise<string> {
  const key = async (file: string) => {
    const stat = await Deno.stat(file).catch(() => null);
    return stat ? fileStamp(stat) : "none";
  };
  return `${await key(path)}|${await key(manifestPathOf(path, exportNameInfo(path)))}`;
}

/**
 * The frame `read` reads from the export CSV at `path`, refused in one line (a UserError) when the
 * manifest beside it says the file is cut short (cutShortProblem); read again when it or its
 * manifest changed meanwhile (a publish under way, waited for first), up to three reads.
 */
export async function readWholeCsv<T extends { height: number }>(
  path: string,
  read: () => Promise<T>,
  { signal }: { signal?: AbortSignal } = {},
): Promise<T> {
  for (let reads = 1;; reads++) {
    const before = await filesKey(path);
    const frame = await read();
    const problem = await cutShortProblem(path, frame.height);
    if (problem === null) return frame;
    await publishSettledIn(dirname(path), { signal });
    if (reads === READS || await filesKey(path) === before) throw new UserError(problem);
  }
}
