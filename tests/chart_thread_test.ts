/**
 * lib/report/chart_thread.ts: the chart worker kept across a server's exports. A Deno Worker that
 * loaded Polars' native addon leaves two file descriptors (an eventpoll and an eventfd) open once
 * terminated, so a worker per export ran a long-running server (`deno task mcp`, `deno task
 * serve`) out of its 1,024 after ~500 run_export calls.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { basename } from "node:path";
import { ANSWER_TIMEOUT_MS, stdioClient, text, type ToolResult } from "./mcp_client.ts";
import { loadPricingData, runExport } from "../lib/export.ts";
import { ChartThread } from "../lib/report/chart_thread.ts";
import { type ChartJob, startChartWorker } from "../lib/report/chart_worker.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const demo = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });

/** The demo frame's chart job into `outDir` (the PNGs of an XLSX's summary sheet too). */
function demoJob(outDir: string, frame = demo.frame): ChartJob {
  return {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    frame,
    outDir,
    stamp: "s",
    summary: true,
    windowDays: 30,
    demo: true,
  };
}

/** Every file in `dir`, by name, with its bytes. */
function filesIn(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const entry of Deno.readDirSync(dir)) {
    files[entry.name] = Buffer.from(Deno.readFileSync(`${dir}/${entry.name}`));
  }
  return files;
}

/** The open file descriptors of process `pid`, counted by what they are (a pipe, an eventfd…). */
function openDescriptors(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch {
      continue; // closed since it was listed
    }
    // (one kind per pipe, socket or file: their numbers differ from run to run)
    const kind = target.replace(/\[\d+\]$/, "[…]").replace(/^\/tmp\/.*/, "/tmp/…");
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

Deno.test("deno task mcp: run_export leaves no file descriptor open behind it, export after export", async () => {
  const exportsDir = await Deno.makeTempDir({ prefix: "chart_thread_fds_" });
  const { transport, client } = stdioClient({
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_EXPORTS_DIR: exportsDir,
  });
  await client.connect(transport);
  const runExport = async () => {
    const result = await client.callTool({ name: "run_export", arguments: {} }, undefined, {
      timeout: ANSWER_TIMEOUT_MS,
    }) as unknown as ToolResult;
    assertEquals(result.isError, undefined, text(result));
  };
  try {
    // the first export opens what the server keeps open (its caches; the chart worker's thread)
    await runExport();
    const before = openDescriptors(transport.pid!);
    for (let run = 0; run < 4; run++) await runExport();
    // (a worker per export: eventpoll and eventfd each 4 more)
    assertEquals(openDescriptors(transport.pid!), before);
  } finally {
    await client.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
});

Deno.test("a kept worker draws job after job, the files and summary PNGs of a worker of the job's own; a job given up mid-drawing or failing leaves it for the next", async () => {
  const dirs = {
    own: await Deno.makeTempDir(),
    first: await Deno.makeTempDir(),
    givenUp: await Deno.makeTempDir(),
    failed: await Deno.makeTempDir(),
    after: await Deno.makeTempDir(),
  };
  const thread = new ChartThread();
  try {
    // a worker of its own, ended with the job (deno task export's)
    const own = await startChartWorker().render(demoJob(dirs.own));
    const expected = filesIn(dirs.own);
    assertEquals(own.paths.length, 16);

    const first = await startChartWorker(thread).render(demoJob(dirs.first));
    assertEquals(first.summary, own.summary);
    assertEquals(filesIn(dirs.first), expected);

    // given up once the worker has it (the export stopped, or failed elsewhere): what waits on
    // the job is let go at once (the export does not wait for its drawing), and the worker drops
    // it at its next chart, before any file
    const givenUp = startChartWorker(thread);
    givenUp.render(demoJob(dirs.givenUp));
    await givenUp.sent;
    givenUp.close();
    await givenUp.drawn;
    await rejects(givenUp.summary, /closed/);
    await thread.idle();
    assertEquals(Object.keys(filesIn(dirs.givenUp)), []);

    // a chart failing in the worker: its job fails, the next is drawn
    await rejects(
      startChartWorker(thread).render(demoJob(dirs.failed, demo.frame.drop("tier"))),
      /charts failed: .*tier/,
    );
    const after = await startChartWorker(thread).render(demoJob(dirs.after));
    assertEquals(after.summary, own.summary);
    assertEquals(filesIn(dirs.after), expected);
    assertEquals(thread.started, 1);
  } finally {
    thread.close();
    for (const dir of Object.values(dirs)) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a kept worker: exports through it leave no file descriptor open; it is started once", async () => {
  const thread = new ChartThread();
  const outDir = await Deno.makeTempDir();
  const exportThrough = async () => {
    const result = await runExport(
      { demo: true, asOf, outDir, env: {}, quiet: true, log: () => {}, formats: ["csv", "xlsx"] },
      { chartThread: thread },
    );
    ok(result.csvPath && result.xlsxPath);
  };
  try {
    await exportThrough();
    const before = openDescriptors(Deno.pid);
    for (let run = 0; run < 3; run++) await exportThrough();
    assertEquals(openDescriptors(Deno.pid), before);
    assertEquals(thread.started, 1);
  } finally {
    thread.close();
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an export stopped while the kept worker draws ends with the stop, nothing published; the next export through it is whole", async () => {
  const thread = new ChartThread();
  const outDir = await Deno.makeTempDir();
  const ownDir = await Deno.makeTempDir();
  const options = { demo: true, asOf, outDir, env: {}, quiet: true, log: () => {} };
  try {
    const stop = new AbortController();
    await rejects(
      runExport({
        ...options,
        signal: stop.signal,
        // (the job is sent before the write stage: the worker is drawing)
        onStageTime: (name, phase) => {
          if (name === "write" && phase === "start") stop.abort(new Error("stopped mid-charts"));
        },
      }, { chartThread: thread }),
      /stopped mid-charts/,
    );
    assertEquals([...Deno.readDirSync(outDir)], []);
    await thread.idle();
    const result = await runExport(options, { chartThread: thread });
    // the files of an export with a worker of its own (the CSV, the brief, the charts…)
    await runExport({ ...options, outDir: ownDir });
    const published = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    ok(published.includes(basename(result.csvPath!)));
    ok(published.some((name) => name.endsWith(".png")));
    assertEquals(published, [...Deno.readDirSync(ownDir)].map((e) => e.name).sort());
    assertEquals(thread.started, 1);
  } finally {
    thread.close();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(ownDir, { recursive: true });
  }
});

Deno.test("a closed thread: its job under way fails, and a job after is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const thread = new ChartThread();
    const underway = startChartWorker(thread);
    const rendered = underway.render(demoJob(dir));
    await underway.sent;
    thread.close();
    await rejects(rendered, /the chart worker was closed/);
    await rejects(startChartWorker(thread).render(demoJob(dir)), /the chart worker was closed/);
    // (the chart columns' file of each job removed, the worker gone, or on the refusal)
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
