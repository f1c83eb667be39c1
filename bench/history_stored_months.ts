/**
 * An export beside twelve stored month ends, without databases: what the history stage (the
 * bridge, retention, the brief's history section) costs an export at scale. The demo export
 * stacked to `--rows` organizations (bench/write_stage_frame.ts, ids unique), its MRR varied per
 * month (some organizations at $0, some 25 % up) so that the bridge has movements.
 *
 *   deno run -A --v8-flags=--expose-gc bench/history_stored_months.ts --setup DIR [--rows 100000]
 *     stores the twelve month ends 2025-11-01 … 2026-10-01 in DIR/history (demo snapshots)
 *   deno run -A --v8-flags=--expose-gc bench/history_stored_months.ts --run DIR [--rows 100000]
 *     one CSV export (no charts) as of 2026-11-01 into DIR: prints CPU seconds (every thread),
 *     peak RSS (from the export's start) and the history stage's milliseconds as one JSON line
 *
 * One process per run (peak RSS is the process's). The first --run after --setup makes the
 * bridge state; the runs after it resume it, as a production export does. Figures only.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { exportFiles, exportOptions } from "../lib/export.ts";
import { storedMonthData } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "100000" },
    setup: { type: "string" },
    run: { type: "string" },
  },
});
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function exportAt(
  dir: string,
  { asOf, month }: { asOf: Date; month: number },
): Promise<{ cpuS: number; peakMb: number; historyMs: unknown }> {
  const data = await storedMonthData(Number(values.rows), { asOf, month });
  const options = exportOptions({
    demo: true,
    asOf,
    ranAt: asOf,
    outDir: dir,
    formats: ["csv"],
    env: {},
    quiet: true,
    log: () => {},
    charts: false,
    history: true,
  });
  gc();
  Deno.writeTextFileSync("/proc/self/clear_refs", "5"); // VmHWM from here (Linux)
  const cpu = process.cpuUsage();
  await exportFiles(data, { options, env: {} });
  const used = process.cpuUsage(cpu);
  const peakMb = Math.round(
    Number(Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024,
  );
  return {
    cpuS: Number(((used.user + used.system) / 1e6).toFixed(3)),
    peakMb,
    historyMs: data.stages?.history,
  };
}

if (values.setup) {
  await Deno.mkdir(values.setup, { recursive: true });
  for (let m = 0; m < 12; m++) {
    const asOf = new Date(Date.UTC(2025, 10 + m, 1));
    const out = await Deno.makeTempDir({ prefix: "history-stored-months-" });
    await exportAt(out, { asOf, month: m });
    // keep the snapshots (history/), not the rest of each export
    for await (const entry of Deno.readDir(`${out}/history`)) {
      if (!entry.isFile) continue;
      await Deno.mkdir(`${values.setup}/history`, { recursive: true });
      await Deno.rename(`${out}/history/${entry.name}`, `${values.setup}/history/${entry.name}`);
    }
    await Deno.remove(out, { recursive: true });
    console.log(`stored ${asOf.toISOString().slice(0, 10)}`);
  }
} else if (values.run) {
  const result = await exportAt(values.run, { asOf: new Date("2026-11-01T00:00:00Z"), month: 12 });
  console.log(JSON.stringify({ rows: Number(values.rows), ...result }));
} else {
  console.error("error: give --setup DIR or --run DIR (bench/history_stored_months.ts --help)");
  Deno.exit(1);
}
