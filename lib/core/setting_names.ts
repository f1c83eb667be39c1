/**
 * Every setting the kit reads, as .env.example documents them (tests/config_setting_names_test.ts
 * keeps the two equal). A PRICING_ name in a settings file that is none of these is a typo the kit
 * would otherwise ignore without a word (PRICING_PG_URI: a demo export, or Stripe rules left at
 * their defaults); loadEnv warns of it, with the nearest setting, as of a PRICING_ name in the
 * environment that is none of these.
 */
import { nearestName } from "./nearest_name.ts";
import { listInWords } from "./words.ts";

export const SETTING_NAMES: readonly string[] = [
  "PRICING_BRIEF_TRIM_ABOVE_MB",
  "PRICING_CH_DATABASE",
  "PRICING_CH_MAX_CONCURRENT_QUERIES",
  "PRICING_CH_MAX_EXECUTION_SECONDS",
  "PRICING_CH_PASSWORD",
  "PRICING_CH_PTB_TABLE",
  "PRICING_CH_READONLY",
  "PRICING_CH_REQUEST_TABLE",
  "PRICING_CH_REQUEST_TIMEOUT_SECONDS",
  "PRICING_CH_URL",
  "PRICING_CH_USER",
  "PRICING_EMAIL_FROM",
  "PRICING_EMAIL_MAX_ATTACHMENTS_MB",
  "PRICING_EMAIL_TO",
  "PRICING_FX_RATES",
  "PRICING_HISTORY_DIR",
  "PRICING_HISTORY_KEEP_DAILY_DAYS",
  "PRICING_INFRA_USD_PER_1K_REQUESTS",
  "PRICING_INFRA_USD_PER_GB_STORED",
  "PRICING_MCP_ALLOWED_ORIGINS",
  "PRICING_MCP_ALLOW_EXPORT",
  "PRICING_MCP_DATABASE_SQL",
  "PRICING_MCP_DATABASE_SQL_MAX_MB",
  "PRICING_MCP_EXPORTS_DIR",
  "PRICING_MCP_HISTORY_MAX_MB",
  "PRICING_MCP_HISTORY_TIMEOUT_SECONDS",
  "PRICING_MCP_MAX_BYTES",
  "PRICING_MCP_MAX_ROWS",
  "PRICING_MCP_SQL_MAX_MB",
  "PRICING_MCP_SQL_START_SECONDS",
  "PRICING_MCP_SQL_TIMEOUT_SECONDS",
  "PRICING_NOTEBOOK_OUT_DIR",
  "PRICING_PG_MAX_CONNECTIONS",
  "PRICING_PG_REQUEST_TIMEOUT_MS",
  "PRICING_PG_STATEMENT_TIMEOUT_MS",
  "PRICING_PG_URL",
  "PRICING_PRICE_BOOK",
  "PRICING_QUERIES_DIR",
  "PRICING_RETENTION_DAYS",
  "PRICING_SEGMENT_FREE_HIGH_USAGE_MIN_REQUESTS",
  "PRICING_SEGMENT_HIGH_INFERENCE_MAX_SEATS",
  "PRICING_SEGMENT_HIGH_INFERENCE_MIN_REQUESTS",
  "PRICING_SEGMENT_LOW_INFERENCE_MAX_REQUESTS",
  "PRICING_SEGMENT_LOW_INFERENCE_MIN_SEATS",
  "PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT",
  "PRICING_SEGMENT_LOW_UTILIZATION_MIN_SEATS",
  "PRICING_SEGMENT_UNDERPRICED_MAX_MRR_USD",
  "PRICING_SEGMENT_UNDERPRICED_MIN_LLM_COST_USD",
  "PRICING_SEGMENT_UNDERPRICED_MIN_REQUESTS",
  "PRICING_SERVER_CACHE_TTL_SECONDS",
  "PRICING_SERVER_HOST",
  "PRICING_SERVER_MAX_RUNS",
  "PRICING_SERVER_MAX_XLSX_RENDERS",
  "PRICING_SERVER_PORT",
  "PRICING_SERVER_STRIPE",
  "PRICING_SERVER_TOKEN",
  "PRICING_SMTP_CA_FILE",
  "PRICING_SMTP_HOST",
  "PRICING_SMTP_PASSWORD",
  "PRICING_SMTP_PORT",
  "PRICING_SMTP_SECURITY",
  "PRICING_SMTP_TIMEOUT_SECONDS",
  "PRICING_SMTP_USER",
  "PRICING_STRIPE_CONCURRENCY",
  "PRICING_STRIPE_COUNTED_STATUSES",
  "PRICING_STRIPE_DISCOUNTS",
  "PRICING_STRIPE_LOOKUP_LIMIT",
  "PRICING_STRIPE_MAX_RETRIES",
  "PRICING_STRIPE_NAME_ROLES",
  "PRICING_STRIPE_PRICE_ROLES",
  "PRICING_STRIPE_PTB_PRODUCT",
  "PRICING_STRIPE_RATE_LIMIT_RETRIES",
  "PRICING_STRIPE_ROLE_METADATA_KEY",
  "PRICING_STRIPE_TIMEOUT_SECONDS",
  "PRICING_STRIPE_USAGE_LOOKBACK_DAYS",
  "STRIPE_API_HOST",
  "STRIPE_API_PORT",
  "STRIPE_API_PROTOCOL",
  "STRIPE_SECRET_KEY",
];

const KNOWN = new Set(SETTING_NAMES);

/** How the warning ends: the setting meant, or that names are upper case ("" when neither). */
function unknownNameHint(name: string, nearest: string | null): string {
  const cased = name === name.toUpperCase() ? null : "names are upper case";
  const hint = nearest ? `did you mean ${nearest}?${cased ? ` ${cased}` : ""}` : cased;
  return hint ? ` (${hint})` : "";
}

/** The nearest setting to a name that is none: its upper case, when that is one. */
function nearestSetting(name: string): string | null {
  const upper = name.toUpperCase();
  return KNOWN.has(upper) ? upper : nearestName(name, SETTING_NAMES);
}

/**
 * One warning per name in `fileEnv` (a settings file's keys) that looks like a kit setting but is
 * none: every unknown PRICING_ name, in any case (`pricing_pg_url`: names are upper case, and the
 * environment's are case-sensitive), and a STRIPE_ name close to a STRIPE_ setting (a file shared
 * with the app may hold other STRIPE_ keys, such as STRIPE_PUBLISHABLE_KEY, that are not typos).
 */
export function unknownSettingWarnings(fileEnv: Record<string, unknown>, file: string): string[] {
  const warnings: string[] = [];
  for (const name of Object.keys(fileEnv)) {
    if (KNOWN.has(name)) continue;
    const upper = name.toUpperCase();
    const nearest = nearestSetting(name);
    if (upper.startsWith("PRICING_") || (upper.startsWith("STRIPE_") && nearest)) {
      warnings.push(
        `${file}: ${name} is not a pricing-kit setting and is ignored${
          unknownNameHint(name, nearest)
        }; the settings are listed in .env.example`,
      );
    }
  }
  return warnings;
}

/**
 * Names the kit's own test harness puts in the tests' environment (tests/run.ts's servers,
 * tests/chromium.ts's screenshot folder): not settings, and not typos either.
 */
const TEST_HARNESS_NAME = /^PRICING_(TEST_[A-Z0-9_]+|SCREENSHOT_DIR)$/;

/**
 * One warning per PRICING_ name of the process environment's (in any case) that is no setting: a
 * typo exported in the shell (PRICING_PG_ULR) is otherwise ignored without a word, while the
 * file's are warned of. Names only, never values; STRIPE_ names are not checked (the app's own,
 * STRIPE_PUBLISHABLE_KEY, live in the same shells).
 */
export function unknownEnvironmentWarnings(names: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const name of [...names].sort()) {
    if (KNOWN.has(name) || !name.toUpperCase().startsWith("PRICING_")) continue;
    if (TEST_HARNESS_NAME.test(name)) continue;
    warnings.push(
      `the environment's ${name} is not a pricing-kit setting and is ignored${
        unknownNameHint(name, nearestSetting(name))
      }; the settings are listed in .env.example`,
    );
  }
  return warnings;
}

export interface DuplicateSettingOptions {
  /** the lines of each key of the file */
  lines: ReadonlyMap<string, readonly number[]>;
  /** the settings file's name, as the warnings name it */
  file: string;
  processEnv: Record<string, string | undefined>;
}

/**
 * One warning per setting a settings file gives on more than one line (`lines`: the lines of each
 * key): which lines, and which value is used (the last line's, or the environment's, which wins
 * over the file). Only the kit's settings: a file shared with the app may repeat its own keys.
 */
export function duplicateSettingWarnings(
  { lines, file, processEnv }: DuplicateSettingOptions,
): string[] {
  const warnings: string[] = [];
  for (const [name, at] of lines) {
    if (at.length < 2 || !KNOWN.has(name)) continue;
    warnings.push(
      `${file}: ${name} is set on lines ${listInWords(at.map(String))}; ${
        processEnv[name] !== undefined
          ? "the environment's value is used (it wins over the file)"
          : `line ${at.at(-1)}'s value is used`
      }: keep one of them`,
    );
  }
  return warnings;
}

/**
 * One warning per setting a settings file gives once and the environment gives another value: the
 * environment wins without a word, and an error then named a setting whose line in the file was
 * right (a value exported in the shell long before). Values are never shown.
 */
export function environmentOverrideWarnings(
  { lines, fileEnv, file, processEnv }: {
    /** the lines of each key of the file */
    lines: ReadonlyMap<string, readonly number[]>;
    fileEnv: Record<string, string | undefined>;
    file: string;
    processEnv: Record<string, string | undefined>;
  },
): string[] {
  const warnings: string[] = [];
  for (const [name, at] of lines) {
    // (given twice: duplicateSettingWarnings says the environment's value is used)
    if (at.length !== 1 || !KNOWN.has(name)) continue;
    const fromEnvironment = processEnv[name];
    if (fromEnvironment === undefined || fromEnvironment === fileEnv[name]) continue;
    warnings.push(
      `${file}: ${name} on line ${
        at[0]
      } is overridden by the environment's ${name}, another value (the environment wins over the file): unset it in the environment (unset ${name}) or remove the line`,
    );
  }
  return warnings;
}
