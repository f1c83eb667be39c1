/**
 * An output folder checked before a run spends minutes on its work: made if missing, and
 * writable, or one line naming it, the problem and the fix for how the user chose it.
 */
import { mkdir, rmdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UserError } from "../core/config.ts";
import { ANOTHER_OUTPUT_FOLDER, anotherFolder, type ChosenBy } from "../core/chosen_by.ts";
import { writeProblem } from "./files.ts";
import { homeFolderError, startsWithHome } from "../core/home_folder.ts";

/**
 * Throws (the file system's error) unless a file can be made in `dir`: made and removed under a
 * name of this call's own, not the clock's (two runs starting in the same millisecond would share
 * it, and one would remove the other's probe).
 */
export async function probeWritable(dir: string): Promise<void> {
  await Deno.remove(await Deno.makeTempFile({ dir, prefix: ".write-test-" }));
}

/**
 * How the user chose a folder, so that its one-line error names the right fix: `named` is the flag
 * or setting they chose it with (`--out-dir`, `PRICING_HISTORY_DIR`, a notebook's `outDir`); without
 * one it is the default, and `otherwise` says how to choose another (`pass --out-dir`).
 */
export interface FolderChoice extends ChosenBy {
  /** what the folder is, for an unnamed one: "output folder" */
  kind: string;
  /**
   * the folder to pass instead of a file: "a folder (made if missing)" unless said otherwise (a
   * command that only reads, which refuses a missing folder, wants an existing one)
   */
  wanted?: string;
}

/** `problem` of `dir` in one line, with the fix for how the folder was chosen. */
export function folderError(
  dir: string,
  problem: "file" | { notWritable: string | Error },
  { kind, named, otherwise, wanted = "a folder (made if missing)" }: FolderChoice,
): UserError {
  const what = named ? `${named} ${dir}` : `${kind} ${dir}`;
  const flag = named?.startsWith("--");
  if (problem === "file") {
    const fix = flag
      ? `pass ${wanted}`
      : named
      ? `set ${named} to ${wanted}`
      : `move it away or ${otherwise}`;
    return new UserError(`${what} is a file, not a folder; ${fix}`);
  }
  const another = anotherFolder({ named, otherwise });
  const { notWritable } = problem;
  // a read-only file system or a full disk: said in words, and permissions are not its fix
  const known = writeProblem(notWritable);
  const reason = known?.reason ??
    (notWritable instanceof Error ? notWritable.message.split("\n")[0] : notWritable);
  return new UserError(
    `${what} is not writable (${reason}); ${
      known?.fix.replace(/ there$/, "") ?? "fix its permissions"
    } or ${another}`,
  );
}

/**
 * The nearest folder or file on the way up from `dir` that exists (`dir` itself when it does),
 * or null when none does (no root: not on this machine's file systems).
 */
async function nearestExisting(
  dir: string,
): Promise<{ path: string; isDirectory: boolean } | null> {
  for (let path = resolve(dir);; path = dirname(path)) {
    const info = await stat(path).catch(() => null);
    if (info) return { path, isDirectory: info.isDirectory() };
    if (dirname(path) === path) return null;
  }
}

/**
 * The file where `dir` is, or on its way up (`/a/file/out`), or null when there is none: a folder
 * that cannot be made there is said as that file's (mkdir says only EEXIST or ENOTDIR).
 */
export async function fileOnTheWay(dir: string): Promise<string | null> {
  const existing = await nearestExisting(dir);
  return existing && !existing.isDirectory ? existing.path : null;
}

/** A choice with the output folder's defaults for what it leaves out. */
function outputFolderChoice(choice: Partial<FolderChoice>): FolderChoice {
  return {
    kind: choice.kind ?? "output folder",
    named: choice.named,
    otherwise: choice.otherwise ?? ANOTHER_OUTPUT_FOLDER.otherwise,
  };
}

/**
 * The error for a file where `dir` is, or on its way (`/a/file/out`: mkdir says only ENOTDIR, and
 * no permission fixes it), naming that file; null when there is none.
 */
async function fileInTheWay(dir: string, how: FolderChoice): Promise<UserError | null> {
  const existing = await nearestExisting(dir);
  if (!existing || existing.isDirectory) return null;
  const inside = existing.path === resolve(dir) ? dir : `${existing.path} (in ${dir})`;
  return folderError(inside, "file", how);
}

/**
 * Fails, in one line, on an output folder that cannot be made or written, naming the fix for how
 * it was chosen (a file in its place, or on its way, is said as such, not as mkdir's EEXIST or
 * ENOTDIR). Returns the first folder it made (`dir` or one above it), undefined when `dir` was
 * there: removeMadeFolders takes it away again after a failed run.
 */
export async function ensureWritableDir(
  dir: string,
  choice: Partial<FolderChoice> = {},
): Promise<string | undefined> {
  const how = outputFolderChoice(choice);
  // only a shell expands it: a folder named ~ was made here, while Polars (which expands it)
  // wrote the history snapshot's temporary file under the home folder, and the export failed
  if (startsWithHome(dir)) throw homeFolderError(dir, how);
  const file = await fileInTheWay(dir, how);
  if (file) throw file;
  try {
    const made = await mkdir(dir, { recursive: true });
    await probeWritable(dir);
    return made;
  } catch (error) {
    const reason = error instanceof Error ? error : String(error);
    throw folderError(dir, { notWritable: reason }, how);
  }
}

/**
 * At a run's end, the folders ensureWritableDir made for it (`made`, down to `dir`), each while it
 * is empty: a failed run writes nothing, an empty new folder neither (a published run's files keep
 * them). One holding anything (another run's files meanwhile) stays, and the folders above it.
 */
export async function removeMadeFolders(dir: string, made: string | undefined): Promise<void> {
  if (made === undefined) return;
  const top = resolve(made);
  for (let path = resolve(dir);; path = dirname(path)) {
    // rmdir: only an empty folder, never a file put in its place
    if (!(await rmdir(path).then(() => true, () => false))) return;
    if (path === top || dirname(path) === path) return;
  }
}

/**
 * `error` of making something in the output folder `dir` (a staging folder), worded as the
 * output folder's as the user named it: a file in its place or on its way, or a folder gone
 * read-only or full since it was checked; any other error is returned as it is.
 */
export async function outputFolderFailure(
  dir: string,
  error: unknown,
  choice: Partial<FolderChoice> = {},
): Promise<unknown> {
  const how = outputFolderChoice(choice);
  const file = await fileInTheWay(dir, how);
  if (file) return file;
  if (!writeProblem(error)) return error;
  return folderError(dir, { notWritable: error as Error }, how);
}
