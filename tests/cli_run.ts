/**
 * lib/cli/export.ts, which the command line tests (tests/cli*_test.ts) run as a process, a script
 * run the same way (the signal tests' small programs), and the project's tasks as typed.
 */
import { fileURLToPath } from "node:url";
import { denoCacheEnv } from "./env.ts";

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

const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/**
 * `deno task NAME ARGS` of the project, typed in `cwd` (deno runs the task in the project folder,
 * INIT_CWD = cwd), with no environment but NO_COLOR, PATH, HOME and DENO_DIR (denoCacheEnv) and stdin closed, its output to
 * pipes (as cron runs it): its exit code and output as text. `denoQuiet`: deno's own --quiet.
 */
export async function taskInCleanProcess(
  name: string,
  args: string[],
  { cwd, denoQuiet = false }: { cwd?: string; denoQuiet?: boolean } = {},
) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...(denoQuiet ? ["--quiet"] : []), "--config", CONFIG, name, ...args],
    cwd,
    env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "", ...denoCacheEnv() },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
