/**
 * Ctrl-C (SIGINT) and SIGTERM during a command's work: the first asks the work to stop (an
 * AbortSignal, checked before each stage; a publish under way completes, and the work's own
 * clean-up removes its staging folder and temporary files); a second stops the process at once,
 * after any publish under way, removing the queries' temporary files (the next run removes the
 * staging folder it left), unless it is the first one delivered twice (DUPLICATE_SIGNAL_MS).
 * Listened for only while the work runs, and only by a command's own process (the export's, the
 * server's `deno task serve`, the export notebook's export process, scenario's, compare's and
 * history's: untilInterrupted): library callers (a notebook's
 * kernel, a handler in another program) keep the signals' default.
 */
import { publishesSettled } from "../formats/staging.ts";
import { removeSpoolDirsSync } from "../sources/spool.ts";

/** The exit code of a process ended by the signal: 128 + its number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;

/**
 * The stop signals a command listens for: SIGINT and SIGTERM, SIGINT alone on Windows (a Deno
 * before denoland/deno#32689 throws on listening for SIGTERM there, and nothing sends it one).
 */
export const STOP_SIGNALS: readonly StopSignal[] = Deno.build.os === "windows"
  ? ["SIGINT"]
  : ["SIGINT", "SIGTERM"];

export interface Interrupt extends Disposable {
  /** aborted at the first signal */
  signal: AbortSignal;
  /** the signal received, if any */
  received(): StopSignal | undefined;
  /** 128 + the received signal's number (130 for SIGINT, 143 for SIGTERM) */
  exitCode(): number;
  /**
   * Settles once a signal the process has already been sent has reached the listener: Deno hands
   * a signal to its listener through a thread of its own and a later turn of the event loop (late
   * on a loaded machine), and one still on its way when the listener is removed is lost (the work
   * done, the process exited 0 as if never signalled). See signalsDrained.
   */
  delivered(): Promise<void>;
}

/**
 * The same signal again within this long of the first is the first one delivered twice, not a
 * second one: a signal to the process group (a terminal's Ctrl-C, GNU timeout, systemd's
 * KillMode=control-group, `kill -- -PGID`) reaches both `deno task` and its `deno run` child, and
 * `deno task` forwards it to the child as well. The two arrive well under a millisecond apart
 * (measured; a loaded machine may delay the forward by a few scheduler slices, tens of ms), while
 * a person pressing Ctrl-C again after the "stopping" line takes longer than a second to see it and
 * decide. A different signal (SIGINT after SIGTERM) is never a duplicate.
 */
export const DUPLICATE_SIGNAL_MS = 1_000;

/** The export's line at a second signal (its staging folder is removed by the next export). */
const EXPORT_AGAIN = (name: StopSignal) =>
  `error: ${name} again: stopped at once; the next export removes the staging folder this one left`;

/**
 * Listens for SIGINT and SIGTERM until disposed. `onFirst` is told of the first signal (a
 * terminal's "stopping" line); a second one (not the first one's duplicate) prints one line
 * (`again`'s, by default the export's) and exits.
 */
export function listenForInterrupt(
  { onFirst, again = EXPORT_AGAIN }: {
    onFirst?: (signal: StopSignal) => void;
    again?: (signal: StopSignal) => string;
  } = {},
): Interrupt {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  let receivedAt = 0;
  const listeners = STOP_SIGNALS.map((name) => {
    const listener = () => {
      if (received !== undefined) {
        if (name === received && performance.now() - receivedAt < DUPLICATE_SIGNAL_MS) return;
        console.error(again(name));
        publishesSettled().finally(() => {
          removeSpoolDirsSync(); // (the queries' temporary files: no finally runs after this)
          Deno.exit(EXIT_CODES[name]);
        });
        return;
      }
      received = name;
      receivedAt = performance.now();
      onFirst?.(name);
      controller.abort(new Error(`interrupted (${name})`));
    };
    Deno.addSignalListener(name, listener);
    return { name, listener };
  });
  return {
    signal: controller.signal,
    received: () => received,
    exitCode: () => EXIT_CODES[received ?? "SIGINT"],
    delivered: async () => {
      if (received === undefined) await signalsDrained();
    },
    [Symbol.dispose]() {
      for (const { name, listener } of listeners) Deno.removeSignalListener(name, listener);
      if (received !== undefined) ignoreDuplicateUntil(received, receivedAt + DUPLICATE_SIGNAL_MS);
    },
  };
}

/**
 * After the work is done the first signal's duplicate may still be on its way (`deno task`'s
 * forward of a process group's signal): with no listener left, Deno ends the process by the
 * signal's default (exit 130/143 after a stop that ended 0). It is ignored until the window
 * closes; the timer is unref'd, so a process with nothing else to do still exits at once, and a
 * signal after the window has its default again.
 */
function ignoreDuplicateUntil(name: StopSignal, until: number): void {
  const remaining = until - performance.now();
  if (remaining <= 0) return;
  const ignore = () => {};
  Deno.addSignalListener(name, ignore);
  const timer = setTimeout(() => Deno.removeSignalListener(name, ignore), remaining);
  Deno.unrefTimer(timer);
}

/**
 * Harmless signals (ignored by default) numbered above SIGINT and SIGTERM, the first above the
 * second: 28 and 23 on Linux, 28 and 16 on macOS and the BSDs; 21 and 20 on illumos and Solaris.
 */
const PROBES: readonly [Deno.Signal, Deno.Signal] =
  Deno.build.os === "illumos" || Deno.build.os === "solaris"
    ? ["SIGURG", "SIGWINCH"]
    : ["SIGWINCH", "SIGURG"];

/**
 * How long a probe signal may take to come back before it is taken as blocked, where the signal
 * mask cannot be read (not Linux): a loaded machine's slowness past it loses the signal again. On
 * Linux the mask says whether a probe is blocked (probeBlocked), and a probe it lets through is
 * waited for up to PROBE_HANG_GUARD_MS, a guard against a hang, not a budget.
 */
const PROBE_GIVE_UP_MS = 2_000;
const PROBE_HANG_GUARD_MS = 60_000;

/** Linux's signal numbers of the probes (bits of /proc's masks: bit n − 1 for signal n). */
const LINUX_NUMBERS: Partial<Record<Deno.Signal, number>> = { SIGWINCH: 28, SIGURG: 23 };

/**
 * Whether this process's signal mask blocks `probe` (a process manager's, inherited across exec):
 * the main thread's SigBlk in /proc/self/status, which the runtime's threads inherit. Undefined
 * where it cannot be read.
 */
function probeBlocked(probe: Deno.Signal): boolean | undefined {
  const number = LINUX_NUMBERS[probe];
  if (Deno.build.os !== "linux" || number === undefined) return undefined;
  const status = "/proc/self/status";
  // (never a permission prompt: a process without read permission gives up as elsewhere)
  if (Deno.permissions.querySync({ name: "read", path: status }).state !== "granted") return;
  try {
    const mask = /^SigBlk:\s*([0-9a-f]+)$/m.exec(Deno.readTextFileSync(status))?.[1];
    return mask === undefined ? undefined : (BigInt(`0x${mask}`) >> BigInt(number - 1) & 1n) === 1n;
  } catch {
    return undefined; // (no read permission, no /proc)
  }
}

/**
 * Settles once every SIGINT or SIGTERM the process was sent before the call has reached its
 * JavaScript listeners: the process sends itself each probe signal in turn and waits for it to
 * come back, an order of events, not a time (a loaded machine took over 20 ms). Why that suffices:
 * the kernel runs a process's pending handlers lowest number first, so the signal's handler has
 * marked it before the probe's; Deno's signal thread takes marked signals lowest number first in
 * each pass and wakes their listeners in that order. A pass under way may already be past
 * SIGTERM's number when it is marked and yet return the first probe; the second probe, lower than
 * the first and sent once it has arrived, is returned by a later pass, after SIGTERM. A spurious
 * SIGWINCH or SIGURG reaches other listeners of theirs (none in the kit). Without the run
 * permission (Deno.kill's) or on Windows (whose console handler calls the listeners at once) it
 * waits two turns of the event loop.
 */
async function signalsDrained(): Promise<void> {
  for (const probe of Deno.build.os === "windows" ? [] : PROBES) {
    const blockedByMask = probeBlocked(probe);
    if (blockedByMask) break; // (the other probe is blocked too, as a rule)
    const back = Promise.withResolvers<void>();
    const listener = () => back.resolve();
    Deno.addSignalListener(probe, listener);
    // a probe blocked by the signal mask a process manager passed down never comes back: where
    // the mask is unknown, past PROBE_GIVE_UP_MS the export ends as before the probes (two turns
    // below), not hanging
    let blocked = false;
    const givenUp = setTimeout(() => {
      blocked = true;
      back.resolve();
    }, blockedByMask === false ? PROBE_HANG_GUARD_MS : PROBE_GIVE_UP_MS);
    try {
      Deno.kill(Deno.pid, probe);
      await back.promise;
      if (blocked) break; // (the other probe is blocked too, as a rule)
    } catch {
      break; // no run permission: nothing to send
    } finally {
      clearTimeout(givenUp);
      Deno.removeSignalListener(probe, listener);
    }
  }
  // the JavaScript listeners of signals woken together are called in one turn
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A command's work (scenario, compare, history) until Ctrl-C or SIGTERM: the first signal aborts
 * the work's `signal`, which it checks between its steps and before publishing (writeFileSet: a
 * publish under way completes; before it, nothing is published and the staging folder goes). A
 * work ended by the stop is one line, `stopped`'s (what is on disk), and the signal's exit code; a
 * signal once the work was done (its files published) is `finished`'s line, the same code. A
 * second signal stops at once, `again`'s line. Other errors are the caller's.
 */
export async function untilInterrupted(
  work: (signal: AbortSignal) => Promise<number>,
  { stopped, finished, again }: {
    /** what is on disk after a stop before publishing: "nothing new was written; …" */
    stopped: () => string;
    /** what is on disk when the signal came once the work had published */
    finished: () => string;
    /** what a stop at once left, and who removes it */
    again: string;
  },
): Promise<number> {
  using interrupt = listenForInterrupt({
    again: (name) => `error: ${name} again: stopped at once; ${again}`,
  });
  try {
    const code = await work(interrupt.signal);
    await interrupt.delivered(); // a signal sent as the work returned counts
    const name = interrupt.received();
    if (name === undefined) return code;
    console.error(`error: interrupted (${name}) once the work was done: ${finished()}`);
    return interrupt.exitCode();
  } catch (error) {
    const name = interrupt.received();
    if (name === undefined || error !== interrupt.signal.reason) throw error;
    console.error(`error: interrupted (${name}): ${stopped()}`);
    return interrupt.exitCode();
  }
}
