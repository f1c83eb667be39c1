/**
 * What the command lines (export, scenario, compare, history, serve) share: flags parsed or one
 * clear line, a failure printed as one line with exit code 1, and main run with the process'
 * arguments.
 */
import { parseArgs, type ParseArgsConfig, type ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../core/config.ts";

/** node:util's parseArgs; its error becomes one UserError line that points at --help. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UserError(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
}

/** The flags every command line ends with. */
const COMMON_FLAGS = {
  "out-dir": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * A command line's own flags, then --out-dir DIR, --quiet and -h/--help, parsed strictly by
 * parseFlags (an unknown flag is one line that points at --help).
 */
export function parseCommandFlags<T extends ParseArgsOptionsConfig, P extends boolean>(
  args: string[],
  options: { flags: T; positionals: P },
) {
  return parseFlags({
    args,
    options: { ...options.flags, ...COMMON_FLAGS },
    allowPositionals: options.positionals,
    strict: true,
  });
}

/** A failed command: `error: <first line>` on stderr; returns the exit code 1. */
export function failed(error: unknown): number {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  console.error(`error: ${message}`);
  return 1;
}

/** Runs a command line's main with the process' arguments and exits with its code. */
export async function runMain(main: (args: string[]) => Promise<number>): Promise<never> {
  Deno.exit(await main(Deno.args));
}
