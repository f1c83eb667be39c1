/**
 * `deno task test`: installs what the tests need when it can (Debian packages, as root), starts a
 * throwaway PostgreSQL and ClickHouse, runs `deno test` with their settings in the environment,
 * and stops the servers whatever happens. Extra arguments go to `deno test` (e.g. a file).
 */
import { exists, startClickHouse, startPostgres } from "./servers.ts";

const NEEDED: { path: string; packages: string[] }[] = [
  { path: "/usr/lib/postgresql/15/bin/initdb", packages: ["postgresql-15"] },
  { path: "/usr/bin/clickhouse-server", packages: ["clickhouse-server", "clickhouse-client"] },
  { path: "/usr/bin/chromium", packages: ["chromium"] }, // the admin page's browser test
  { path: "/usr/share/fonts/truetype/dejavu", packages: ["fonts-dejavu-core"] }, // chart PNG text
  {
    path: "/usr/lib/python3/dist-packages/nbconvert",
    packages: ["python3-nbconvert", "python3-jupyter-client"],
  },
];

async function installMissing(): Promise<void> {
  const missing = NEEDED.filter((n) => !exists(n.path)).flatMap((n) => n.packages);
  if (missing.length === 0) return;
  if (Deno.uid?.() !== 0) {
    console.error(
      `error: the tests need Debian packages that are missing: sudo apt-get install ${
        missing.join(" ")
      }`,
    );
    Deno.exit(1);
  }
  console.error(`installing ${missing.join(", ")} …`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", ...missing]]) {
    const status = await new Deno.Command("apt-get", { args, env, stdout: "null" }).spawn().status;
    if (!status.success) {
      console.error(`error: apt-get ${args.join(" ")} failed`);
      Deno.exit(1);
    }
  }
}

await installMissing();
const started = performance.now();
const [postgres, clickhouse] = await Promise.all([startPostgres(), startClickHouse()]);
console.error(
  `test servers: PostgreSQL and ClickHouse on 127.0.0.1 (${
    Math.round(performance.now() - started)
  } ms)`,
);
let code = 1;
const stop = async () => {
  await Promise.allSettled([postgres.stop(), clickhouse.stop()]);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await stop();
    Deno.exit(130);
  });
}
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", ...(Deno.args.length > 0 ? Deno.args : ["tests/"])],
    env: {
      PRICING_TEST_PG_URL: postgres.url,
      PRICING_TEST_CH_URL: clickhouse.url,
      PRICING_TEST_CH_USER: clickhouse.user,
      PRICING_TEST_CH_PASSWORD: clickhouse.password,
    },
    stdin: "null",
  }).spawn();
  code = (await child.status).code;
} finally {
  await stop();
}
Deno.exit(code);
