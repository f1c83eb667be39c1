/**
 * Where a 1M export of the stacked 48-column demo frame peaks: one export with charts, CSV and XLSX
 * (lib/export.ts exportFiles, as `deno task export` runs it after its queries) of
 * bench/history_stored_months.ts's frame as of 2026-11-01, in a process of its own whose resident
 * set is read every 20 ms from this one; prints the peak in each stage's window, the resident set
 * as the export starts and the export's CPU-seconds (every thread). With `--history` the export
 * runs beside stored month ends (a fresh copy of the folder per run); with `--other DIR` it
 * alternates with another checkout (`git worktree add DIR <rev>`; this file, write_stage_frame.ts
 * and rss_samples.ts copied into its bench/). Each side's last files are compared byte for byte.
 * Figures only; no pass/fail.
 *
 *   deno run -A bench/write_stage_rss.ts [--rows 1000000] [--runs 3] [--other DIR]
 *     [--history DIR/history] [--work DIR]
 *
 * `--history` takes the history folder of `history_stored_months.ts --setup DIR` after one
 * `--run DIR` (its bridge state made: the runs here resume it, as a production export does).
 */
import process from "node:process";
import { resolve } from "node:path";
import { benchFail, benchFlags, benchWholeNumber } from "./args.ts";
import { type Mark, peakIn, type Sample, sample, SAMPLE_MS, stageWindows } from "./rss_samples.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");

const values = benchFlags(Deno.args, {
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "1" },
    other: { type: "string" },
    history: { type: "string" },
    work: { type: "string" },
    /** (the measured process: the folder to export into) */
    child: { type: "string" },
  },
  usage: "Usage: deno run -A bench/write_stage_rss.ts [--rows 1000000] [--runs 3] [--other DIR] " +
    "[--history DIR/history] [--work DIR]",
});
const rows = benchWholeNumber("rows", values.rows, 1);

/** In the measured process: the frame, the chart worker, then the export, timed by stage. */
async function measuredChild(outDir: string): Promise<void> {
  const { exportFiles, exportOptions } = await import("../lib/export.ts");
  const { startChartsAndExcel } = await import("../lib/pipeline/mod.ts");
  const { collectDroppedFrames } = await import("../lib/core/memory.ts");
  const { storedMonthData } = await import("./write_stage_frame.ts");
  const marks: Mark[] = [];
  const mark = (stage: string, phase: Mark["phase"]) =>
    marks.push({ stage, phase, ms: Math.round(performance.now()) });
  // a history folder copied into the output folder by the parent, or none
  const history = await Deno.stat(`${outDir}/history`).then(() => true, () => false);
  const options = exportOptions({
    demo: true,
    asOf: AS_OF,
    ranAt: AS_OF,
    outDir,
    formats: ["csv", "xlsx"],
    env: {},
    quiet: true,
    log: () => {},
    charts: true,
    history,
    onStageTime: mark,
  });
  // started before the frame is made, as an export starts it while its last query runs
  const chartWorker = startChartsAndExcel(options);
  const data = await storedMonthData(rows, { asOf: AS_OF, month: 12 });
  // the frame's making freed: its frames' finalisers run over several turns, so collected until
  // three collections in a row free less than 5 MB (one pass left 880–1,130 MB run to run)
  for (let last = residentMb(), calm = 0; calm < 3;) {
    await collectDroppedFrames();
    const now = residentMb();
    calm = now < last - 5 ? 0 : calm + 1;
    last = now;
  }
  const cpu = process.cpuUsage();
  mark("export", "start");
  // the chart worker's drawing (its rasterising and files after it are the charts stage's)
  mark("drawing", "start");
  chartWorker?.drawn.then(() => mark("drawing", "end"));
  try {
    await exportFiles(data, { options, env: {}, chartWorker });
  } finally {
    chartWorker?.close();
  }
  mark("export", "end");
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ cpuS: (used.user + used.system) / 1e6, marks }));
  Deno.exit(0);
}

/** This process's resident set, in MB. */
function residentMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Math.round(Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024);
}

/** One measured export of the checkout at `root` into `outDir`; its samples and marks. */
async function measuredRun(root: string, outDir: string) {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      `${root}bench/write_stage_rss.ts`,
      "--rows",
      String(rows),
      "--child",
      outDir,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  });
  const child = command.spawn();
  const spawnedAt = performance.now();
  const samples: Sample[] = [];
  let done = false;
  const output = child.output().finally(() => done = true);
  while (!done) {
    const s = sample(child.pid, Math.round(performance.now() - spawnedAt));
    if (s) samples.push(s);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
  const { success, stdout } = await output;
  if (!success) benchFail(`the export in ${root} failed (its error is above)`);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  const result = JSON.parse(lines[lines.length - 1]) as { cpuS: number; marks: Mark[] };
  return { samples, ...result };
}

/** The files of two output folders that differ, by name (those in one folder only too). */
async function differingFiles(a: string, b: string): Promise<string[]> {
  const names = async (dir: string) =>
    (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isFile).map((e) => e.name);
  const [left, right] = [await names(a), await names(b)];
  const differing: string[] = [];
  for (const name of new Set([...left, ...right])) {
    if (!left.includes(name) || !right.includes(name)) {
      differing.push(name);
      continue;
    }
    const cmp = new Deno.Command("cmp", { args: ["-s", `${a}/${name}`, `${b}/${name}`] });
    if (!(await cmp.output()).success) differing.push(name);
  }
  return differing;
}

async function copyFolder(from: string, to: string): Promise<void> {
  const { success } = await new Deno.Command("cp", { args: ["-r", from, to] }).output();
  if (!success) benchFail(`could not copy ${from} to ${to}`);
}

async function main(): Promise<void> {
  const here = resolve(new URL(".", import.meta.url).pathname, "..") + "/";
  const other = values.other === undefined ? undefined : resolve(values.other) + "/";
  if (other && !Deno.statSync(`${other}bench`).isDirectory) benchFail(`--other: no bench/ in it`);
  const sides = [{ name: "this", root: here }, ...(other ? [{ name: "other", root: other }] : [])];
  const work = values.work ?? await Deno.makeTempDir({ prefix: "write-stage-rss-" });
  const out = `${work}/out`; // one path for every run: the files quote their folder
  for (let run = 0; run < benchWholeNumber("runs", values.runs, 1); run++) {
    const order = run % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      await Deno.remove(out, { recursive: true }).catch(() => {});
      await Deno.mkdir(out, { recursive: true });
      if (values.history) await copyFolder(values.history, `${out}/history`);
      const { samples, cpuS, marks } = await measuredRun(side.root, out);
      const windows = stageWindows(marks);
      const exportAt = windows.find((w) => w.stage === "export")!;
      const before = samples.filter((s) => s.ms <= exportAt.from).at(-1);
      const top = peakIn(samples, exportAt.from, exportAt.to)!;
      const open = windows.filter((w) =>
        w.stage !== "export" && w.from <= top.ms && top.ms <= w.to
      );
      console.log(
        `${side.name} run ${run + 1}: peak ${top.rss} MB (anon ${top.anon}) in ${
          open.map((w) => w.stage).join(" + ") || "no stage"
        }, before the export ${before?.rss} MB, export ${cpuS.toFixed(2)} CPU-s`,
      );
      for (const w of windows) {
        const p = peakIn(samples, w.from, w.to);
        console.log(
          `  ${w.stage.padEnd(10)} ${((w.to - w.from) / 1000).toFixed(1).padStart(6)} s, peak ${
            p?.rss ?? "-"
          } MB`,
        );
      }
      await Deno.writeTextFile(
        `${work}/${side.name}-run${run + 1}.json`,
        JSON.stringify({ marks, samples }),
      );
      const kept = `${work}/${side.name}-files`;
      await Deno.remove(kept, { recursive: true }).catch(() => {});
      await Deno.remove(`${out}/history`, { recursive: true }).catch(() => {});
      await Deno.rename(out, kept);
    }
  }
  if (other) {
    const differing = await differingFiles(`${work}/this-files`, `${work}/other-files`);
    console.log(
      differing.length ? `files differ: ${differing.join(", ")}` : "the files: same bytes",
    );
  }
  console.log(`samples and files: ${work}`);
}

if (values.child) await measuredChild(values.child);
else await main();
