/**
 * What the command lines (export, scenario, compare, history, serve) share: flags parsed or one
 * clear line, a failure printed as one line with exit code 1, and main run with the process'
 * arguments.
 */
import { outDirFlag } from "../core/chosen_by.ts";
// every command's process: group-by float sums added in row order, the same bits every run
import "../core/polars_sums.ts";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig, type ParseArgsOptionsConfig } from "node:util";
import { UserError } from "../core/config.ts";
import { denoTooOld } from "./deno_version.ts";
import { nearestName } from "../core/nearest_name.ts";
import { quoteValue } from "../core/quote.ts";
import { ensureWritableDir, removeMadeFolders } from "../formats/staging.ts";
import { plainLine } from "../formats/markdown.ts";

/** The folders a typed path is read against; tests pass them, the kit reads its own. */
export interface UserPathFolders {
  /** the folder `deno task` was typed in (INIT_CWD) */
  initCwd?: string;
  /** this process's working folder */
  cwd?: string;
}

/**
 * A path the user typed, read from the folder they typed it in. `deno task` runs every task in
 * deno.json's folder and names the folder it was started from in INIT_CWD, so `cd outputs && deno
 * task compare a.csv b.csv` means outputs/a.csv, not a.csv beside deno.json. An absolute path, a
 * run started in the project folder, or one without INIT_CWD (`deno run`) keeps the path as typed.
 * INIT_CWD counts only in a process running in the project folder, as deno task runs it: deno task
 * keeps an INIT_CWD it inherits (npm and yarn set one for their scripts), so a `deno run` started
 * elsewhere with a stale one would otherwise read paths from a folder nobody typed in.
 * Settings (.env, PRICING_*_DIR) are not user paths: they keep their documented bases.
 */
export function userPath(
  path: string,
  { initCwd = Deno.env.get("INIT_CWD"), cwd = Deno.cwd() }: UserPathFolders = {},
): string {
  if (!initCwd || path.trim() === "" || isAbsolute(path)) return path;
  if (resolve(cwd) !== PROJECT_DIR) return path;
  const from = resolve(initCwd);
  return from === PROJECT_DIR ? path : resolve(from, path);
}

/** The project folder (deno.json's), where deno task runs the kit's tasks. */
const PROJECT_DIR = resolve(fileURLToPath(new URL("../../", import.meta.url)));

/** The flags, in every command line, whose value is a file or folder the user typed (userPath). */
const PATH_FLAGS = new Set(["out-dir", "env-file", "input", "history-dir"]);

/**
 * node:util's parseArgs; its error becomes one UserError line that points at --help. The values of
 * PATH_FLAGS are read from the folder the command was typed in (userPath); positionals that are
 * paths are the command's to resolve (userPath), as only it knows which are.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  let tokens: OptionToken[];
  try {
    const withTokens = parseArgs({ ...config, tokens: true });
    tokens = (withTokens.tokens ?? []) as OptionToken[];
    parsed = withTokens as unknown as ReturnType<typeof parseArgs<T>>;
  } catch (error) {
    const message = (error as Error).message;
    // `--days -1`: node reads "-1" as a flag; its three lines hide the fix in the last one.
    const ambiguous = message.match(/^Option '(--[\w-]+)' argument is ambiguous/);
    if (ambiguous) {
      const flag = ambiguous[1];
      throw new UserError(
        `${flag} needs a value; one starting with "-" is written ${flag}=-VALUE (see --help)`,
      );
    }
    // With positionals allowed node appends a hint about '--' whose quotes do not balance.
    const unknown = message.match(/^Unknown option '([^']+)'/);
    if (unknown) {
      const { typed, meant } = unknownFlag(unknown[1], {
        args: config.args ?? [],
        options: config.options ?? {},
      });
      const hint = meant ? `did you mean ${meant}? see --help` : "see --help";
      throw new UserError(`Unknown option '${typed}' (${hint})`);
    }
    throw new UserError(`${message.split("\n")[0]} (see --help)`);
  }
  refuseRepeatedValues(tokens, config.options ?? {});
  const values = parsed.values as Record<string, unknown>;
  refuseEmptyValues(values); // (every command line's: the server's --port "" too)
  // `compare a.csv "$NEW"` with NEW unset: "" read as a file named nothing
  if ((parsed.positionals ?? []).some((text) => text.trim() === "")) {
    throw new UserError(
      "an argument is empty (an unset shell variable?); fill it in or leave it out (see --help)",
    );
  }
  for (const name of PATH_FLAGS) {
    const value = values[name];
    if (typeof value === "string") values[name] = userPath(value);
    else if (Array.isArray(value)) values[name] = value.map((v) => userPath(String(v)));
  }
  return parsed;
}

/**
 * An unknown flag as typed, and the flag it was meant to be: the nearest of the command's long
 * flags (`--dasy` → `--days`, `--outdir` → `--out-dir`). Node names `-days` as `-d` (it reads one
 * dash as short flags -d -a -y -s): the argument is named as typed, and its long flag suggested.
 * `meant` is null when no flag is near.
 */
function unknownFlag(
  given: string,
  { args, options }: { args: readonly string[]; options: ParseArgsOptionsConfig },
): { typed: string; meant: string | null } {
  const names = Object.keys(options);
  const nearest = (name: string) => {
    const near = name.length < 2 ? null : nearestName(name, names);
    return near ? `--${near}` : null;
  };
  if (given.startsWith("--")) {
    const typed = flagPart(given);
    return { typed, meant: nearest(typed.slice(2).replace(/…$/, "")) };
  }
  const typed = args.find((arg) => /^-[^-]/.test(arg) && arg.startsWith(given))?.split("=")[0];
  // echoed whole only as a long flag's misspelling: `-Ppostgres://u:pw@host` or `-pS3cret` may be
  // a value pasted onto a short flag, so node's `-P` alone is named
  const meant = typed && typed !== given && flagPart(typed) === typed
    ? nearest(typed.slice(1))
    : null;
  return meant ? { typed: typed!, meant } : { typed: flagPart(given), meant: null };
}

/**
 * A flag as typed up to the first character no flag name has, then `…`: what follows may be a
 * value pasted onto it (`--pg-url:postgres://u:pw@host`), a password the error must not print.
 */
function flagPart(flag: string): string {
  const name = flag.match(/^--?[A-Za-z0-9_-]*/)![0];
  return name === flag ? flag : `${name}…`;
}

/** parseArgs' token of an option (other tokens: positionals, `--`). */
type OptionToken = { kind: string; name?: string; value?: string };

/**
 * Refuses a flag with a value given twice (`--days 30 --days 7`): node keeps the last silently,
 * where the kit refuses other conflicts (`--demo --live`). Flags that take several (multiple)
 * and switches (`--quiet --quiet`) are not refused.
 */
function refuseRepeatedValues(tokens: OptionToken[], options: ParseArgsOptionsConfig): void {
  const seen = new Map<string, string[]>();
  for (const token of tokens) {
    const option = token.kind === "option" && token.name ? options[token.name] : undefined;
    if (!option || option.type !== "string" || option.multiple) continue;
    const given = seen.get(token.name!) ?? [];
    given.push(token.value ?? "");
    seen.set(token.name!, given);
    if (given.length === 2) {
      throw new UserError(
        `--${token.name} is given more than once (${
          given.map((v) => quoteValue(v)).join(", ")
        }); give it once`,
      );
    }
  }
}

/** Refuses `--flag ""` (and `--flag=`): an empty value would silently mean the default. */
function refuseEmptyValues(values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === "string" && text.trim() === "")) {
      throw new UserError(`--${name} needs a value, got an empty one (see --help)`);
    }
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
  const parsed = parseFlags({
    args,
    options: { ...options.flags, ...COMMON_FLAGS },
    allowPositionals: options.positionals,
    strict: true,
  });
  return parsed;
}

/**
 * Makes the output folder (as the export does) or fails in one line: a file in its place, or a
 * folder that cannot be written, is named with the fix before any data is read. `passed`: the
 * folder came from --out-dir (else it is the default, outputs/). Held with `await using` for the
 * command's work: at its end the folders made here (`dir`, and any above it) are removed while
 * empty (removeMadeFolders), as a run that failed or stopped before publishing wrote nothing; a
 * published run's files keep them.
 */
export async function prepareOutDir(
  dir: string,
  { passed }: { passed: boolean },
): Promise<AsyncDisposable> {
  const made = await ensureWritableDir(dir, outDirFlag(passed));
  return { [Symbol.asyncDispose]: () => removeMadeFolders(dir, made) };
}

/**
 * A failed command: `error: <first line>` on stderr, its control characters escaped (a message
 * may quote a file's bytes: an ESC coloured the terminal); returns the exit code 1.
 */
export function failed(error: unknown): number {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  console.error(`error: ${plainLine(message)}`);
  return 1;
}

/**
 * Runs a command line's main with the process' arguments and exits with its code; on a Deno older
 * than the kit needs, one line saying so and exit code 1 instead.
 */
export async function runMain(main: (args: string[]) => Promise<number>): Promise<never> {
  const tooOld = denoTooOld(Deno.version.deno);
  if (tooOld !== null) Deno.exit(failed(new Error(tooOld)));
  Deno.exit(await main(Deno.args));
}
