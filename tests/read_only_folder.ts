/**
 * A real read-only folder for the tests of the kit's write errors. As root, chmod does not stop
 * writes (root writes through 0555), so there it is a small tmpfs remounted read-only, as the
 * kernel remounts a disk after I/O errors (EROFS); otherwise a folder chmod 0555, every folder in
 * it too (EACCES). `reason` and `fix` are the words lib/formats/files.ts's writeProblem gives the
 * error: a test's expected line is the same whichever way the folder was made read-only.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";

export interface ReadOnlyFolder {
  /** the folder: writable until readOnly() */
  dir: string;
  reason: "read-only file system" | "permission denied";
  /** the fix in the folder itself, as writeFailure says it ("… there") */
  fix: "remount it read-write" | "give this user write permission there";
  /** makes it read-only, and every folder in it; what is in it stays readable */
  readOnly(): Promise<void>;
}

const isRoot = Deno.uid() === 0;

/** Runs `command`; whether it succeeded. */
async function succeeds(command: string, args: string[]): Promise<boolean> {
  const run = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()
    .catch(() => null);
  return run?.success ?? false;
}

/** Whether this process may mount a tmpfs (root in a container may not). */
async function mayMount(): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    if (!(await succeeds("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]))) return false;
    await succeeds("umount", [dir]);
    return true;
  } finally {
    await Deno.remove(dir);
  }
}

/** Whether readOnlyFolderTest's tests run here: as root only where a tmpfs can be mounted. */
export const canMakeReadOnly = !isRoot || await mayMount();

/** The folders under `dir`, `dir` first. */
function foldersUnder(dir: string): string[] {
  return [
    dir,
    ...[...Deno.readDirSync(dir)].filter((entry) => entry.isDirectory)
      .flatMap((entry) => foldersUnder(`${dir}/${entry.name}`)),
  ];
}

/**
 * A test given a fresh ReadOnlyFolder, removed after whatever the test did; skipped where neither
 * way of making one is open (root that may not mount).
 */
export function readOnlyFolderTest(
  name: string,
  fn: (folder: ReadOnlyFolder) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !canMakeReadOnly,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "read_only_" });
      if (isRoot && !(await succeeds("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]))) {
        throw new Error(`mount a tmpfs at ${dir}`);
      }
      let locked: string[] = [];
      const folder: ReadOnlyFolder = isRoot
        ? {
          dir,
          reason: "read-only file system",
          fix: "remount it read-write",
          readOnly: async () => {
            if (!(await succeeds("mount", ["-o", "remount,ro", dir]))) {
              throw new Error(`remount ${dir} read-only`);
            }
          },
        }
        : {
          dir,
          reason: "permission denied",
          fix: "give this user write permission there",
          readOnly: async () => {
            locked = foldersUnder(dir);
            for (const path of locked) await Deno.chmod(path, 0o555);
          },
        };
      try {
        await fn(folder);
      } finally {
        if (isRoot) await succeeds("umount", [dir]);
        for (const path of locked) await Deno.chmod(path, 0o755);
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/**
 * Asserts `error` is the one-line error of a write refused in `folder`, the output folder as
 * --out-dir chose it: a file `file` matches (its name, unanchored) could not be written in it, for
 * the folder's reason, with its fix or another --out-dir. True, for node:assert's rejects().
 */
export function assertOutDirWriteRefused(error: Error, folder: ReadOnlyFolder, file: RegExp): true {
  assertEquals(error.name, "UserError");
  ok(new RegExp(`^(${file.source}) could not be written in `).test(error.message), error.message);
  ok(
    error.message.endsWith(
      ` in ${folder.dir} (${folder.reason}): ${folder.fix} or pass another folder to --out-dir`,
    ),
    error.message,
  );
  return true;
}
