/**
 * MCP server settings, from the environment merged over `.env` (lib/core/env_file.ts loadEnv).
 * Every name is listed in the README's "MCP server" section. Everything risky is off by default.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { type Env, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR } from "../export.ts";
import { QUOTED_NAME_CHARS, quoteValue } from "../core/quote.ts";
import { homeFolderError, startsWithHome } from "../core/home_folder.ts";

export interface McpSettings {
  /** where exports are looked for (the newest one is the dataset); default outputs/ */
  exportsDir: string;
  /** a tool may run a fresh export into exportsDir (PRICING_MCP_ALLOW_EXPORT=1) */
  allowExport: boolean;
  /** read-only SELECT directly on PostgreSQL / ClickHouse (PRICING_MCP_DATABASE_SQL=1) */
  databaseSql: boolean;
  /**
   * serve demo data only: demo exports and snapshots or the in-memory demo, never a live export,
   * snapshot or database (set by a `deno task serve` that runs without a token)
   */
  demoOnly: boolean;
  /** rows any table result carries at most */
  maxRows: number;
  /** bytes any tool result carries at most, its text and structuredContent together */
  maxBytes: number;
  /** deadline of one query_sql statement (its process is killed past it) */
  sqlTimeoutMs: number;
  /** how long query_sql's process may take to start (killed past it, the statement not run) */
  sqlStartMs: number;
  /** memory of query_sql's process at most, in MB (killed past it) */
  sqlMaxMb: number;
  /**
   * deadline of one mrr_history bridge build (its process is killed past it). Its own, not
   * query_sql's: a cold build over 12 months × 200,000 organizations took 50 s on a loaded
   * machine, past a statement's 30 s
   */
  historyTimeoutMs: number;
  /**
   * memory of mrr_history's process at most, in MB (killed past it). Its own, not query_sql's: a
   * build grows with the history (~1.1 GB cold at 12 × 200,000), a statement with what it asks;
   * raising one for a large history must not let runaway statements grow as far
   */
  historyMaxMb: number;
  /** bytes of one database_sql answer read at most, in MB (the read and the query stopped past it) */
  databaseSqlMaxMb: number;
  /** extra browser origins allowed on the HTTP transport (besides the server's own) */
  allowedOrigins: string[];
  env: Env;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "" || raw === "0" || raw === "false" || raw === "off") return false;
  if (raw === "1" || raw === "true" || raw === "on") return true;
  throw new UserError(`${name} must be 1 or 0, got ${quoteValue(env[name] ?? "")}`);
}

/**
 * The smallest PRICING_MCP_MAX_BYTES results can keep to: a result cuts its tables and text to the
 * cap, but some parts cannot shrink (an organization's profile is ~3.5 KB on the demo data, more
 * with long names); every tool fits in 8 KB (tests/mcp_result_tools_test.ts checks it).
 */
export const MIN_MAX_BYTES = 8 * 1024;

/** A whole-number setting within [min, max] (min 1 unless said); `why` explains a larger min. */
function bounded(
  env: Env,
  name: string,
  { fallback, min = 1, max, why }: { fallback: number; min?: number; max: number; why?: string },
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UserError(
      `${name} must be a whole number from ${min} to ${max}${why ? ` (${why})` : ""}, got ${
        quoteValue(raw)
      }`,
    );
  }
  return value;
}

export function mcpSettings(env: Env): McpSettings {
  const origins = (env.PRICING_MCP_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new UserError(
        `PRICING_MCP_ALLOWED_ORIGINS: ${
          quoteValue(origin, { quote: JSON.stringify, maxChars: QUOTED_NAME_CHARS })
        } is not an origin such as https://claude.ai`,
      );
    }
  }
  return {
    exportsDir: env.PRICING_MCP_EXPORTS_DIR || DEFAULT_OUT_DIR,
    allowExport: flag(env, "PRICING_MCP_ALLOW_EXPORT"),
    databaseSql: flag(env, "PRICING_MCP_DATABASE_SQL"),
    demoOnly: false,
    maxRows: bounded(env, "PRICING_MCP_MAX_ROWS", { fallback: 200, max: 5000 }),
    maxBytes: bounded(env, "PRICING_MCP_MAX_BYTES", {
      fallback: 64 * 1024,
      min: MIN_MAX_BYTES,
      max: 4 * 1024 * 1024,
      why: "smaller results cannot hold every tool's answer",
    }),
    sqlTimeoutMs: bounded(env, "PRICING_MCP_SQL_TIMEOUT_SECONDS", { fallback: 30, max: 3600 }) *
      1000,
    sqlStartMs: bounded(env, "PRICING_MCP_SQL_START_SECONDS", { fallback: 30, max: 3600 }) *
      1000,
    sqlMaxMb: bounded(env, "PRICING_MCP_SQL_MAX_MB", { fallback: 2048, max: 1024 * 1024 }),
    historyTimeoutMs:
      bounded(env, "PRICING_MCP_HISTORY_TIMEOUT_SECONDS", { fallback: 300, max: 3600 }) * 1000,
    historyMaxMb: bounded(env, "PRICING_MCP_HISTORY_MAX_MB", { fallback: 2048, max: 1024 * 1024 }),
    databaseSqlMaxMb: bounded(env, "PRICING_MCP_DATABASE_SQL_MAX_MB", { fallback: 16, max: 1024 }),
    allowedOrigins: origins,
    env,
  };
}

/**
 * How the exports folder was chosen, for the fix a write there names (run_export):
 * PRICING_MCP_EXPORTS_DIR, else the default outputs/, which that setting moves.
 */
export function exportsDirChosenBy(settings: Pick<McpSettings, "env">): ChosenBy {
  return {
    named: settings.env.PRICING_MCP_EXPORTS_DIR ? "PRICING_MCP_EXPORTS_DIR" : undefined,
    otherwise: "set PRICING_MCP_EXPORTS_DIR",
  };
}

/**
 * The exports folder, checked once as the server starts: a file in its place, or a folder
 * PRICING_MCP_EXPORTS_DIR names that does not exist (a typo, which served the demo data silently),
 * is refused in one line. A folder not there yet on a first run (the default outputs/ before the
 * first export, or one run_export will make with PRICING_MCP_ALLOW_EXPORT=1) is the documented
 * demo case: served, with the warning returned (for stderr).
 */
export async function checkExportsDir(settings: McpSettings): Promise<string | null> {
  const dir = settings.exportsDir;
  const named = Boolean(settings.env.PRICING_MCP_EXPORTS_DIR);
  // only a shell expands it: read as written, a folder literally named ~ (run_export would make it)
  if (startsWithHome(dir)) {
    throw homeFolderError(dir, { kind: "exports folder", ...exportsDirChosenBy(settings) });
  }
  const what = named ? `PRICING_MCP_EXPORTS_DIR ${dir}` : `the exports folder ${dir}`;
  const fix = named
    ? "set PRICING_MCP_EXPORTS_DIR to the folder the exports are written to (deno task export --out-dir), or unset it for outputs/"
    : "move it away, or set PRICING_MCP_EXPORTS_DIR to the folder the exports are written to";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new UserError(`${what} cannot be read (${(error as Error).message}); ${fix}`);
    }
    if (named && !settings.allowExport) throw new UserError(`${what} does not exist; ${fix}`);
    return `warning: ${what} does not exist yet: serving the built-in demo dataset until an export is written there (${
      settings.allowExport ? "run_export makes it" : "deno task export"
    })`;
  }
  if (!info.isDirectory) throw new UserError(`${what} is a file, not a folder; ${fix}`);
  return null;
}
