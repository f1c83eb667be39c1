/** The export's stage timer: each stage's time, its start and end told, its garbage collected. */
import { collectDroppedFrames } from "./memory.ts";
import type { ExportOptions } from "./types.ts";

export type StageTimer = <T>(name: string, work: () => Promise<T> | T) => Promise<T>;

/**
 * Times each stage into `stages` (milliseconds) and tells `onTime` when it starts and ends. Each
 * stage ends with its dropped frames collected when the export is large (`rows`: the
 * organizations, once known). No stage starts once `signal` is aborted (its reason is thrown).
 */
export function stageTimer(
  stages: Record<string, number>,
  { onTime, rows, signal }: {
    onTime?: ExportOptions["onStageTime"];
    rows: () => number | undefined;
    signal?: AbortSignal;
  },
): StageTimer {
  return async (name, work) => {
    signal?.throwIfAborted();
    onTime?.(name, "start");
    const started = performance.now();
    try {
      return await work();
    } finally {
      await collectDroppedFrames({ rows: rows() });
      stages[name] = Math.round(performance.now() - started);
      onTime?.(name, "end");
    }
  };
}
