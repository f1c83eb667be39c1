/**
 * One benchmark export in a process of its own (bench/measure.ts), against seeded servers and the
 * fake Stripe API: the command line, settings and Stripe data that bench/main.ts and
 * bench/timeline.ts share.
 */
import type { FakeStripe } from "../tests/fake_stripe.ts";
import type { Measured } from "./report.ts";
import { AS_OF, ROOT, type SeededServers } from "./seed.ts";
import { everyFifthOrganization, fakeStripeData } from "./stripe_data.ts";

/** The kit's settings for the seeded servers and the fake Stripe API. */
export function benchEnv(
  servers: Pick<SeededServers, "postgres" | "clickhouse">,
  fake: Pick<FakeStripe, "apiKey" | "port">,
): Record<string, string> {
  return {
    PRICING_PG_URL: servers.postgres.url,
    PRICING_CH_URL: servers.clickhouse.url,
    PRICING_CH_USER: servers.clickhouse.user,
    PRICING_CH_PASSWORD: servers.clickhouse.password,
    PRICING_CH_MAX_EXECUTION_SECONDS: "1800",
    PRICING_PG_STATEMENT_TIMEOUT_MS: "1800000",
    STRIPE_SECRET_KEY: fake.apiKey,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(fake.port),
    STRIPE_API_PROTOCOL: "http",
  };
}

/** Stripe objects for every customer id the seed gave an organization (every 5th). */
export function seededStripeData(orgs: number) {
  return fakeStripeData({
    customers: everyFifthOrganization(orgs),
    subscriptionIds: "padded",
    // created over three years, newest first: Stripe's order, which the kit partitions by
    created: { asOf: AS_OF, rank: (g) => g / 5, ranks: orgs / 5 },
  });
}

/**
 * One export in its own process; wall time is spawn to exit (start-up included). `spawned` gets
 * the process id (bench/timeline.ts samples its threads).
 */
export async function measuredExport(
  env: Record<string, string>,
  options: {
    format: string;
    outDir: string;
    stripe?: string;
    spawned?: (pid: number) => void;
    /** the checkout whose bench/measure.ts runs (default this one; bench/ab.ts: another) */
    root?: string;
  },
): Promise<Measured> {
  const root = options.root ?? ROOT;
  // One output folder per scale: the Stripe cache lives there, as it does in outputs/.
  await Deno.mkdir(options.outDir, { recursive: true });
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // as `deno task export` runs: frames dropped between stages are collected (lib/core/memory.ts)
      // and a terminated worker's heap goes back to the system (lib/revenue/worker.ts)
      "--v8-flags=--expose-gc,--no-memory-pool-share-memory-on-teardown",
      `${root}bench/measure.ts`,
      "--out-dir",
      options.outDir,
      "--format",
      options.format,
      "--as-of",
      AS_OF.toISOString(),
      "--ran-at", // as a production export runs: minutes after its as-of (it stores its snapshot)
      new Date(AS_OF.getTime() + 10 * 60_000).toISOString(),
      "--stripe",
      options.stripe ?? "auto",
    ],
    env: { ...env, NO_COLOR: "1" },
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  options.spawned?.(child.pid);
  const output = await child.output();
  const wallMs = Math.round(performance.now() - started);
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  const line = new TextDecoder().decode(output.stdout).trim().split("\n").pop()!;
  return { wallMs, ...JSON.parse(line) };
}
