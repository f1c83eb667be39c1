/**
 * How a run is told to use Stripe: the revenue mode (the command line's Stripe flags, the
 * server's PRICING_SERVER_STRIPE, a notebook's `stripe`) and the connection settings and rules
 * the environment sets. loadRevenue (mod.ts) follows them.
 */
import { settingNumber, UserError } from "../core/config.ts";
import { isLoopback } from "../core/loopback.ts";
import { type RevenueRules, revenueRulesConfigFromEnv } from "./rules.ts";

/**
 * auto = today's cache or fetch; skip; refresh = ignore the cache; require = like auto, but a
 * failure (or no key) throws a one-line UserError; refresh-require = both (--refresh-stripe
 * --require-stripe).
 */
export type RevenueMode = "auto" | "skip" | "refresh" | "require" | "refresh-require";

/** Whether a mode ignores today's cache. */
export const refreshes = (mode: RevenueMode): boolean =>
  mode === "refresh" || mode === "refresh-require";

/** Whether a mode fails (one line) instead of exporting without revenue. */
export const requires = (mode: RevenueMode): boolean =>
  mode === "require" || mode === "refresh-require";

/** The revenue mode of the CLI's Stripe flags; --skip-stripe excludes the other two. */
export function revenueModeFromFlags(
  flags: { skip?: boolean; refresh?: boolean; require?: boolean },
): RevenueMode | null {
  if (flags.skip) return flags.refresh || flags.require ? null : "skip";
  if (flags.refresh && flags.require) return "refresh-require";
  return flags.refresh ? "refresh" : flags.require ? "require" : "auto";
}

export interface StripeSettings {
  apiKey?: string;
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: "http" | "https";
}

/** Everything the revenue stage reads from the environment. */
export type RevenueConfig = Partial<RevenueRules> & StripeSettings;

/**
 * Stripe connection settings from the environment:
 * STRIPE_SECRET_KEY (a restricted read-only key is enough), STRIPE_API_HOST, STRIPE_API_PORT,
 * STRIPE_API_PROTOCOL (http | https) — the last three only to point at a proxy or a fake.
 */
export function stripeSettingsFromEnv(env: Record<string, string | undefined>): StripeSettings {
  const port = env.STRIPE_API_PORT ? settingNumber(env.STRIPE_API_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new UserError(`STRIPE_API_PORT must be a port number, got ${env.STRIPE_API_PORT}`);
  }
  const protocol = env.STRIPE_API_PROTOCOL || undefined;
  if (protocol !== undefined && protocol !== "http" && protocol !== "https") {
    throw new UserError(`STRIPE_API_PROTOCOL must be http or https, got ${protocol}`);
  }
  const host = env.STRIPE_API_HOST?.trim() || undefined;
  if (host !== undefined && !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new UserError(
      `STRIPE_API_HOST must be a host name only (e.g. api.stripe.com), got ${
        JSON.stringify(host)
      }: set the port and protocol with STRIPE_API_PORT and STRIPE_API_PROTOCOL`,
    );
  }
  const apiKey = env.STRIPE_SECRET_KEY?.trim() || undefined;
  const keyProblem = apiKey === undefined ? undefined : stripeKeyProblem(apiKey);
  if (keyProblem) throw new UserError(`STRIPE_SECRET_KEY ${keyProblem} (its value is not shown)`);
  // the key travels in every request's header: in the clear only to a fake or proxy on this
  // machine (as an SMTP password, lib/delivery/email.ts)
  const reached = host ?? "api.stripe.com";
  if (apiKey && protocol === "http" && !isLoopback(reached)) {
    throw new UserError(
      `STRIPE_API_PROTOCOL=http would send STRIPE_SECRET_KEY unencrypted to ${reached}: use https (plain http only to a fake or proxy on this machine: localhost, 127.x.x.x)`,
    );
  }
  return { apiKey, apiHost: host, apiPort: port, apiProtocol: protocol };
}

/**
 * What is wrong with a STRIPE_SECRET_KEY that cannot be an API key, or undefined: caught here, as
 * Stripe's only answer is a 401 that the export takes for revenue missing (exit 0), and the key
 * (another secret, a webhook's) would be sent to Stripe. Only the kinds are checked, not the rest:
 * Stripe adds key formats (sandboxes, organizations), all sk_ or rk_.
 */
function stripeKeyProblem(key: string): string | undefined {
  const use = "use a secret key (sk_live_…) or a restricted key (rk_live_…) from the Stripe " +
    "Dashboard, Developers → API keys";
  if (key.startsWith("pk_")) return `is a publishable key (pk_…), which reads nothing: ${use}`;
  if (key.startsWith("whsec_")) {
    return `is a webhook signing secret (whsec_…), not an API key: ${use}`;
  }
  if (/\s/.test(key)) return `holds a space or a line break: give the key alone`;
  // (a key is letters, digits and _: the dots are .env.example's)
  if (/\.\.\.|…/.test(key)) return `is still .env.example's placeholder (…_live_...): ${use}`;
  if (!/^[sr]k_/.test(key)) return `does not start with sk_ or rk_ as an API key does: ${use}`;
  return undefined;
}

/**
 * The connection settings and the rules set in the environment (see rules.ts
 * `revenueRulesConfigFromEnv` for the PRICING_STRIPE_* / PRICING_FX_RATES names). Throws a
 * UserError naming the variable on a bad value.
 */
export function revenueConfigFromEnv(env: Record<string, string | undefined>): RevenueConfig {
  return { ...revenueRulesConfigFromEnv(env), ...stripeSettingsFromEnv(env) };
}
