/**
 * The export's terminal lines when the terminal cannot take them: standard output or error
 * redirected to a file on a full disk (`>> export.log` under cron), or to /dev/full. Deno's
 * console throws then (ENOSPC, EIO); thrown from the summary, that turned an export already
 * published into "error: No space left on device" and exit 1, skipping email and retention. The
 * export does not depend on its terminal: a line that cannot be written is dropped and the first
 * failure remembered, for the exit code (2: written, something after failed) and a last line.
 * The server's log likewise: a full log disk must not cut downloads at a stop or stop it serving.
 */
import { writeProblem } from "../formats/files.ts";

/** Which stream failed first, and how. */
export interface ConsoleFailure {
  stream: "standard output" | "standard error";
  error: unknown;
}

const METHODS = {
  log: "standard output",
  info: "standard output",
  error: "standard error",
  warn: "standard error",
} as const;

/**
 * Makes console.log/info/error/warn drop a line they cannot write, remembering the first
 * failure; disposing puts the console back.
 */
export function keepGoingWhenConsoleFails(
  { onFirstFailure }: { onFirstFailure?: (failure: ConsoleFailure) => void } = {},
): Disposable & { failure(): ConsoleFailure | null } {
  let failure: ConsoleFailure | null = null;
  const originals = new Map<keyof typeof METHODS, (...data: unknown[]) => void>();
  for (
    const [method, stream] of Object.entries(METHODS) as [
      keyof typeof METHODS,
      ConsoleFailure["stream"],
    ][]
  ) {
    const original = console[method];
    originals.set(method, original);
    console[method] = (...data: unknown[]) => {
      try {
        original.apply(console, data);
      } catch (error) {
        if (failure) return;
        failure = { stream, error };
        onFirstFailure?.(failure);
      }
    };
  }
  return {
    failure: () => failure,
    [Symbol.dispose]() {
      for (const [method, original] of originals) console[method] = original;
    },
  };
}

/** Why `failure`'s stream lost lines: "no space left on device"… */
export function consoleFailureReason({ error }: ConsoleFailure): string {
  return writeProblem(error)?.reason ??
    (error instanceof Error ? error.message.split("\n")[0] : String(error));
}

/** The line saying the export is written but `failure`'s stream lost lines; exit code 2. */
export function consoleFailureLine(failure: ConsoleFailure): string {
  const { stream } = failure;
  const reason = consoleFailureReason(failure);
  return `error: the export was written, but lines to ${stream} were lost (${reason}): ` +
    `free space where ${stream} goes`;
}
