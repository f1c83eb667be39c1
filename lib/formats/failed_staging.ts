/**
 * The staging folder of a run that failed, removed even when the failure was the open-file limit
 * (lib/export.ts): the folder's removal needs descriptors too.
 */
import { whichOpenFileLimit } from "../core/process_limits.ts";
import { removeStagingDir } from "./staging.ts";

/** How long a failed run tries again to remove its staging folder (removeFailedStaging). */
export const FAILED_STAGING_RETRY_MS = 2_000;

/**
 * removeStagingDir of a failed run (`where`: the folder's path now), tried again while it fails
 * for a passing reason, for up to FAILED_STAGING_RETRY_MS: out of file descriptors (the run failed
 * on the limit, and its other writes still hold theirs until they unwind) or a file landing as the
 * folder went (a worker's last write). Any other failure, or one past the time, leaves the folder
 * to the next run's removal of dead runs' folders. Resolves either way: the run's own error is
 * what the user is told.
 */
export async function removeFailedStaging(where: () => Promise<string>): Promise<void> {
  const until = Date.now() + FAILED_STAGING_RETRY_MS;
  for (let delayMs = 10;; delayMs = Math.min(delayMs * 2, 200)) {
    try {
      return await removeStagingDir(await where());
    } catch (error) {
      const passing = whichOpenFileLimit(error) === "process" ||
        /\bENOTEMPTY\b|\(os error 39\)|not empty/i.test(String((error as Error)?.message ?? error));
      if (!passing || Date.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
