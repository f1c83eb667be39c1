/**
 * Ctrl-C and SIGTERM on `deno task export` in a separate process: exit 130 / 143, a whole set or
 * none published, no staging or temp file left, SIGINT's default back after main returns, and a
 * second signal stopping at once.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { CLI, evalInCleanProcess } from "./cli_run.ts";

// ── Ctrl-C and SIGTERM ─────────────────────────────────────────────────────────────────────
const DEMO_EXPORT = ["--demo", "--out-dir", "OUT", "--as-of", "2026-11-01", "--quiet"];

/** The demo export as a child process; `exited` turns true once it has. */
function spawnExport(out: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--env-file",
      "/dev/null",
      ...DEMO_EXPORT.map((a) => a === "OUT" ? out : a),
    ],
    env: { NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const state = { child, exited: false };
  child.status.then(() => state.exited = true);
  return state;
}

/** Polls (every 2 ms) until `ready()`; sends `signal` unless the child has exited first. */
async function signalWhen(
  run: ReturnType<typeof spawnExport>,
  { ready, signal }: { ready: () => boolean; signal: Deno.Signal },
): Promise<boolean> {
  while (!run.exited && !ready()) await new Promise((resolve) => setTimeout(resolve, 2));
  if (run.exited) return false;
  run.child.kill(signal);
  return true;
}

/** Names in `dir` and `dir/history` starting with a dot (staging folders, temp files). */
function leftovers(dir: string): string[] {
  const dotted = (folder: string) =>
    [...Deno.readDirSync(folder)].map((e) => e.name).filter((n) => n.startsWith("."));
  const history = `${dir}/history`;
  const inHistory = existsSync(history) ? dotted(history).map((n) => `history/${n}`) : [];
  return [...dotted(dir), ...inHistory];
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** "none" (no export file), or "whole" (the manifest and exactly the files it lists); else throws. */
function exportSet(dir: string): "none" | "whole" {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.startsWith("helicone_pricing_")
  );
  if (names.length === 0) return "none";
  const manifestName = names.find((n) => n.endsWith(".manifest.json"));
  ok(manifestName, `files without their manifest: ${names.join(", ")}`);
  const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/${manifestName}`));
  const listed = (manifest.files as { name: string }[]).map((f) => f.name).sort();
  assertEquals(names.filter((n) => n !== manifestName).sort(), listed);
  return "whole";
}

Deno.test("Ctrl-C while the export writes: exit 130, one line, nothing published, nothing left", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = spawnExport(out);
    const sent = await signalWhen(run, {
      ready: () => [...Deno.readDirSync(out)].some((e) => e.name.startsWith(".staging-")),
      signal: "SIGINT",
    });
    const output = await run.child.output();
    ok(sent, "the export ended before its staging folder was seen");
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 130, stderr);
    // The signal arrives while the files are staged (publishing is the run's last fraction of a
    // second): the export stops before publishing. Should it arrive once the moves have begun,
    // they complete and the line says so.
    const set = exportSet(out);
    match(
      stderr,
      set === "none"
        ? /^error: interrupted \(SIGINT\): stopped before publishing; nothing new was written\n$/
        : /^error: interrupted \(SIGINT\) once publishing had begun: the export is complete \(.*\.manifest\.json\); email and retention skipped\n$/,
    );
    assertEquals(leftovers(out), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("Ctrl-C while the export writes into a new --out-dir: the folders it made go with the staged files", async () => {
  const root = await Deno.makeTempDir();
  const out = `${root}/new/out`; // neither there yet: made before the export's first step
  try {
    const run = spawnExport(out);
    const sent = await signalWhen(run, {
      ready: () =>
        existsSync(out) && [...Deno.readDirSync(out)].some((e) => e.name.startsWith(".staging-")),
      signal: "SIGINT",
    });
    const output = await run.child.output();
    ok(sent, "the export ended before its staging folder was seen");
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 130, stderr);
    if (existsSync(out) && exportSet(out) === "whole") {
      // the moves had begun: they complete, and the folder holds the set (as the test above)
      assertEquals(leftovers(out), []);
    } else {
      match(
        stderr,
        /^error: interrupted \(SIGINT\): stopped before publishing; nothing new was written\n$/,
      );
      assertEquals([...Deno.readDirSync(root)].map((e) => e.name), []);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("SIGTERM once publishing has begun: the whole set, exit 143, nothing left", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = spawnExport(out);
    // the first file under its real name: the moves are under way
    const sent = await signalWhen(run, {
      ready: () => [...Deno.readDirSync(out)].some((e) => e.name.startsWith("helicone_pricing_")),
      signal: "SIGTERM",
    });
    const output = await run.child.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(exportSet(out), "whole");
    // named, so a rare failure under load says what stayed (one in ~85 runs, not reproduced)
    const left = leftovers(out);
    assertEquals(left, [], `left behind (code ${output.code}): ${left.join(", ")}; ${stderr}`);
    if (sent) {
      assertEquals(output.code, 143, stderr);
      // one line, or none when the signal came after the export had returned (its default: the
      // process ends, the set already whole)
      if (stderr !== "") {
        match(stderr, /^error: interrupted \(SIGTERM\) once publishing had begun: .*\n$/);
      }
    } else assertEquals(output.code, 0, stderr); // done before the first file was seen
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("after the export's main returns, SIGINT has its default again (library callers keep it)", async () => {
  const out = await Deno.makeTempDir();
  try {
    const args = ["--no-charts", "--format", "csv", "--env-file", "/dev/null", ...DEMO_EXPORT]
      .map((a) => a === "OUT" ? out : a);
    const code = `import { main } from ${JSON.stringify(new URL(`file://${CLI}`).href)};
console.log("code", await main(${JSON.stringify(args)}));
Deno.kill(Deno.pid, "SIGINT");
// a listener left behind would keep the process alive: it would print this and exit 0
setTimeout(() => console.log("survived"), 30_000);`;
    const output = await evalInCleanProcess(code);
    assertEquals(output.stdout, "code 0\n", output.stderr);
    assertEquals(output.signal, "SIGINT");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a signal sent as the work returns is received once delivered() settles (none lost at the listener's removal)", async () => {
  const interrupt = new URL("../lib/cli/interrupt.ts", import.meta.url).href;
  // each round: a listener added, the signal sent, then the check the export makes; SIGTERM stays
  // bound throughout (as during an export, whose listener is there for seconds)
  const code = `import { listenForInterrupt } from ${JSON.stringify(interrupt)};
Deno.addSignalListener("SIGTERM", () => {});
let received = 0;
for (let round = 0; round < 100; round++) {
  using interrupt = listenForInterrupt({ onFirst: () => {} });
  Deno.kill(Deno.pid, "SIGTERM");
  await interrupt.delivered();
  if (interrupt.received() === "SIGTERM") received++;
}
console.log("received", received);
Deno.exit(0);`;
  const output = await evalInCleanProcess(code);
  assertEquals([output.stdout, output.code], ["received 100\n", 0], output.stderr);
});

Deno.test("a second signal stops at once: one line, the signal's exit code", async () => {
  const interrupt = new URL("../lib/cli/interrupt.ts", import.meta.url).href;
  const code = `import { listenForInterrupt } from ${JSON.stringify(interrupt)};
const interrupt = listenForInterrupt();
Deno.kill(Deno.pid, "SIGTERM");
await new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve));
console.log("stopping:", interrupt.received(), interrupt.exitCode());
Deno.kill(Deno.pid, "SIGINT");
setTimeout(() => console.log("survived"), 30_000); // what a second signal that is ignored gives`;
  const output = await evalInCleanProcess(code);
  assertEquals(output.stdout, "stopping: SIGTERM 143\n");
  match(output.stderr, /^error: SIGINT again: stopped at once; .*\n$/);
  assertEquals(output.code, 130);
});
