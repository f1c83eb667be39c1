/**
 * `deno task compare` as a child process, frozen (SIGSTOP) at a step of its writeFileSet seen on
 * disk, signalled, then let go (SIGCONT): what tests/signal_steps_test.ts drives. No test hook: the
 * step is read from the output folder (the staging folder, its files, the journal, `.previous`,
 * the inodes of the files under their real names), once when the child is seen there and again
 * once it is stopped (where it really stopped: it may have gone on a step meanwhile).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { after, before } from "./compare_fixture.ts";
import { unlessHung } from "./hang_guard.ts";

const COMPARE = fileURLToPath(new URL("../lib/cli/compare.ts", import.meta.url));
const EXPORT = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));
const SCENARIO = fileURLToPath(new URL("../lib/cli/scenario.ts", import.meta.url));
const PER_REQUEST = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));

/** The steps of writeFileSet (lib/formats/staging.ts), in order, as the output folder shows them. */
export const STEPS = [
  "no staging folder yet",
  "staging folder made",
  "files staged",
  "publish begun (journal written)",
  "files moving into place",
  "set in place (journal removed)",
  "staging folder removed",
] as const;
export type Step = typeof STEPS[number];

/** A set of files by name: their text. */
export type FileSet = Record<string, string>;

/** The two exports a comparison reads, in `dir`; `newer` written as `newerFrame` says. */
export async function writeInputs(dir: string, newer: "after" | "before") {
  const old = join(dir, "helicone_pricing_data_2026-10-01.csv");
  const newPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
  await writeCsvFile(before, old);
  await writeCsvFile(newer === "after" ? after : before, newPath);
  return [old, newPath];
}

/** The compare command's arguments. */
export const compareArgs = (exports: string[], out: string) => [
  "run",
  "-A",
  COMPARE,
  ...exports,
  "--out-dir",
  out,
  "--quiet",
];

/** The per-request scenario's arguments on `input` (an export). */
export const scenarioArgs = (input: string, out: string) => [
  "run",
  "-A",
  SCENARIO,
  PER_REQUEST,
  "--input",
  input,
  "--out-dir",
  out,
  "--quiet",
];

/** The demo export's arguments (as-of 2026-11-01, its snapshot in `out`/history). */
export const exportArgs = (out: string) => [
  "run",
  "-A",
  EXPORT,
  "--env-file",
  "/dev/null",
  "--demo",
  "--as-of",
  "2026-11-01",
  "--out-dir",
  out,
  "--quiet",
];

/**
 * The export's set in `dir` when whole: its manifest's text, once every file the manifest lists is
 * there with its bytes (sha256) and no other export file is; else throws, naming what is wrong.
 */
export async function wholeExport(dir: string): Promise<string> {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.startsWith("helicone_pricing_") && !n.startsWith("helicone_pricing_compare_"));
  const manifestName = names.find((n) => n.endsWith(".manifest.json"));
  if (!manifestName) throw new Error(`export files without their manifest: ${names.join(", ")}`);
  const manifest = Deno.readTextFileSync(join(dir, manifestName));
  const files = JSON.parse(manifest).files as { name: string; sha256: string }[];
  assertEquals(names.filter((n) => n !== manifestName).sort(), files.map((f) => f.name).sort());
  for (const file of files) {
    const bytes = await Deno.readFile(join(dir, file.name));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    assertEquals(hex, file.sha256, `${file.name} is not the manifest's`);
  }
  return manifest;
}

/** `from`'s files and folders copied into `to` (made), recursively. */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** The files (not dot files) in `dir`, by name. */
export function fileSet(dir: string): FileSet {
  const names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && !e.name.startsWith("."))
    .map((e) => e.name).sort();
  return Object.fromEntries(names.map((name) => [name, Deno.readTextFileSync(join(dir, name))]));
}

/** The names starting with a dot in `dir` (staging folders, temporary files). */
export const dotted = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(".")).sort();

/** Runs `deno` with `args` to its end: exit code and stderr. */
export async function runToEnd(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

/** What the output folder shows of a writeFileSet under way. */
function stepOf(out: string, previousInodes: Set<number>): Step {
  const staging = [...Deno.readDirSync(out)].find((e) => e.name.startsWith(".staging-"));
  const placedNew = [...Deno.readDirSync(out)].some((e) =>
    !e.name.startsWith(".") && !previousInodes.has(Deno.lstatSync(join(out, e.name)).ino!)
  );
  if (!staging) return placedNew ? "staging folder removed" : "no staging folder yet";
  const inside = [...Deno.readDirSync(join(out, staging.name))].map((e) => e.name);
  const journal = inside.includes(".publish.json");
  const previous = inside.includes(".previous");
  const asideNow = previous && [...Deno.readDirSync(join(out, staging.name, ".previous"))].length;
  if (previous && !journal && placedNew) return "set in place (journal removed)";
  if (journal && (asideNow || placedNew)) return "files moving into place";
  if (journal) return "publish begun (journal written)";
  return inside.some((name) => !name.startsWith(".")) ? "files staged" : "staging folder made";
}

/** A step of the child's, read again if a file went between two reads (the child moves on). */
function stepNow(out: string, previousInodes: Set<number>): Step {
  for (;;) {
    try {
      return stepOf(out, previousInodes);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** Process `pid`'s state in /proc: T once SIGSTOP has stopped it, Z once it has exited, "gone". */
function processState(pid: number): string {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "gone";
    throw error;
  }
}

/** Sends SIGSTOP to `child`: false when it has already ended (and been reaped). */
function stopChild(child: Deno.ChildProcess): boolean {
  try {
    child.kill("SIGSTOP");
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false; // "Child process has already terminated"
    throw error;
  }
}

export interface Driven {
  /** the step the child was first seen at, and the one it had reached when it stopped */
  seen: Step;
  stopped: Step;
  code: number;
  /** stderr's lines */
  lines: string[];
}

/**
 * Runs `deno` with `args` (a command writing into `out`: compareArgs, exportArgs); once the output
 * folder shows step `at` (or a later one), stops the child with SIGSTOP, waits until it is stopped, sends `signals` in order (pending
 * while it is stopped; `afterContinue`: sent once it runs again), continues it and waits for its
 * end. The signals are sent only if the child is seen at `at` before it exits.
 */
export async function driveCommand(
  { args, out, at, signals, afterContinue = [] }: {
    args: string[];
    out: string;
    at: Step;
    signals: Deno.Signal[];
    afterContinue?: Deno.Signal[];
  },
): Promise<Driven | null> {
  const previousInodes = new Set(
    [...Deno.readDirSync(out)].map((e) => Deno.lstatSync(join(out, e.name)).ino!),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  child.status.then(() => exited = true);
  try {
    const target = STEPS.indexOf(at);
    let seen: Step = stepNow(out, previousInodes);
    // read as fast as it goes (the moves take well under a millisecond each), letting the event
    // loop turn every few hundred reads (the child's end is seen there)
    while (!exited && STEPS.indexOf(seen) < target) {
      for (let i = 0; i < 200 && STEPS.indexOf(seen) < target; i++) {
        seen = stepNow(out, previousInodes);
      }
      if (STEPS.indexOf(seen) < target) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (exited) return null;
    // (it may have ended since it was seen, before its end reached the event loop)
    if (!stopChild(child)) return null;
    for (let state = processState(child.pid); state !== "T"; state = processState(child.pid)) {
      if (state === "Z" || state === "gone") return null; // (it ended as it was stopped)
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const stopped = stepNow(out, previousInodes);
    for (const signal of signals) child.kill(signal);
    if (!signals.includes("SIGKILL")) child.kill("SIGCONT");
    for (const signal of afterContinue) child.kill(signal);
    const { code } = await unlessHung("the signalled command", child.status);
    const lines = (await stderr).trimEnd().split("\n").filter((line) => line !== "");
    return { seen, stopped, code, lines };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
  }
}

/** `out` holds `set` whole and nothing else that is not a dot file. */
export function assertHolds(out: string, set: FileSet, what: string): void {
  assertEquals(fileSet(out), set, what);
}
