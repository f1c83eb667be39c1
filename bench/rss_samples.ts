/**
 * A process's resident set read from outside (/proc/<pid>/status), and the stage windows its marks
 * make: what bench/memtrace.ts and bench/write_stage_rss.ts sample every SAMPLE_MS.
 */
export const SAMPLE_MS = 20;

/** One /proc sample: ms since spawn, MB resident (all, anonymous, file-backed), threads. */
export interface Sample {
  ms: number;
  rss: number;
  anon: number;
  file: number;
  threads: number;
}

/** The process's memory now, or undefined once it is gone. */
export function sample(pid: number, ms: number): Sample | undefined {
  let status: string;
  try {
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  return {
    ms,
    rss: Math.round(kb("VmRSS") / 1024),
    anon: Math.round(kb("RssAnon") / 1024),
    file: Math.round(kb("RssFile") / 1024),
    threads: kb("Threads"),
  };
}

/** The highest sample in [from, to] ms. */
export function peakIn(samples: Sample[], from: number, to: number): Sample | undefined {
  return samples.filter((s) => s.ms >= from && s.ms <= to)
    .reduce<Sample | undefined>((top, s) => !top || s.rss > top.rss ? s : top, undefined);
}

export type Mark = { stage: string; phase: "start" | "end"; ms: number };

/** Each stage's window, in the order the stages started. */
export function stageWindows(marks: Mark[]): { stage: string; from: number; to: number }[] {
  const starts = marks.filter((m) => m.phase === "start");
  return starts.map(({ stage, ms }) => ({
    stage,
    from: ms,
    to: marks.find((m) => m.stage === stage && m.phase === "end" && m.ms >= ms)?.ms ?? Infinity,
  }));
}
