/**
 * The kit's caches of customer data (the Stripe caches, the history folder's snapshots and the
 * state kept beside them) are readable by the user running the kit only: folders 0700, files
 * 0600, whatever the umask, so other users of a shared host cannot read them. An export's own
 * files in the output folder keep the umask: they are shared by copying. (Windows has no modes:
 * Deno ignores them there.)
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes the folder `dir` 0700 when it is missing (an existing one keeps its mode); its missing
 * parents as the umask says, since one may be the output folder, which stays shareable. Returns
 * the first folder made, as a recursive mkdir does (undefined: none).
 */
export async function makePrivateDir(dir: string): Promise<string | undefined> {
  const full = resolve(dir);
  const madeParent = await mkdir(dirname(full), { recursive: true });
  try {
    await mkdir(full, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    // made meanwhile (another export of the server) is fine; a file in the way is not
    if ((error as { code?: string }).code === "EEXIST" && (await stat(full)).isDirectory()) {
      return madeParent;
    }
    throw error;
  }
  return madeParent ?? full;
}

/**
 * Creates `path` empty and 0600 before its content is written (Polars's writers, which take no
 * mode, keep the mode of a file they write over): it is never readable by others, even briefly.
 */
export async function createPrivateFile(path: string): Promise<void> {
  await Deno.writeFile(path, new Uint8Array(), { mode: PRIVATE_FILE_MODE });
}

export function createPrivateFileSync(path: string): void {
  Deno.writeFileSync(path, new Uint8Array(), { mode: PRIVATE_FILE_MODE });
}
