/**
 * The oldest Deno the kit runs on (lib/cli/deno_version.ts): an older one is refused by every
 * command at start, in one line naming the version and the fix, before its work begins.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { denoTooOld, MIN_DENO_VERSION } from "../lib/cli/deno_version.ts";

const TOO_OLD = (version: string) =>
  `pricing-kit needs Deno 2.9.5 or later, and this is Deno ${version}: run \`deno upgrade\` (or \`npm install -g deno\`), then run the command again`;

Deno.test("the Deno version check: older than 2.9.5 is one line naming the version and the fix", () => {
  assertEquals(MIN_DENO_VERSION, "2.9.5");
  for (const version of ["2.9.4", "2.8.10", "2.0.0", "1.46.3"]) {
    assertEquals(denoTooOld(version), TOO_OLD(version));
  }
  // a minor or patch number of two digits is a number, not text ("2.10" is after "2.9")
  for (const version of ["2.9.5", "2.9.6", "2.9.10", "2.10.0", "3.0.0"]) {
    assertEquals(denoTooOld(version), null);
  }
  // the machine's own Deno passes, or no command here would run
  assertEquals(denoTooOld(Deno.version.deno), null);
});

Deno.test("the Deno version check: runMain on an older Deno prints the line, exits 1 and runs nothing", async () => {
  const args = fileURLToPath(new URL("../lib/cli/args.ts", import.meta.url));
  const run = async (version: string | null) => {
    const pretend = version === null
      ? ""
      : `Object.defineProperty(Deno, "version", { value: { ...Deno.version, deno: "${version}" } });`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `${pretend} const { runMain } = await import(${
          JSON.stringify(args)
        }); await runMain(async () => { console.log("main ran"); return 0; });`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
  };
  assertEquals(await run("2.9.4"), { code: 1, stdout: "", stderr: `error: ${TOO_OLD("2.9.4")}\n` });
  assertEquals(await run(null), { code: 0, stdout: "main ran\n", stderr: "" });
});
