/**
 * lib/cli/export.ts, which the command line tests (tests/cli*_test.ts) run as a process, and a
 * script run the same way (the signal tests' small programs).
 */
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));

/**
 * `code` run by `deno eval` in a process of its own with no environment but NO_COLOR: its exit
 * code or signal and its output as text.
 */
export async function evalInCleanProcess(code: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    signal: output.signal,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}
