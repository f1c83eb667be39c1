/**
 * bench/args.ts through the five benchmark tasks as users run them: --help prints the usage
 * (exit 0); an unknown or malformed flag is one line pointing at --help (exit 1), never node's
 * uncaught TypeError and its stack. Nothing is seeded or started: the flags are read first.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals } from "node:assert/strict";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TASKS: Record<string, string> = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks;

/** `deno task <name> <args>` as deno.json runs it (its flags and file), in the repository. */
async function runTask(name: string, args: string[]) {
  const [, ...taskArgs] = TASKS[name].split(/\s+/); // (without "deno")
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

for (
  const [task, usage] of [
    ["bench:server", "Usage: deno task bench:server [--orgs 10000] [--clients 50] [--json]\n"],
    [
      "bench",
      "Usage: deno task bench [--scale small|default|large] [--only small|default|large] [--runs N] [--sweep] [--stripe-latency-ms 50]\n",
    ],
    [
      "bench:timeline",
      "Usage: deno task bench:timeline [--scale small|default|large] [--format csv|xlsx|both] [--interval-ms 250]\n",
    ],
    [
      "bench:ab",
      "Usage: deno task bench:ab --other DIR [--scale small|default|large] [--pairs 5] [--format csv|xlsx|both]\n",
    ],
    [
      "bench:memtrace",
      "Usage: deno task bench:memtrace [--scale small|default|large] [--format csv|xlsx|both] [--runs 1] [--other DIR] [--cold-stripe]\n",
    ],
  ]
) {
  Deno.test(`deno task ${task}: --help prints its usage; a bad flag is one line, exit 1`, async () => {
    assertEquals(await runTask(task, ["--help"]), { code: 0, stdout: usage, stderr: "" });
    assertEquals(await runTask(task, ["-h"]), { code: 0, stdout: usage, stderr: "" });
    assertEquals(await runTask(task, ["--bogus"]), {
      code: 1,
      stdout: "",
      stderr: "error: Unknown option '--bogus' (see --help)\n",
    });
  });
}

Deno.test("deno task bench:server: a flag without its value is one line, exit 1", async () => {
  assertEquals(await runTask("bench:server", ["--orgs"]), {
    code: 1,
    stdout: "",
    stderr: "error: Option '--orgs <value>' argument missing (see --help)\n",
  });
});

Deno.test("deno task bench:ab: without --other, or with a folder that is no checkout, one line, exit 1", async () => {
  assertEquals(await runTask("bench:ab", []), {
    code: 1,
    stdout: "",
    stderr:
      "error: --other DIR is required: a checkout to compare with (git worktree add DIR <rev>)\n",
  });
  const empty = await Deno.makeTempDir();
  try {
    assertEquals(await runTask("bench:ab", ["--other", empty]), {
      code: 1,
      stdout: "",
      stderr:
        `error: --other ${empty}: no bench/measure.ts there; give a checkout of this repository\n`,
    });
  } finally {
    await Deno.remove(empty);
  }
  assertEquals(await runTask("bench:ab", ["--other", ROOT, "--pairs", "0"]), {
    code: 1,
    stdout: "",
    stderr: 'error: --pairs must be a whole number of at least 1, got "0"\n',
  });
});
