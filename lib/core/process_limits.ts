/**
 * Errors of the process's own limits rather than of a file or folder: too many open files. Deno
 * raises its soft limit to the hard one at start, so what binds is the hard limit, `ulimit -n` in
 * a shell (which sets both) or `LimitNOFILE=` in a systemd unit. The error reaches the kit as
 * Deno's "Too many open files (os error 24)", Node's EMFILE, or wrapped in a worker's or a
 * reader's message, from whichever file or socket happened to be opened last: naming that file
 * would send the user to the wrong place.
 */

/** The lowest limit worth suggesting: an export of the demo data opens ~56 files at once. */
export const SUGGESTED_OPEN_FILES = 1024;

/** The process's limit of open files (/proc/self/limits, Linux), or null when it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits").split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null; // no /proc (macOS), or out of descriptors to read it with
  }
}

/** Whether `error` (or an error it wraps, or its text) is EMFILE or ENFILE. */
export function whichOpenFileLimit(error: unknown): "process" | "system" | null {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    const text = typeof message === "string" ? message : typeof e === "string" ? e : "";
    // (ENFILE first: its text, "Too many open files in system", starts like EMFILE's)
    if (
      code === "ENFILE" || /\(os error 23\)|\bENFILE\b|Too many open files in system/.test(text)
    ) {
      return "system";
    }
    if (code === "EMFILE" || /\(os error 24\)|\bEMFILE\b|Too many open files/.test(text)) {
      return "process";
    }
    e = cause;
  }
  return null;
}

/**
 * `error` as one line saying which limit was reached and how to raise it, when it is a limit of
 * open files; else null. The caller adds what to do then ("and run again").
 */
export function openFileLimitLine(
  error: unknown,
  limit: () => number | null = openFileLimit,
): string | null {
  const which = whichOpenFileLimit(error);
  if (which === "system") {
    return "the system's table of open files is full (ENFILE): close other programs or raise " +
      "fs.file-max";
  }
  if (which === null) return null;
  const now = limit();
  return `too many open files${now === null ? "" : ` (this process may open ${now})`}: ` +
    `raise the limit to ${SUGGESTED_OPEN_FILES} or more (\`ulimit -n\` in the shell that ` +
    "starts it, LimitNOFILE= in a systemd unit, --ulimit nofile= for a container)";
}
