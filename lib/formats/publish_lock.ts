/**
 * One publish at a time into a folder. Two runs publishing the same set into one folder at once
 * each move the previous files aside one at a time, so they could interleave into a mix of both
 * (the manifest one run's, the CSVs the other's). A run therefore holds an exclusive lock (flock)
 * on `<folder>/.publish.lock` while it reads the previous set and moves its files into place; a
 * second run (another process, or another run of the same process: the admin server's, the MCP
 * server's) waits for it, then publishes whole in turn. The kernel releases the lock of a process
 * that dies, so a killed run never holds up the folder. The holder removes the file before
 * releasing it; a waiter that then gets the lock of the removed file locks the new one instead.
 */
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { UserError } from "../core/config.ts";
import { ANOTHER_OUTPUT_FOLDER, anotherFolder, type ChosenBy } from "../core/chosen_by.ts";
import { writeProblem } from "./files.ts";
import { settlesWithin, untilAborted } from "../core/abort.ts";

export const PUBLISH_LOCK_FILE = ".publish.lock";

/**
 * A lock another run holds and does not let go of this fast: say whom the run waits for (a hold
 * of a moment goes unsaid). Whether another run holds it is flock's answer (tryLock), never this
 * time: a free lock's grant, on a thread of its own, took over 100 ms on a loaded machine, and the
 * run then said it waited for "another run" that did not exist.
 */
const SAY_WAITING_AFTER_MS = 100;

/** Who holds the lock: written into the file, so a waiting run can name it and what it does. */
interface LockHolder {
  pid: number;
  host: string;
  started: string;
  /** what it holds the lock to do (PublishLockOptions.action): absent from an older kit's */
  action?: string;
}

export interface PublishLockOptions {
  /** told once, in one line, when the run has to wait for another run's publish (stderr if unset) */
  onWait?: (line: string) => void;
  /**
   * ends the wait for another run's lock (Ctrl-C, SIGTERM): rejects with its reason at once, not
   * when the other run finishes; a lock granted after that is let go at once
   */
  signal?: AbortSignal;
  /**
   * how the user chose `dir` (--out-dir…), for the fix a lock that cannot be made names; default
   * ANOTHER_OUTPUT_FOLDER (names no flag)
   */
  chosenBy?: ChosenBy;
  /** what the lock is taken to do, as a lock that cannot be made says: "publish" (default) */
  action?: string;
}

/**
 * Runs `work` holding `dir`'s publish lock, waiting first for a run that holds it (whose pid the
 * `onWait` line names). The lock is released however `work` ends.
 */
export async function withPublishLock<T>(
  dir: string,
  work: () => Promise<T>,
  {
    onWait = (line) => console.error(line),
    signal,
    chosenBy = ANOTHER_OUTPUT_FOLDER,
    action = "publish",
  }: PublishLockOptions = {},
): Promise<T> {
  const path = join(dir, PUBLISH_LOCK_FILE);
  const file = await acquire(path, {
    sayWaiting: () => waitingLine(dir, path).then(onWait),
    signal,
    chosenBy,
    action,
  });
  const held = (async () => {
    try {
      return await work();
    } finally {
      // removed while held: a run that opens the name afterwards makes a new file, and one
      // already waiting on this one sees it gone once granted (acquire), so none locks a file
      // that no one else checks
      await Deno.remove(path).catch(() => {});
      file.close(); // (releases the lock)
    }
  })();
  holding.add(held);
  try {
    return await held;
  } finally {
    holding.delete(held);
  }
}

/**
 * Settles once no run holds `dir`'s publish lock: a reader that found an export's files
 * disagreeing (a CSV smaller than its manifest records) looks again once a publish under way has
 * moved every file into place (the manifest last). It takes a shared lock and lets go at once, and
 * writes nothing; no lock file (or one this user may not open) is no publish to wait for.
 */
export async function publishSettledIn(
  dir: string,
  { signal }: { signal?: AbortSignal } = {},
): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(join(dir, PUBLISH_LOCK_FILE), { read: true });
  } catch {
    return;
  }
  let abandoned = false;
  try {
    if (!await file.tryLock(false)) await untilGrantedOrAborted(file.lock(false), { file, signal });
  } catch (error) {
    if (error !== ABANDONED) return; // a file system without locks: no publish known to wait for
    abandoned = true; // (its file is closed once the lock is granted)
    throw signal!.reason;
  } finally {
    if (!abandoned) file.close();
  }
}

/** The work of this process's held locks, with their release (see publishLocksReleased). */
const holding = new Set<Promise<unknown>>();

/**
 * Settles once this process holds no publish lock: its publishes (and their lock files' removal)
 * are done. A run still waiting for another's lock has moved nothing and is not waited for.
 */
export async function publishLocksReleased(): Promise<void> {
  while (holding.size > 0) await Promise.allSettled([...holding]);
}

async function acquire(
  path: string,
  { sayWaiting, signal, chosenBy, action }: {
    sayWaiting: () => Promise<void>;
    signal?: AbortSignal;
    chosenBy: ChosenBy;
    action: string;
  },
): Promise<Deno.FsFile> {
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true, write: true, create: true });
    } catch (error) {
      const another = anotherFolder(chosenBy);
      // the folder itself gone (removed or moved while the run wrote its files): permissions
      // are no fix; nothing was published into it
      if (error instanceof Deno.errors.NotFound) {
        throw new UserError(
          `cannot ${action}: the folder ${dirname(path)} is gone (removed or moved while the run ` +
            `wrote its files), nothing was published; make the folder again and run again${
              another ? `, or ${another}` : ""
            }`,
        );
      }
      // a read-only file system is not fixed by permissions: its reason and fix in words
      const problem = writeProblem(error);
      throw new UserError(
        `cannot lock ${path} to ${action} (${
          problem?.reason ?? (error as Error).message.split("\n")[0]
        }); ${problem?.fix.replace(/ there$/, "") ?? "fix the output folder's permissions"}${
          another ? ` or ${another}` : ""
        }`,
      );
    }
    try {
      if (!await file.tryLock(true)) {
        const locked = file.lock(true);
        if (!told && await settlesWithin(locked, SAY_WAITING_AFTER_MS) === false) {
          told = true;
          await sayWaiting();
        }
        await untilGrantedOrAborted(locked, { file, signal });
      }
      const held = await file.stat();
      const named = await Deno.lstat(path).catch(() => null);
      if (named?.ino === held.ino && named?.dev === held.dev) {
        const holder: LockHolder = {
          pid: Deno.pid,
          host: hostname(),
          started: new Date().toISOString(),
          action,
        };
        await file.truncate(0);
        await file.write(new TextEncoder().encode(JSON.stringify(holder)));
        return file;
      }
    } catch (error) {
      // an abandoned wait's file is closed once its lock is granted (untilGrantedOrAborted)
      if (error === ABANDONED) throw signal!.reason;
      file.close();
      throw error;
    }
    file.close(); // the lock of a file its holder removed as it finished: lock the new one
  }
}

/**
 * Waits for `locked` unless `signal` aborts first: then throws its reason, and the lock, which
 * flock grants whenever the holder lets go (the wait cannot be called off), is released as soon as
 * it is granted (a server that stopped one run must not hold the folder for good).
 */
async function untilGrantedOrAborted(
  locked: Promise<void>,
  { file, signal }: { file: Deno.FsFile; signal?: AbortSignal },
): Promise<void> {
  try {
    await untilAborted(locked, signal);
  } catch (error) {
    if (signal?.aborted) {
      const close = () => file.close();
      locked.then(close, close);
      throw ABANDONED;
    }
    throw error;
  }
}

/** acquire's caller must not close a file whose lock is still pending (closed when granted). */
const ABANDONED = Symbol("abandoned");

/**
 * "waiting for …", naming the holder and what it does when its file says so (another run's
 * retention prunes, a backfill stores a snapshot: not all of them publish).
 */
async function waitingLine(folder: string, path: string): Promise<string> {
  let who = "another run";
  let doing: string | undefined;
  try {
    const holder: Partial<LockHolder> = JSON.parse(await Deno.readTextFile(path));
    if (Number.isInteger(holder.pid)) {
      const elsewhere = typeof holder.host === "string" && holder.host !== hostname();
      who = `another run (pid ${holder.pid}${elsewhere ? ` on ${holder.host}` : ""})`;
    }
    if (typeof holder.action === "string" && /^[a-z][a-z -]*$/i.test(holder.action)) {
      doing = holder.action === "publish" ? "publishing into" : `${gerund(holder.action)} in`;
    }
  } catch {
    // not written yet: the holder was granted it a moment ago
  }
  // (an older kit's holder, or one just granted, does not say what it does)
  return doing
    ? `waiting for ${who} to finish ${doing} ${folder}`
    : `waiting for ${who} to finish with ${folder}`;
}

/** "prune old files" → "pruning old files": the actions' first word is a plain verb. */
function gerund(action: string): string {
  const [verb, ...rest] = action.split(" ");
  const stem = verb.endsWith("e") && !verb.endsWith("ee") ? verb.slice(0, -1) : verb;
  return [`${stem}ing`, ...rest].join(" ");
}
