/**
 * Query results spooled to a temporary file as they arrive, for Polars to read from disk: the
 * bytes never sit in JS memory as one Buffer or string (at 1M organizations a result is ~100 MB
 * of CSV). Each result gets its own folder, removed when the work ends, failed or not.
 */
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { UserError } from "../core/config.ts";
import { tempWriteFailure } from "../formats/files.ts";

/**
 * Runs `work` with the path of a fresh temporary file, in a folder of its own inside `parent`
 * (the system's temporary folder by default); the folder is removed afterwards.
 */
export async function withSpoolFile<T>(
  work: (path: string) => Promise<T>,
  parent?: string,
): Promise<T> {
  return await withSpoolDir((dir) => work(join(dir, "result.csv")), parent);
}

/**
 * The folders withSpoolDir has made and not yet removed: a process stopped at once (a second
 * Ctrl-C) removes them on its way out (removeSpoolDirsSync), as its finally blocks never run.
 */
const liveSpoolDirs = new Set<string>();

/** Removes every spool folder still there, now: for a process about to exit without clean-up. */
export function removeSpoolDirsSync(): void {
  for (const dir of liveSpoolDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone already, or not ours to remove any more */ }
  }
  liveSpoolDirs.clear();
}

/**
 * Runs `work` with a fresh temporary folder, removed with everything in it once `work` has
 * settled. The query stage keeps every result's folder inside one of these, so a query still
 * running when another failed leaves nothing behind when the stage gives up.
 */
export async function withSpoolDir<T>(
  work: (dir: string) => Promise<T>,
  parent?: string,
): Promise<T> {
  let dir: string;
  try {
    dir = await Deno.makeTempDir({
      prefix: "pricing-kit-query-",
      ...(parent ? { dir: parent } : {}),
    });
  } catch (error) {
    throw spoolError(error, parent ?? tmpdir());
  }
  liveSpoolDirs.add(dir);
  try {
    return await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    liveSpoolDirs.delete(dir);
  }
}

/** Bytes gathered before a write: results arrive in 4–16 KB chunks. */
const SPOOL_WRITE_BYTES = 1 << 20;

/**
 * Writes every chunk of `source` to `path`, gathered into writes of up to SPOOL_WRITE_BYTES (the
 * source waits while one is written): a write per chunk cost ~0.5 s of CPU at a million
 * organizations (~17,000 chunks), taken from the databases, which share the two cores.
 * A failed write still reads the source to its end before throwing: PostgreSQL's COPY must
 * finish before the connection can roll back, and a half-read HTTP body would hang its socket.
 */
export async function spool(source: AsyncIterable<Uint8Array>, path: string): Promise<void> {
  // Read from now on, not once the file is open: a Node stream that fails meanwhile emits
  // 'error', uncaught (the process ends) unless its reader already listens.
  const chunks = source[Symbol.asyncIterator]();
  const first = chunks.next();
  first.catch(() => {}); // (awaited below; its failure is not unhandled while the file opens)
  let file: Deno.FsFile | undefined;
  let failure: unknown;
  try {
    file = await Deno.open(path, { write: true, createNew: true });
  } catch (error) {
    failure = error;
  }
  const gathered = new Uint8Array(SPOOL_WRITE_BYTES);
  let length = 0;
  const write = async (bytes: Uint8Array) => {
    if (failure !== undefined || !file || bytes.length === 0) return;
    try {
      await writeAll(file, bytes);
    } catch (error) {
      failure = error;
    }
  };
  try {
    for (let step = await first; !step.done; step = await chunks.next()) {
      const chunk = step.value;
      if (failure !== undefined || !file) continue;
      if (length + chunk.length > gathered.length) {
        await write(gathered.subarray(0, length));
        length = 0;
      }
      if (chunk.length > gathered.length) await write(chunk);
      else {
        gathered.set(chunk, length);
        length += chunk.length;
      }
    }
    await write(gathered.subarray(0, length));
  } finally {
    file?.close();
  }
  if (failure !== undefined) throw spoolError(failure, dirname(path));
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  for (let written = 0; written < chunk.length;) {
    written += await file.write(chunk.subarray(written));
  }
}

function spoolError(error: unknown, dir: string): UserError {
  return tempWriteFailure(error, { what: "a query result", dir });
}
