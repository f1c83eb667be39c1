/**
 * The brief's PTB vs BYOK traffic lines (lib/report/brief_traffic.ts trafficBriefLines, which
 * calls ptbVsByok) alone at 1M: bench/write_stage_rss.ts's month-12 frame made in a process of its
 * own, its making's garbage collected and trimmed, the peak resident set reset
 * (/proc/self/clear_refs), then one call: the resident set before it, its peak (VmHWM) and the
 * call's CPU (every thread). With `--other DIR` a run of that checkout's function alternates with
 * each of this one's (the frame made by this checkout's bench/write_stage_frame.ts on both sides),
 * and whether both sides' lines are the same text. Figures only; no pass/fail.
 *
 *   deno run -A bench/traffic_lines_rss.ts [--rows 1000000] [--runs 3] [--other DIR]
 */
import { resolve } from "node:path";
import process from "node:process";
import { benchFail, benchFlags, benchWholeNumber } from "./args.ts";
import { median } from "./report.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");

const values = benchFlags(Deno.args, {
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    other: { type: "string" },
    /** (the measured process: the checkout whose trafficBriefLines is called) */
    child: { type: "string" },
  },
  usage: "Usage: deno run -A bench/traffic_lines_rss.ts [--rows 1000000] [--runs 3] [--other DIR]",
});
const rows = benchWholeNumber("rows", values.rows, 1);

/** One call's figures, as the measured process prints them. */
interface Call {
  beforeMb: number;
  peakMb: number;
  cpuMs: number;
  text: string;
}

/** This process's VmRSS or VmHWM, in MB. */
function statusMb(key: "VmRSS" | "VmHWM"): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Math.round(Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0) / 1024);
}

/** In the measured process: the frame, then one call of `root`'s trafficBriefLines. */
async function measuredChild(root: string): Promise<void> {
  const { collectDroppedFrames } = await import("../lib/core/memory.ts");
  const { storedMonthData } = await import("./write_stage_frame.ts");
  const { trafficBriefLines } = await import(`${root}/lib/report/brief_traffic.ts`);
  const data = await storedMonthData(rows, { asOf: AS_OF, month: 12 });
  // collected until three collections in a row free less than 5 MB (as write_stage_rss.ts)
  for (let last = statusMb("VmRSS"), calm = 0; calm < 3;) {
    await collectDroppedFrames();
    const now = statusMb("VmRSS");
    calm = now < last - 5 ? 0 : calm + 1;
    last = now;
  }
  Deno.writeTextFileSync("/proc/self/clear_refs", "5"); // VmHWM from here
  const beforeMb = statusMb("VmRSS");
  const cpu = process.cpuUsage();
  const lines = trafficBriefLines(data.frame, data.windowDays) as string[];
  const used = process.cpuUsage(cpu);
  const call: Call = {
    beforeMb,
    peakMb: statusMb("VmHWM"),
    cpuMs: (used.user + used.system) / 1000,
    text: lines.join("\n"),
  };
  console.log(JSON.stringify(call));
  Deno.exit(0);
}

/** One measured call of the checkout at `root` (this checkout's frame). */
async function measuredRun(root: string): Promise<Call> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--rows",
      String(rows),
      "--child",
      root,
    ],
    cwd: resolve(new URL("..", import.meta.url).pathname),
    stdout: "piped",
    stderr: "inherit",
  });
  const { success, stdout } = await command.output();
  if (!success) benchFail(`the call of ${root}'s trafficBriefLines failed (its error is above)`);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Call;
}

if (values.child) {
  await measuredChild(values.child);
} else {
  if (Deno.build.os !== "linux") benchFail("reads /proc: Linux only");
  const here = resolve(new URL("..", import.meta.url).pathname);
  const sides = values.other ? [here, resolve(values.other)] : [here];
  const calls = new Map<string, Call[]>(sides.map((root) => [root, []]));
  for (let run = 0; run < benchWholeNumber("runs", values.runs, 1); run++) {
    // alternate which side goes first
    for (const root of run % 2 === 0 ? sides : [...sides].reverse()) {
      const call = await measuredRun(root);
      calls.get(root)!.push(call);
      console.log(
        `run ${run + 1} ${root}: before ${call.beforeMb} MB, peak ${call.peakMb} MB ` +
          `(+${call.peakMb - call.beforeMb}), CPU ${call.cpuMs.toFixed(0)} ms`,
      );
    }
  }
  for (const [root, made] of calls) {
    const rise = made.map((c) => c.peakMb - c.beforeMb);
    console.log(
      `${root}: rise over the level before, median +${median(rise)} MB (${rise.join(", ")}); ` +
        `CPU median ${median(made.map((c) => c.cpuMs)).toFixed(0)} ms`,
    );
  }
  if (sides.length === 2) {
    const [a, b] = sides.map((root) => calls.get(root)!.map((c) => c.text));
    const same = a.every((text) => text === a[0]) && b.every((text) => text === a[0]);
    console.log(same ? "lines: the same text" : "lines: DIFFERENT text");
  }
}
