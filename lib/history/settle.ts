/**
 * Once per run (an export, a history command), before the history folder is read: what runs killed
 * while replacing or moving a snapshot there left is put back (snapshot_aside.ts), each snapshot put
 * back said in a warning. A reader that cannot write the folder reads what is current where it
 * lies (listSnapshots) and says, in one warning, what to run.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { recoverInterruptedPlacing } from "./snapshot_aside.ts";

export async function settleHistoryFolder(
  dir: string,
  { chosenBy, warn, onLockWait, readOnly = "fail", signal }: {
    /** how the user chose `dir`, for the fix a lock that cannot be taken names */
    chosenBy: ChosenBy;
    /** told each warning line */
    warn: (line: string) => void;
    /** told when another run holds the folder's lock */
    onLockWait?: (line: string) => void;
    /** "read": a reader, which reads on without write access (default: fail in one line) */
    readOnly?: "fail" | "read";
    /** the command's Ctrl-C or SIGTERM: ends a wait for the folder's lock (nothing put back) */
    signal?: AbortSignal;
  },
): Promise<void> {
  const recovery = await recoverInterruptedPlacing(dir, {
    chosenBy,
    readOnly,
    ...(onLockWait ? { onLockWait } : {}),
    ...(signal ? { signal } : {}),
  });
  for (const restored of recovery.restored) {
    warn(
      `history snapshot ${restored} put back: a run killed while replacing it had moved it aside`,
    );
  }
  if (recovery.notRecovered) warn(recovery.notRecovered);
}
