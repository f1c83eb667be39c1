import v8 from "node:v8";
import vm from "node:vm";

/**
 * Frames of at most this many rows (organizations) leave a few MB of garbage behind: a full
 * collection there (10–30 ms on the main thread, some twenty per export) costs more than it
 * frees. At 100k organizations they were ~0.3 s of the export after the queries; the peak RSS
 * is ~400–500 MB either way. Callers that know their frame's height pass it as `rows`.
 */
export const COLLECT_ABOVE_ROWS = 250_000;

/**
 * Polars frames live in native memory that V8 does not see: a JS DataFrame wrapper frees its
 * frame only when the garbage collector finalises it, and V8, counting a few bytes per wrapper,
 * sees no reason to collect. Between stages of a large export the dropped frames of the earlier
 * stages (raw CSV frames, the joined frame, …) and each chart's Plot work would stay resident.
 * A full collection at those points lets them go (once its finalisers have run: the promise); see
 * fullCollection for where the collector comes from.
 *
 * Freed is not yet returned: Polars allocates with glibc's malloc from its worker threads, whose
 * arenas keep freed pages (at 1M organizations ~470 MB stayed resident after every frame was
 * dropped). glibc's malloc_trim hands them back; it is called through FFI where the process may
 * (Linux with glibc, FFI permitted), otherwise skipped.
 */
export function collectDroppedFrames(options: { rows?: number } = {}): Promise<void> {
  const gc = fullCollection();
  if (!gc || (options.rows !== undefined && options.rows <= COLLECT_ABOVE_ROWS)) {
    return Promise.resolve();
  }
  gc();
  // The wrappers' finalisers, which free the native frames, run on a later turn of the event
  // loop, not inside gc(): await this where the memory should be back before going on. Calls in
  // one synchronous run (a chart loop) share that turn and one trim.
  return settling ??= new Promise((resolve) =>
    setTimeout(() => {
      settling = undefined;
      mallocTrim();
      resolve();
    }, 0)
  );
}

let settling: Promise<void> | undefined;

/**
 * Slices between two returns of freed memory as a large export's rows are written (the CSV's,
 * writeCsvWithSubset; the XLSX's data sheet, writeXlsxTo).
 */
export const TRIM_EVERY_SLICES = 4;

/**
 * Freed native memory handed back now, with no collection (malloc_trim: every glibc arena, other
 * threads' too), when the export is large (`rows` above COLLECT_ABOVE_ROWS). The chart worker's
 * PNGs: each one's pixmap is freed into its thread's arena, which keeps it, beside the writers'
 * slices, which the trim returns as well (a million organizations' CSV-only peak was there).
 */
export function returnFreedMemory({ rows }: { rows: number }): void {
  if (rows > COLLECT_ABOVE_ROWS) mallocTrim();
}

let trim: (() => void) | null | undefined;

function mallocTrim(): void {
  if (trim === undefined) trim = loadMallocTrim();
  trim?.();
}

function loadMallocTrim(): (() => void) | null {
  try {
    if (
      Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted"
    ) {
      return null;
    }
    const libc = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
    });
    return () => void libc.symbols.malloc_trim(0n);
  } catch {
    return null; // musl or another libc without it: nothing to trim
  }
}

/**
 * Short-lived garbage that V8 does not see the size of, freed now by a young-generation
 * collection (≈1 ms; a full one takes ~25 ms with Plot on the heap). A writer's slices (their
 * Polars frames, doubles and strings' CSV; a 1M-row CSV + XLSX write held 90–200 MB of them) and a
 * chart's PNG rasteriser (a 1760 × 960 pixmap, ~7 MB) die young. Only under `--expose-gc` (the
 * tasks): the collector made at run time (fullCollection) makes every collection a full one.
 */
export function collectYoungGarbage(): void {
  (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}

let made: (() => void) | null | undefined;

/**
 * V8's full collection: the `gc` that `--v8-flags=--expose-gc` puts on globalThis (the tasks),
 * else one made at run time where the flag is missing (a notebook's Deno kernel, `deno test`, a
 * plain `deno run`): node:v8 sets the flag and a new node:vm context is given the function, which
 * collects the whole isolate (always fully, ~2× the time of the flag's). Without it a notebook's
 * export of a million organizations kept its dropped frames and peaked at ~2.1 GB. Null where
 * neither works. Per isolate: each worker makes its own.
 */
export function fullCollection(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  if (made !== undefined) return made;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    made = typeof gc === "function" ? () => gc() : null;
  } catch {
    made = null;
  }
  return made;
}
