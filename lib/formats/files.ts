/** Atomic writes, write failures worded, and files read in pieces and digested. */
import { createHash } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError } from "../core/config.ts";
import { anotherFolder, type ChosenBy } from "../core/chosen_by.ts";

/** The prefix of an export's staging folder inside its output folder (lib/formats/staging.ts). */
export const STAGING_PREFIX = ".staging-";

/**
 * Which file `stat` is, beyond its size and time: its inode and status-change time. Another file
 * renamed into its place, or this one rewritten, has others though its size and file time match (a
 * file system counting whole seconds, a write within the millisecond, a copy keeping the time).
 * Empty parts where the platform gives none (Windows: no inode).
 */
export function fileIdentity(stat: Deno.FileInfo): string {
  return `${stat.ino ?? ""}:${stat.ctime?.getTime() ?? ""}`;
}

/** The file `stat` is, as it is now: its size, time and identity (fileIdentity). */
export function fileStamp(stat: Deno.FileInfo): string {
  return `${stat.size}:${stat.mtime?.getTime() ?? ""}:${fileIdentity(stat)}`;
}

/**
 * What is wrong with reading `path` as a file: there, but a FIFO, device or socket (a FIFO in the
 * history folder named as a snapshot held every reader of it waiting for a writer, for ever; a
 * device reads on without end). Null for a regular file, and for a missing path or a folder,
 * which each reader words as it did.
 */
export function specialFileProblem(path: string): string | null {
  let found: Deno.FileInfo;
  try {
    found = Deno.statSync(path); // (through a symlink: what opening it would read)
  } catch {
    return null;
  }
  return found.isFile || found.isDirectory
    ? null
    : "is not a regular file (a FIFO, device or socket)";
}

/** `YYYY-MM-DD` of an instant, in UTC (the as-of date names the files). */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A temp path next to `path` (same directory, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

/**
 * Writes through `write(tmpPath)` then renames into place: readers see the old file or the
 * whole new one, and a failed or interrupted write leaves nothing behind under the real name.
 * `chosenBy`: how the user chose the folder, for the fix a failure names (writeFailure).
 */
export async function writeFileAtomic(
  path: string,
  write: (tmpPath: string) => Promise<void>,
  { chosenBy }: { chosenBy: ChosenBy },
): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await write(tmp);
    await rename(tmp, path);
  } catch (error) {
    // best effort: on a disk gone read-only the rm fails too, and must not replace the write's
    // error (a file left is in a staging folder, or a dead run's, which later runs remove)
    await rm(tmp, { force: true }).catch(() => {});
    throw writeFailure(path, error, { chosenBy });
  }
}

/** Why a write failed, in words, and what to do about it there (writeProblem). */
export interface WriteProblem {
  /** "no space left on device", "read-only file system"… */
  reason: string;
  /** the fix in the folder itself: "free space there", "remount it read-write"… */
  fix: string;
}

/**
 * The errors of a write that the user fixes on the disk, not in the kit: a full disk (ENOSPC),
 * a spent quota (EDQUOT), a read-only file system (EROFS: remounted so after disk errors, or
 * mounted so), no permission (EACCES, EPERM), and on Windows a file another program holds open
 * (Excel locks a workbook it shows: the publish's rename of the previous export fails). Node's
 * errors carry the code, Deno's too; Polars's only the OS's "(os error N)", whose numbers are the
 * platform's: errno on Linux and the BSDs (macOS), where EDQUOT differs, Win32 error codes on
 * Windows (there 13 is ERROR_INVALID_DATA and 1 ERROR_INVALID_FUNCTION, no permission problem).
 */
const WRITE_PROBLEMS: { code?: string; os: OsErrorNumbers; problem: WriteProblem }[] = [
  {
    code: "ENOSPC",
    // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
    os: { linux: [28], bsd: [28], windows: [39, 112] },
    problem: { reason: "no space left on device", fix: "free space there" },
  },
  {
    code: "EDQUOT",
    os: { linux: [122], bsd: [69], windows: [1295] }, // ERROR_DISK_QUOTA_EXCEEDED
    problem: { reason: "disk quota exceeded", fix: "free space there" },
  },
  {
    code: "EROFS",
    os: { linux: [30], bsd: [30], windows: [19] }, // ERROR_WRITE_PROTECT
    problem: { reason: "read-only file system", fix: "remount it read-write" },
  },
  {
    // (no code: EBUSY elsewhere is a mount point or a device, not a file open in a program)
    os: { linux: [], bsd: [], windows: [32, 33] }, // ERROR_SHARING_VIOLATION, _LOCK_VIOLATION
    problem: {
      reason: "a file is open in another program",
      fix:
        "close the export's files in the programs showing them (Excel locks a workbook it has open)",
    },
  },
  {
    code: "EACCES",
    os: { linux: [13], bsd: [13], windows: [5] }, // ERROR_ACCESS_DENIED
    problem: { reason: "permission denied", fix: "give this user write permission there" },
  },
  {
    code: "EPERM",
    os: { linux: [1], bsd: [1], windows: [] },
    problem: { reason: "operation not permitted", fix: "give this user write permission there" },
  },
];

/** The OS error numbers ("(os error N)") of one problem on each family of platforms. */
interface OsErrorNumbers {
  linux: number[];
  /** macOS and the BSDs */
  bsd: number[];
  windows: number[];
}

function platformFamily(os: typeof Deno.build.os): keyof OsErrorNumbers {
  if (os === "windows") return "windows";
  return os === "linux" || os === "android" ? "linux" : "bsd";
}

/**
 * What `error` of a write was when the disk or its permissions are the cause; else null. `os`:
 * the platform whose numbers an "(os error N)" is read by (the running one; a test names another).
 */
export function writeProblem(
  error: unknown,
  os: typeof Deno.build.os = Deno.build.os,
): WriteProblem | null {
  if (error instanceof UserError) return null; // worded already
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const number = /\(os error (\d+)\)/.exec(typeof message === "string" ? message : "")?.[1];
  const family = platformFamily(os);
  // the OS's number first: it says which problem whatever code a runtime maps it to
  const found = WRITE_PROBLEMS.find((p) => p.os[family].some((n) => String(n) === number)) ??
    WRITE_PROBLEMS.find((p) => p.code !== undefined && p.code === code);
  return found?.problem ?? null;
}

/**
 * `error` of a write of `path`: a full disk, a read-only file system or a denied permission
 * becomes one line naming the file, its folder and the fix (a streamed write's error names
 * neither, Deno's names only the call: `tmpdir`); any other error is returned as it is. A file
 * of an export's staging folder is named by the output folder it was for, and nothing of that
 * export is published (the staging folder goes). `chosenBy`: how the user chose the folder, so
 * that choosing another names the flag, setting or argument that does it (a history snapshot's
 * PRICING_HISTORY_DIR, a notebook's outDir), never one that does not choose this folder.
 */
export function writeFailure(
  path: string,
  error: unknown,
  { chosenBy }: { chosenBy: ChosenBy },
): unknown {
  const problem = writeProblem(error);
  if (!problem) return error;
  const folder = dirname(path);
  const staged = basename(folder).startsWith(STAGING_PREFIX);
  const another = anotherFolder(chosenBy);
  return new UserError(
    `${basename(path)} could not be written in ${
      staged ? dirname(folder) : folder
    } (${problem.reason})${staged ? "; nothing new was written" : ""}: ${problem.fix}${
      another ? ` or ${another}` : ""
    }`,
  );
}

/**
 * `error` of a write into the system's temporary folder (TMPDIR, else /tmp) as one line naming
 * `what`, the folder, why, and TMPDIR: the environment chose that folder, so the fix is there,
 * not in the kit's settings. Deno names only the call ("…: tmpdir"), Polars only the OS error.
 */
export function tempWriteFailure(
  error: unknown,
  { what, dir }: { what: string; dir: string },
): UserError {
  if (error instanceof UserError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const missing = error instanceof Deno.errors.NotFound || /\(os error 2\)/.test(message);
  const reason = writeProblem(error)?.reason ??
    (missing ? "no such folder" : message.split("\n")[0]);
  return new UserError(
    `cannot write ${what} in the temporary folder ${dir} (${reason}); point TMPDIR to a ` +
      "writable folder with room",
  );
}

const PIECE_BYTES = 1 << 20;

/**
 * Reads a file a 1 MiB piece at a time into one buffer, handing each piece to `onPiece` (its
 * bytes are valid only during the call) until the end or until it returns false. One buffer for
 * the whole file: a stream's chunk per 64 KiB stayed as external memory until the next GC (44 MB
 * for a 1M-organization snapshot).
 */
export async function readInPieces(
  path: string,
  onPiece: (bytes: Uint8Array) => boolean | void,
): Promise<void> {
  const buffer = new Uint8Array(PIECE_BYTES);
  using file = await Deno.open(path, { read: true });
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    if (onPiece(buffer.subarray(0, n)) === false) return;
  }
}

/** A file's size and SHA-256 (hex). */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** Size and SHA-256 of a file, read in pieces (a 1M-row export read whole is hundreds of MB). */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  await readInPieces(path, (piece) => {
    hash.update(piece);
    bytes += piece.length;
  });
  return { bytes, sha256: hash.digest("hex") };
}
