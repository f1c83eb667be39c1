/** Connection settings of the throwaway servers `deno task test` (tests/run.ts) started. */

export interface TestServers {
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres (superuser, database `postgres`) */
  pgUrl: string;
  /** http://127.0.0.1:PORT (ClickHouse 18.16 over HTTP) */
  chUrl: string;
  chUser: string;
  chPassword: string;
  /** modern ClickHouse (chdb) is installed: tests/servers.ts runOnModernClickHouse works */
  chdb: boolean;
}

export function testServers(): TestServers {
  const pgUrl = Deno.env.get("PRICING_TEST_PG_URL");
  const chUrl = Deno.env.get("PRICING_TEST_CH_URL");
  if (!pgUrl || !chUrl) {
    throw new Error(
      "PRICING_TEST_PG_URL / PRICING_TEST_CH_URL are not set: run the tests through `deno task test`, which starts the servers",
    );
  }
  return {
    pgUrl,
    chUrl,
    chUser: Deno.env.get("PRICING_TEST_CH_USER") ?? "default",
    chPassword: Deno.env.get("PRICING_TEST_CH_PASSWORD") ?? "",
    chdb: Deno.env.get("PRICING_TEST_CHDB") === "1",
  };
}

/**
 * HOME and DENO_DIR for a child `deno` given an environment of its own: the tests' own, each only
 * when set. Without HOME (a service, a cron job) the child finds its home folder, and deno its
 * cache, from the user's entry, as this process did; a stand-in HOME (it was /tmp), or a DENO_DIR
 * left out, gave the child an empty cache: every npm package downloaded again (235 MB), or the
 * test failing offline.
 */
export function denoCacheEnv(): { HOME?: string; DENO_DIR?: string } {
  const env: { HOME?: string; DENO_DIR?: string } = {};
  for (const name of ["HOME", "DENO_DIR"] as const) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
