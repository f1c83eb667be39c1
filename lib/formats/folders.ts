/**
 * An output folder checked before a run spends minutes on its work: made if missing, and
 * writable, or one line naming it, the problem and the fix for how the user chose it.
 */
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../core/config.ts";
import { writeProblem } from "./files.ts";

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
export interface FolderChoice {
  /** what the folder is, for an unnamed one: "output folder" */
  kind: string;
  named?: string;
  otherwise: string;
  /**
   * the folder to pass instead of a file: "a folder (made if missing)" unless said otherwise (a
   * command that only reads, which refuses a missing folder, wants an existing one)
   */
  wanted?: string;
}

/** A folder written `~/…`: named as chosen, with the full path to write instead. */
function homeFolderError(dir: string, { kind, named, otherwise }: FolderChoice): UserError {
  const home = Deno.env.get("HOME");
  const full = home ? JSON.stringify(join(home, dir.slice(1))) : "the full path";
  const fix = named?.startsWith("--")
    ? `pass ${full} to ${named}`
    : named
    ? `set ${named} to ${full}`
    : `${otherwise} (${full})`;
  return new UserError(
    `${named ?? kind} ${dir} starts with ~, which only a shell expands to the home folder; ${fix}`,
  );
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
  const another = flag
    ? `pass another folder to ${named}`
    : named
    ? `set ${named} to another folder`
    : otherwise;
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
 * Fails, in one line, on an output folder that cannot be made or written, naming the fix for how
 * it was chosen (a file in its place is said as such, not as mkdir's EEXIST).
 */
export async function ensureWritableDir(
  dir: string,
  choice: Partial<FolderChoice> = {},
): Promise<void> {
  const how = {
    kind: choice.kind ?? "output folder",
    named: choice.named,
    otherwise: choice.otherwise ?? "choose another output folder",
  };
  // only a shell expands it: a folder named ~ was made here, while Polars (which expands it)
  // wrote the history snapshot's temporary file under the home folder, and the export failed
  if (/^~(\/|\\|$)/.test(dir)) throw homeFolderError(dir, how);
  if ((await stat(dir).catch(() => null))?.isDirectory() === false) {
    throw folderError(dir, "file", how);
  }
  try {
    await mkdir(dir, { recursive: true });
    await probeWritable(dir);
  } catch (error) {
    const reason = error instanceof Error ? error : String(error);
    throw folderError(dir, { notWritable: reason }, how);
  }
}
