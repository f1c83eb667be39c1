/** Connection settings of the throwaway servers `deno task test` (tests/run.ts) started. */

export interface TestServers {
  pgUrl: string;
  chUrl: string;
  chUser: string;
  chPassword: string;
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
  };
}
