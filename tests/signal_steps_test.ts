/**
 * SIGINT and SIGTERM sent for real to `deno task compare` (lib/cli/interrupt.ts untilInterrupted,
 * lib/formats/staging.ts writeFileSet), at each step of its publish as seen on disk: the child is
 * frozen with SIGSTOP once the output folder shows the step, signalled, then let go (no test hook;
 * signal_steps_fixture.ts). Whatever the step: one line, the signal's exit code, the previous set
 * whole or the new set whole (never a mix), nothing left behind once a run has ended normally.
 *
 * A run is aimed at a step but checked at the step it was really stopped at (that step or a later
 * one): the moves take well under a millisecond, so no test requires landing on one step; each
 * requires only that a run was stopped before its end, and prints where its runs stopped.
 *
 * The previous set: old before, new after (tests/compare_fixture.ts). The new set: the same names,
 * the new export now a copy of before (nothing changed), so each file's text tells the two apart.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  assertHolds,
  compareArgs,
  copyTree,
  dotted,
  driveCommand,
  type Driven,
  exportArgs,
  type FileSet,
  fileSet,
  runToEnd,
  scenarioArgs,
  type Step,
  STEPS,
  wholeExport,
  writeInputs,
} from "./signal_steps_fixture.ts";

const STOPPED_TEXT = (out: string) =>
  `stopped before publishing; nothing new was written, the previous files in ${out} are unchanged`;
const STOPPED = (out: string) => `error: interrupted (SIGTERM): ${STOPPED_TEXT(out)}`;
const FINISHED = (signal: string, out: string) =>
  `error: interrupted (${signal}) once the work was done: the comparison's files are complete in ${out}`;
const AGAIN = (signal: string) =>
  `error: ${signal} again: stopped at once; the next run that writes into that folder removes the staging folder this one left`;

/** Inputs and the two sets, made once: previous (old → after) and new (old → before). */
async function setUp() {
  const root = await Deno.makeTempDir({ prefix: "signal_steps_" });
  const previousInputs = join(root, "previous");
  const newInputs = join(root, "new");
  await Deno.mkdir(previousInputs);
  await Deno.mkdir(newInputs);
  const previousExports = await writeInputs(previousInputs, "after");
  const newExports = await writeInputs(newInputs, "before");
  const setOf = async (exports: string[]) => {
    const out = join(root, `reference_${crypto.randomUUID()}`);
    const { code, stderr } = await runToEnd(compareArgs(exports, out));
    assertEquals(code, 0, stderr);
    return fileSet(out);
  };
  const [previous, fresh] = await Promise.all([setOf(previousExports), setOf(newExports)]);
  ok(Object.keys(previous).length === 3 && Object.keys(fresh).length === 3);
  for (const name of Object.keys(previous)) ok(previous[name] !== fresh[name], name);
  return { root, previousExports, newExports, previous, fresh };
}

type Fixture = Awaited<ReturnType<typeof setUp>>;

/** An output folder of `fixture.root` holding the previous set. */
async function outWithPrevious(fixture: Fixture): Promise<string> {
  const out = join(fixture.root, `out_${crypto.randomUUID()}`);
  await Deno.mkdir(out);
  for (const [name, text] of Object.entries(fixture.previous)) {
    await Deno.writeTextFile(join(out, name), text);
  }
  return out;
}

/** Whether the stop came before the publish's first move (before it, nothing is published). */
const beforePublish = (step: Step) =>
  STEPS.indexOf(step) < STEPS.indexOf("publish begun (journal written)");

/** The run's result once stopped by SIGTERM at `driven.stopped`: line, code and set. */
function assertStoppedByTerm(driven: Driven, { out, fixture }: { out: string; fixture: Fixture }) {
  const what = `stopped at ${driven.stopped}: ${driven.lines.join(" | ")}`;
  assertEquals(driven.code, 143, what);
  if (beforePublish(driven.stopped)) {
    assertEquals(driven.lines, [STOPPED(out)], what);
    assertHolds(out, fixture.previous, what);
  } else {
    // a publish under way completes; once the work has returned and its listener is gone the
    // signal has its default, the process ended by it with nothing to say
    const finished = driven.stopped === "staging folder removed"
      ? [[], [FINISHED("SIGTERM", out)]]
      : [[
        FINISHED("SIGTERM", out),
      ]];
    ok(finished.some((lines) => isDeepStrictEqual(lines, driven.lines)), what);
    assertHolds(out, fixture.fresh, what);
  }
  assertEquals(dotted(out), [], `${what}: nothing left`);
}

/**
 * Drives runs aimed at `at` until one is stopped before its end (at most `attempts` runs), checked
 * by `check` at the step it stopped at: the comparison of the new exports into a folder holding the
 * previous set, unless `command` says otherwise (its output folder made by `prepare`, its arguments
 * by `args`). Throws when every run ended before it was seen at `at` or later.
 */
async function atStep(
  fixture: Fixture,
  { at, signals, afterContinue, attempts = 6, command }: {
    at: Step;
    signals: Deno.Signal[];
    afterContinue?: Deno.Signal[];
    attempts?: number;
    command?: { prepare: () => Promise<string>; args: (out: string) => string[] };
  },
  check: (driven: Driven, out: string) => Promise<void> | void,
): Promise<Step> {
  const prepare = command?.prepare ?? (() => outWithPrevious(fixture));
  const args = command?.args ?? ((out: string) => compareArgs(fixture.newExports, out));
  for (let attempt = 0; attempt < attempts; attempt++) {
    const out = await prepare();
    const driven = await driveCommand({ args: args(out), out, at, signals, afterContinue });
    if (driven === null) continue; // (done before it was seen there)
    await check(driven, out);
    console.log(`aimed at ${at}: stopped at ${driven.stopped}`);
    return driven.stopped;
  }
  throw new Error(`${attempts} runs aimed at ${at} all ended before they were seen there`);
}

/**
 * SIGINT then SIGTERM, pending together: the second stops at once (143, `again`'s line); once the
 * work has returned and its listeners are gone (the staging folder removed), SIGINT's default (130,
 * nothing said).
 */
function assertSigintThenSigterm(driven: Driven, what: string) {
  const outcomes = [[143, [AGAIN("SIGTERM")]]];
  if (driven.stopped === "staging folder removed") outcomes.push([130, []]);
  ok(outcomes.some((outcome) => isDeepStrictEqual(outcome, [driven.code, driven.lines])), what);
}

Deno.test("SIGTERM twice in quick succession (aimed at the files staged): one stop, one line, exit 143, the previous or the new set whole as the step it stopped at says, nothing left", async () => {
  const fixture = await setUp();
  try {
    await atStep(fixture, {
      at: "files staged",
      signals: ["SIGTERM"],
      afterContinue: ["SIGTERM"], // the duplicate, well within DUPLICATE_SIGNAL_MS
    }, (driven, out) => assertStoppedByTerm(driven, { out, fixture }));
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

Deno.test("SIGINT then SIGTERM (aimed at the files staged): stopped at once by the second, one line, exit 143 (or SIGINT's default once the work is done); the next run leaves no staging folder", async () => {
  const fixture = await setUp();
  try {
    await atStep(fixture, {
      at: "files staged",
      signals: ["SIGINT", "SIGTERM"],
    }, async (driven, out) => {
      const what = `stopped at ${driven.stopped}: ${driven.lines.join(" | ")}`;
      assertSigintThenSigterm(driven, what);
      // before the publish nothing is published; a publish under way completes first
      const set = beforePublish(driven.stopped) ? fixture.previous : fixture.fresh;
      assertHolds(out, set, what);
      // the staging folder is what a stop at once leaves (its owner dead, the next run removes it)
      ok(dotted(out).every((name) => name.startsWith(".staging-")), dotted(out).join(", "));
      const next = await runToEnd(compareArgs(fixture.newExports, out));
      assertEquals(next.code, 0, next.stderr);
      assertHolds(out, fixture.fresh, `${what}: the next run`);
      assertEquals(dotted(out), [], `${what}: the next run left nothing`);
    });
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

Deno.test("SIGTERM aimed at each step of writeFileSet seen on disk: one line, exit 143, the previous or the new set whole as the step it stopped at says, nothing left", async () => {
  const fixture = await setUp();
  try {
    for (const at of STEPS.slice(1)) {
      await atStep(
        fixture,
        { at, signals: ["SIGTERM"] },
        (driven, out) => assertStoppedByTerm(driven, { out, fixture }),
      );
    }
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

/** The comparison of 2026-09-01 with 2026-11-01: another set of names. */
async function otherSet(fixture: Fixture, into?: string): Promise<FileSet> {
  const september = join(fixture.root, "helicone_pricing_data_2026-09-01.csv");
  await Deno.copyFile(fixture.newExports[0], september);
  const out = into ?? join(fixture.root, `other_${crypto.randomUUID()}`);
  const { code, stderr } = await runToEnd(compareArgs([september, fixture.newExports[1]], out));
  assertEquals(code, 0, stderr);
  return into ? {} : fileSet(out);
}

Deno.test("SIGKILL aimed at the files moving into place: the next run (another set) puts the previous set back whole (the new one once it was in place) and leaves nothing", async () => {
  const fixture = await setUp();
  try {
    const other = await otherSet(fixture);
    await atStep(fixture, {
      at: "files moving into place",
      signals: ["SIGKILL"],
    }, async (driven, out) => {
      const what = `killed at ${driven.stopped}`;
      assertEquals([driven.code, driven.lines], [137, []], what);
      // a run writing other names: it clears the killed run's staging folder, its moves undone
      await otherSet(fixture, out);
      const sets = [fixture.previous, fixture.fresh].map((set) => ({ ...set, ...other }));
      const now = fileSet(out);
      const whole = sets.findIndex((set) => isDeepStrictEqual(set, now));
      // a kill once the set was in place (journal removed) leaves the new set: not undone
      const expected =
        STEPS.indexOf(driven.stopped) < STEPS.indexOf("set in place (journal removed)") ? 0 : 1;
      const which = Object.entries(now).map(([name, text]) =>
        `${name}: ${
          text === fixture.previous[name]
            ? "previous"
            : text === fixture.fresh[name]
            ? "new"
            : text === other[name]
            ? "other"
            : "?"
        }`
      );
      assertEquals(whole, expected, `${what}: ${which.join(", ")}`);
      assertEquals(dotted(out), [], `${what}: nothing left`);
    });
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

Deno.test("SIGINT then SIGTERM aimed at the files moving into place: the publish completes before the stop at once (the new set whole); the next run leaves nothing", async () => {
  const fixture = await setUp();
  try {
    const other = await otherSet(fixture);
    await atStep(fixture, {
      at: "files moving into place",
      signals: ["SIGINT", "SIGTERM"],
    }, async (driven, out) => {
      const what = `stopped at ${driven.stopped}: ${driven.lines.join(" | ")}`;
      assertSigintThenSigterm(driven, what);
      assertHolds(out, fixture.fresh, what);
      await otherSet(fixture, out);
      assertHolds(out, { ...fixture.fresh, ...other }, `${what}: the next run`);
      assertEquals(dotted(out), [], `${what}: the next run left nothing`);
    });
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

Deno.test("scenario: SIGTERM aimed at its files moving into place: one line, exit 143, the previous or the new set whole as the step it stopped at says, nothing left", async () => {
  const fixture = await setUp();
  try {
    // the previous set: the scenario on after (the previous inputs' new export); the new: on before
    const setOn = async (input: string) => {
      const out = join(fixture.root, `scenario_${crypto.randomUUID()}`);
      const { code, stderr } = await runToEnd(scenarioArgs(input, out));
      assertEquals(code, 0, stderr);
      return { out, set: fileSet(out) };
    };
    const previous = await setOn(fixture.previousExports[1]);
    const fresh = (await setOn(fixture.newExports[1])).set;
    await atStep(fixture, {
      at: "files moving into place",
      signals: ["SIGTERM"],
      command: {
        prepare: async () => {
          const out = join(fixture.root, `scenario_${crypto.randomUUID()}`);
          await copyTree(previous.out, out);
          return out;
        },
        args: (out) => scenarioArgs(fixture.newExports[1], out),
      },
    }, (driven, out) => {
      const what = `stopped at ${driven.stopped}: ${driven.lines.join(" | ")}`;
      assertEquals(driven.code, 143, what);
      const [lines, set] = beforePublish(driven.stopped)
        ? [[`error: interrupted (SIGTERM): ${STOPPED_TEXT(out)}`], previous.set]
        : [[
          `error: interrupted (SIGTERM) once the work was done: the scenarios' files are complete in ${out}`,
        ], fresh];
      // (once the work has returned, the signal's default: ended by it, nothing said)
      const silent = driven.stopped === "staging folder removed" && driven.lines.length === 0;
      ok(silent || isDeepStrictEqual(driven.lines, lines), what);
      assertHolds(out, set, what);
      assertEquals(dotted(out), [], `${what}: nothing left`);
    });
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});

Deno.test("SIGKILL aimed at the export's files moving into place: a comparison written there next puts the previous export back whole (unless it was in place); the next export's set is whole, nothing left", async () => {
  const fixture = await setUp();
  try {
    const reference = join(fixture.root, "export_reference");
    const first = await runToEnd(exportArgs(reference));
    assertEquals(first.code, 0, first.stderr);
    const previousManifest = await wholeExport(reference);
    await atStep(fixture, {
      at: "files moving into place",
      signals: ["SIGKILL"],
      command: {
        prepare: async () => {
          const out = join(fixture.root, `export_${crypto.randomUUID()}`);
          await copyTree(reference, out);
          return out;
        },
        args: exportArgs,
      },
    }, async (driven, out) => {
      const what = `killed at ${driven.stopped}`;
      assertEquals([driven.code, driven.lines], [137, []], what);
      // writeFileSet clears a killed run's staging folder, its half-done publish undone
      const compared = await runToEnd(compareArgs(fixture.newExports, out));
      assertEquals(compared.code, 0, compared.stderr);
      const manifest = await wholeExport(out);
      if (STEPS.indexOf(driven.stopped) < STEPS.indexOf("set in place (journal removed)")) {
        assertEquals(manifest, previousManifest, `${what}: the previous export`);
      }
      assertEquals(dotted(out), [], `${what}: nothing left`);
      const next = await runToEnd(exportArgs(out));
      assertEquals(next.code, 0, next.stderr);
      ok((await wholeExport(out)) !== previousManifest, `${what}: the next export's set`);
      assertEquals([dotted(out), dotted(join(out, "history"))], [[], []], `${what}: nothing left`);
    });
  } finally {
    await Deno.remove(fixture.root, { recursive: true });
  }
});
