/**
 * Polars frames live in native memory that V8 does not see: a JS DataFrame wrapper frees its
 * frame only when the garbage collector finalises it, and V8, counting a few bytes per wrapper,
 * sees no reason to collect. Between stages of a large export the dropped frames of the earlier
 * stages (raw CSV frames, the joined frame, …) and each chart's Plot work would stay resident.
 * Under `--v8-flags=--expose-gc` (the export and bench tasks; workers get it too) a full
 * collection at those points lets them go; without the flag this does nothing.
 */
export function collectDroppedFrames(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
