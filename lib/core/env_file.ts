/**
 * The settings file (`.env`, or --env-file's): KEY=VALUE lines read, merged under the process
 * environment (the environment wins), with a warning for each name that is no setting or is
 * given twice, and (once per process) for each PRICING_ name in the environment that is no
 * setting.
 */
import { type Env, UserError } from "./user_error.ts";
import {
  duplicateSettingWarnings,
  environmentOverrideWarnings,
  unknownEnvironmentWarnings,
  unknownSettingWarnings,
} from "./setting_names.ts";

/**
 * The warnings of the environment's names already given (unknownEnvironmentWarnings): once per
 * process, as a server or a notebook kernel reads the settings again for each run.
 */
const environmentWarningsGiven = new Set<string>();

/** Parses a `.env` file: KEY=VALUE lines, `#` comments, optional quotes, optional `export `. */
export function parseDotEnv(text: string, fileName = ".env"): Env {
  return parseDotEnvLines(text, fileName).env;
}

/**
 * parseDotEnv, with the lines (1-based) each key is given on: the last one wins, so a key given
 * twice is warned of (duplicateSettingWarnings) rather than resolved without a word.
 */
export function parseDotEnvLines(
  text: string,
  fileName = ".env",
): { env: Env; lines: Map<string, number[]> } {
  const env: Env = {};
  const lines = new Map<string, number[]>();
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(\s*)(.*)$/);
    if (!match) {
      throw new UserError(`${fileName} line ${index + 1} is not KEY=VALUE; fix or remove it`);
    }
    const where = `${fileName} line ${index + 1}`;
    // `KEY=   # comment` is empty: a # after blanks starts a comment (`KEY=#x` is "#x")
    env[match[1]] = match[2] !== "" && match[3].startsWith("#")
      ? ""
      : dotEnvValue(match[3], `${where}: ${match[1]}`);
    lines.set(match[1], [...(lines.get(match[1]) ?? []), index + 1]);
  });
  return { env, lines };
}

/** Typographic quotes (a value pasted from a document or chat): read as part of the value. */
const CURLY_QUOTES =
  /^[\u2018\u2019\u201C\u201D\u201E\u00AB\u00BB].*[\u2018\u2019\u201C\u201D\u00AB\u00BB]$/;

/**
 * A .env value: quoted (a # inside is kept; `\"` and `\n` unescaped in double quotes), possibly
 * followed by a comment, or unquoted with its ` # comment` cut. A quote that is never closed, or
 * typographic quotes, are refused (`named` is the line and key; the value is never shown): kept,
 * they became part of a password or URL, whose failure then blamed the server's credentials.
 */
function dotEnvValue(text: string, named: string): string {
  const quote = text[0];
  if ((quote === '"' || quote === "'") && text.indexOf(quote, 1) < 0) {
    throw new UserError(
      `${named}'s value opens a ${quote} quote it does not close (values are one line); close the quote, or remove it`,
    );
  }
  if (CURLY_QUOTES.test(text.replace(/\s+#.*$/, ""))) {
    throw new UserError(
      `${named}'s value is in typographic quotes (“ ”), which would be read as part of it; use straight quotes (" or ') or none`,
    );
  }
  const withComment = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$/.exec(text);
  const inside = withComment?.[1] ?? withComment?.[2] ??
    // a quoted value that ends the line, whatever is inside (`'it's'`)
    ((quote === '"' || quote === "'") && text.length >= 2 && text.endsWith(quote)
      ? text.slice(1, -1)
      : undefined);
  if (inside === undefined) return text.replace(/\s+#.*$/, "");
  return quote === '"' ? inside.replace(/\\n/g, "\n").replace(/\\"/g, '"') : inside;
}

/**
 * A settings file's text, UTF-8 (a BOM is fine). UTF-16 (what Windows PowerShell's `>` and
 * Notepad's "Unicode" save) and bytes of another charset are refused, naming the file: read as
 * UTF-8 they became "line 1 is not KEY=VALUE", or a U+FFFD in a password the server then refused.
 */
export function settingsText(bytes: Uint8Array, fileName: string): string {
  const utf16Bom = (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16Bom || bytes.includes(0)) {
    throw new UserError(
      `${fileName} is UTF-16 text, or not text (it holds NUL bytes); save it as UTF-8 (in Windows PowerShell: Set-Content -Encoding utf8)`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const lines = new TextDecoder().decode(bytes).split("\n");
    const line = lines.findIndex((text) => text.includes("\uFFFD")) + 1;
    throw new UserError(
      `${fileName} is not UTF-8 text (line ${line} holds a byte of another charset, such as Windows-1252's é); save it as UTF-8`,
    );
  }
}

/**
 * The process environment merged over a settings file. The default `.env` is optional; a file the
 * user named (`required`, from --env-file) must exist. Either fails in one line when unreadable.
 */
export async function loadEnv(
  envFile = ".env",
  { required = false, warn = (line: string) => console.error(`warning: ${line}`) }: {
    required?: boolean;
    /** told of each name in the file that is no setting (a typo the kit would ignore) */
    warn?: (line: string) => void;
  } = {},
): Promise<Env> {
  let fileEnv: Env = {};
  let fileLines = new Map<string, number[]>();
  const named = required ? `--env-file ${JSON.stringify(envFile)}` : envFile;
  try {
    ({ env: fileEnv, lines: fileLines } = parseDotEnvLines(
      settingsText(await Deno.readFile(envFile), envFile),
      envFile,
    ));
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (error instanceof Deno.errors.NotFound && !required) {
      // the default .env is optional
    } else if (error instanceof Deno.errors.NotFound) {
      throw new UserError(`${named} does not exist; pass a settings file such as .env.example`);
    } else if (error instanceof Deno.errors.IsADirectory) {
      throw new UserError(`${named} is a folder, not a settings file; pass a KEY=VALUE file`);
    } else {
      const reason = (error as Error).message.split("\n")[0];
      throw new UserError(
        `${named} cannot be read (${reason}); fix its permissions or pass another`,
      );
    }
  }
  const processEnv = Deno.env.toObject();
  for (const line of unknownSettingWarnings(fileEnv, envFile)) warn(line);
  // (a name the file gives too was warned of as the file's)
  const onlyInEnvironment = Object.keys(processEnv).filter((name) => !(name in fileEnv));
  for (const line of unknownEnvironmentWarnings(onlyInEnvironment)) {
    if (environmentWarningsGiven.has(line)) continue;
    environmentWarningsGiven.add(line);
    warn(line);
  }
  for (const line of duplicateSettingWarnings({ lines: fileLines, file: envFile, processEnv })) {
    warn(line);
  }
  const overridden = { lines: fileLines, fileEnv, file: envFile, processEnv };
  for (const line of environmentOverrideWarnings(overridden)) warn(line);
  return { ...fileEnv, ...processEnv };
}
