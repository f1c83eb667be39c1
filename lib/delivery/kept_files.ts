/**
 * What an export keeps of its own files for after its publish: their sizes for the command line's
 * listing, and hard links for the email. After the publish the folder may hold a later run's files
 * of the same set (another export of the same date publishing into it), so neither is read there.
 */
import { basename, join } from "node:path";
import { makeStagingDir } from "../formats/staging.ts";
import { writeFailure } from "../formats/files.ts";
import type { DeliveryFiles } from "../core/types.ts";
import type { ChosenBy } from "../core/chosen_by.ts";

/** Each staged file's size, by the path it is published to in `outDir`. */
export async function publishedSizes(
  staged: readonly string[],
  outDir: string,
): Promise<Record<string, number>> {
  const bytes: Record<string, number> = {};
  for (const path of staged) bytes[join(outDir, basename(path))] = (await Deno.stat(path)).size;
  return bytes;
}

/**
 * Hard links to the staged files a delivery step sends, in a private folder of `outDir` (the same
 * file system: no copy), named as the files are; a copy where the file system has no hard links
 * (SMB, exFAT, some FUSE mounts). `chosenBy`: how the user chose `outDir` (--out-dir…), for the
 * fix a folder gone read-only or full names.
 */
export async function keepForDelivery(
  staged: Omit<DeliveryFiles, "dir">,
  { outDir, chosenBy }: { outDir: string; chosenBy: ChosenBy },
): Promise<DeliveryFiles> {
  const dir = await makeStagingDir(outDir, { chosenBy });
  const linked: Record<string, string> = {};
  try {
    for (const [key, path] of Object.entries(staged)) {
      if (path === undefined) continue;
      linked[key] = join(dir, basename(path));
      await Deno.link(path, linked[key]).catch(() => Deno.copyFile(path, linked[key]));
    }
  } catch (error) {
    await removeDeliveryFiles({ dir });
    // (a folder gone read-only or full: one line naming it, as the export's own files are)
    throw writeFailure(Object.values(linked).at(-1) ?? join(dir, "delivery"), error, {
      chosenBy,
    });
  }
  return { dir, ...linked } as DeliveryFiles;
}

/** The kept files gone (after the email, or when the export fails or is interrupted). */
export async function removeDeliveryFiles(kept: Pick<DeliveryFiles, "dir">): Promise<void> {
  await Deno.remove(kept.dir, { recursive: true }).catch(() => {});
}
