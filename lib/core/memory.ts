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

/**
 * glibc's mmap threshold, fixed: a block of this size or more gets a mapping of its own from
 * the kernel, returned to it as the block is freed. glibc's own threshold starts at 128 KiB and
 * rises with each larger block freed, up to 32 MiB, after which Polars' column buffers (8 MB a
 * million Float64s) come from the arenas, which keep what is freed between blocks still held (a
 * trim returns only whole free pages). At a million organizations that was 60–100 MB over every
 * stage of the export. Its cost: each such block is a fresh mapping the kernel zeroes, ~+1.3–1.7
 * CPU-s of a 1M CSV export (~+8 %); 1 MiB rather than glibc's 128 KiB: the same peak with fewer
 * mappings (the CPU of the two was not told apart under load).
 */
export const MMAP_THRESHOLD_BYTES = 1024 * 1024;

/**
 * Large blocks mapped on their own from now on (MMAP_THRESHOLD_BYTES), in this whole process,
 * every thread's arena: called by the export before its queries (a server's process keeps it from
 * its first export on). Setting it also fixes glibc's trim threshold at its 128 KiB default,
 * which otherwise rises with it. Skipped where FFI is not permitted or the libc is not glibc.
 */
export function mapLargeAllocations(): void {
  if (mapped) return;
  mapped = true;
  try {
    if (
      Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted"
    ) {
      return;
    }
    const libc = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    libc.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    libc.close();
  } catch {
    // musl or another libc without mallopt: its own allocator's policy stands
  }
}

/** glibc's malloc.h */
const M_MMAP_THRESHOLD = -3;

let mapped = false;

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
