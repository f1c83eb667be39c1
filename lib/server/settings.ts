/**
 * `deno task serve` settings: flags over environment over `.env`. Every environment name is
 * listed in HELP (and docs/server.md).
 */
import { isLoopback } from "../core/loopback.ts";
import { type Env, sourceSettings, UserError } from "../core/config.ts";
import { DEFAULT_OUT_DIR, type StripeMode } from "../export.ts";
import { type SegmentThresholds, segmentThresholdsFromEnv } from "../report/segments.ts";
import { parseFlags } from "../cli/args.ts";
import { MAX_WINDOW_DAYS } from "../core/window.ts";
import { quoteValue } from "../core/quote.ts";
import { costModelFromEnv } from "../economics/cost_model.ts";
import { loadPriceBook } from "../economics/price_book.ts";
import { revenueConfigFromEnv } from "../revenue/mod.ts";
import { DEGRADED_RUN_TTL_MS } from "./runs.ts";
import { checkExportsDir, mcpSettings } from "../mcp/settings.ts";
import { homeFolderError, startsWithHome } from "../core/home_folder.ts";
import { historyDirChosenBy } from "../history/history_dir.ts";

export const HELP = `Usage: deno task serve [options]

Serves the pricing export endpoint and the admin page:
  GET /v1/admin/pricing-analytics/export?format=csv|xlsx   (admin token)
  GET /v1/admin/pricing-analytics/summary                  (admin token, JSON)
  GET /v1/admin/pricing-analytics/report                   (admin token, the page's report, HTML)
  GET /v1/admin/pricing-analytics/progress?id=NAME         (admin token, JSON: the stage of the run
                                                           a request with X-Pricing-Progress: NAME waits on)
  GET /admin/pricing-analytics                             (page; asks for the token)
  GET /                                                    redirects to the page
  GET /healthz
  POST /mcp                                                MCP server (admin token)
Query parameters: format (export only), days=1-${MAX_WINDOW_DAYS}, as_of=2026-11-01 or a timestamp with a
zone, segment=NAME, refresh=1; anything else is a 400. /api/v1/... works as /v1/...; HEAD as GET.

Options:
  --host HOST        interface to bind (default PRICING_SERVER_HOST or 127.0.0.1)
  --port PORT        port, 0 = any free port (default PRICING_SERVER_PORT or 8787)
  --demo             serve the built-in demo dataset; on loopback it may run without a token
                     (without one, /mcp serves demo exports or the demo dataset only)
  --env-file FILE    settings file read under the environment (default .env)
  -h, --help         show this help

Environment:
  PRICING_SERVER_TOKEN              admin bearer token, at least 32 characters (required,
                                    except with --demo on loopback); e.g. openssl rand -hex 32
  PRICING_SERVER_HOST               default 127.0.0.1
  PRICING_SERVER_PORT               default 8787
  PRICING_SERVER_CACHE_TTL_SECONDS  how long a finished run is reused (default 3600; 0 = never);
                                    a run whose Stripe fetch failed: ${
  DEGRADED_RUN_TTL_MS / 1000
} at most
  PRICING_SERVER_MAX_RUNS           distinct exports running at once, more get 503 (default 2)
  PRICING_SERVER_MAX_XLSX_RENDERS   XLSX files rendered at once, more wait (default 2)
  PRICING_SERVER_STRIPE             revenue: auto, skip or require (default auto)
  PRICING_PG_URL, PRICING_CH_URL, … the export's own settings (README → Configuration)
`;

export interface ServerSettings {
  host: string;
  port: number;
  /** null = no authentication (only with demo data on loopback) */
  token: string | null;
  /** serve demo data instead of the databases */
  demo: boolean;
  cacheTtlMs: number;
  maxRuns: number;
  /** XLSX downloads rendered at once (each holds a workbook); more wait for a slot */
  maxXlsxRenders: number;
  stripe: Exclude<StripeMode, "refresh">;
  /** Stripe's daily cache lives here (as for `deno task export`) */
  outDir: string;
  segmentThresholds: SegmentThresholds;
  env: Env;
}

/** 32 characters: a secret, not a password (openssl rand -hex 32 gives 64). */
export const MIN_TOKEN_LENGTH = 32;

export { isLoopback };

function wholeNumber(
  name: string,
  raw: string,
  { min, max }: { min: number; max: number },
): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UserError(
      `${name} must be a whole number from ${min} to ${max}, got ${quoteValue(raw)}`,
    );
  }
  return value;
}

export interface ServerArgs {
  help: boolean;
  envFile: string;
  /** --env-file was given: the file must exist */
  envFileNamed: boolean;
  host?: string;
  port?: string;
  demo: boolean;
}

export function parseServerArgs(args: string[]): ServerArgs {
  const { values } = parseFlags({
    args,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      demo: { type: "boolean" },
      "env-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
    strict: true,
  });
  return {
    help: !!values.help,
    envFile: values["env-file"] ?? ".env",
    envFileNamed: values["env-file"] !== undefined,
    host: values.host,
    port: values.port,
    demo: !!values.demo,
  };
}

/**
 * Checks the server's own settings and the database settings; throws UserError. The settings a
 * run reads besides (price book, cost model, Stripe) are {@link checkRunSettings}'.
 */
export function serverSettings(args: ServerArgs, env: Env): ServerSettings {
  const host = args.host ?? (env.PRICING_SERVER_HOST || "127.0.0.1");
  const portText = args.port ?? (env.PRICING_SERVER_PORT || "8787");
  const port = wholeNumber(args.port !== undefined ? "--port" : "PRICING_SERVER_PORT", portText, {
    min: 0,
    max: 65535,
  });

  const token = env.PRICING_SERVER_TOKEN || null;
  if (token === null) {
    if (!args.demo) {
      throw new UserError(
        "PRICING_SERVER_TOKEN is not set: set it to a long random string (openssl rand -hex 32), " +
          "or pass --demo to serve demo data on loopback without a token",
      );
    }
    if (!isLoopback(host)) {
      throw new UserError(
        `refusing to serve without PRICING_SERVER_TOKEN on ${host}: without a token only ` +
          "loopback (127.0.0.1) is allowed",
      );
    }
  } else if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new UserError(
      `PRICING_SERVER_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces ` +
        `(it has ${token.length}); use e.g. openssl rand -hex 32`,
    );
  } else if (!/^[\x21-\x7e]+$/.test(token)) {
    // A header carries bytes: curl sends ö as UTF-8, the server reads it as Latin-1, a browser
    // refuses €; such a token could never be sent as the docs say. (The token is not printed.)
    throw new UserError(
      "PRICING_SERVER_TOKEN must be printable ASCII (letters, digits, punctuation; no accented " +
        "letters or symbols such as ö or €), as an Authorization header carries it: make one " +
        "with openssl rand -hex 32",
    );
  }

  // Without --demo the databases must be configured: a server should not quietly serve demo
  // data to someone who expects production numbers.
  if (!args.demo && !sourceSettings(env)) {
    throw new UserError(
      "no database configured: set PRICING_PG_URL and PRICING_CH_URL (see .env.example), " +
        "or pass --demo",
    );
  }

  const ttlSeconds = wholeNumber(
    "PRICING_SERVER_CACHE_TTL_SECONDS",
    env.PRICING_SERVER_CACHE_TTL_SECONDS || "3600",
    { min: 0, max: 7 * 86_400 },
  );
  const maxRuns = wholeNumber("PRICING_SERVER_MAX_RUNS", env.PRICING_SERVER_MAX_RUNS || "2", {
    min: 1,
    max: 16,
  });
  const maxXlsxRenders = wholeNumber(
    "PRICING_SERVER_MAX_XLSX_RENDERS",
    env.PRICING_SERVER_MAX_XLSX_RENDERS || "2",
    { min: 1, max: 16 },
  );
  const stripe = env.PRICING_SERVER_STRIPE || "auto";
  if (stripe !== "auto" && stripe !== "skip" && stripe !== "require") {
    throw new UserError(
      `PRICING_SERVER_STRIPE must be auto, skip or require, got ${quoteValue(stripe)}`,
    );
  }

  return {
    host,
    port,
    token,
    demo: args.demo,
    cacheTtlMs: ttlSeconds * 1000,
    maxRuns,
    maxXlsxRenders,
    stripe,
    outDir: DEFAULT_OUT_DIR,
    segmentThresholds: segmentThresholdsFromEnv(env),
    env,
  };
}

/**
 * The export settings every run reads, checked once at start so that a bad one stops the server
 * with its one line instead of failing every request with 502: the cost model, the price book
 * (read, as a run reads it; an edit after start is read by the next run), and, unless Stripe is
 * skipped, the Stripe settings (a live server told to require revenue needs STRIPE_SECRET_KEY).
 */
export async function checkRunSettings(settings: ServerSettings): Promise<void> {
  costModelFromEnv(settings.env);
  await loadPriceBook(settings.env);
  // /mcp's exports folder, refused as `deno task mcp` refuses it (its first-run warning is the
  // stdio server's: this server's page exports without it)
  await checkExportsDir(mcpSettings(settings.env));
  // the report's outlook reads it: written ~/… it named a folder no run has
  const historyDir = settings.env.PRICING_HISTORY_DIR?.trim();
  if (historyDir && startsWithHome(historyDir)) {
    throw homeFolderError(historyDir, {
      kind: "history folder",
      ...historyDirChosenBy("PRICING_HISTORY_DIR"),
    });
  }
  if (settings.stripe === "skip") return;
  const { apiKey } = revenueConfigFromEnv(settings.env);
  if (settings.stripe === "require" && !settings.demo && !apiKey) {
    throw new UserError(
      "PRICING_SERVER_STRIPE=require but STRIPE_SECRET_KEY is not set: set it (environment or " +
        ".env), or set PRICING_SERVER_STRIPE to auto or skip",
    );
  }
}

/** Which setting gave the host: named in a bind failure's message. */
export function hostSetting(args: ServerArgs, env: Env): string {
  if (args.host !== undefined) return "--host";
  return env.PRICING_SERVER_HOST ? "PRICING_SERVER_HOST" : "the default host";
}

/**
 * A bind failure as one line naming the setting to change (Deno says only "Cannot assign
 * requested address (os error 99)"), or null for a failure that is no setting's.
 */
export function listenFailure(
  error: unknown,
  { host, listenOn, setting }: { host: string; listenOn: string; setting: string },
): string | null {
  const fix = `set ${setting === "the default host" ? "--host or PRICING_SERVER_HOST" : "it"} to ` +
    "an address of this machine, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)";
  const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (error instanceof Deno.errors.AddrInUse) {
    return `${listenOn} is already in use (another server?): pick another port with ` +
      "--port (0 = any free port) or stop the other server";
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `${setting} ${quoteValue(host)} is no address of this machine (${reason}); ${fix}`;
  }
  if (error instanceof Error && /failed to lookup address/i.test(error.message)) {
    return `${setting} ${
      quoteValue(host)
    } is no host name this machine can resolve (${reason}); ${fix}`;
  }
  // any other refusal of the system's (EINVAL for a link-local IPv6 address without its
  // interface, fe80::1; EAFNOSUPPORT where IPv6 is off): the host as given cannot be bound
  // (not a permission refused: that is the port's, below 1024 without the right)
  if (
    error instanceof Error && !(error instanceof Deno.errors.PermissionDenied) &&
    /\(os error \d+\)/.test(error.message)
  ) {
    return `${setting} ${quoteValue(host)} cannot be bound as given (${reason}); ${fix}`;
  }
  if (error instanceof URIError) {
    return `${setting} ${quoteValue(host)} is not a host name or IP address; ${fix}`;
  }
  return null;
}
