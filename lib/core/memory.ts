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
 * Under `--v8-flags=--expose-gc` (the export and bench tasks; workers get it too) a full
 * collection at those points lets them go (once its finalisers have run: the promise); without
 * the flag this does nothing.
 *
 * Freed is not yet returned: Polars allocates with glibc's malloc from its worker threads, whose
 * arenas keep freed pages (at 1M organizations ~470 MB stayed resident after every frame was
 * dropped). glibc's malloc_trim hands them back; it is called through FFI where the process may
 * (Linux with glibc, FFI permitted), otherwise skipped.
 */
export function collectDroppedFrames(options: { rows?: number } = {}): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
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
 * chart's PNG rasteriser (a 1760 × 960 pixmap, ~7 MB) die young. Without --expose-gc: nothing.
 */
export function collectYoungGarbage(): void {
  (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}
