/**
 * `deno task bench`: the kit at production scale against the raw-query floor.
 *
 * Seeds throwaway PostgreSQL and ClickHouse (the servers the tests use; data kept in
 * outputs/bench/data-<scale>/ so reruns skip seeding) and a fake Stripe API with per-call latency,
 * then measures: the floor (the same SQL files through psql / clickhouse-client to /dev/null), the
 * export for CSV, XLSX and both, and the Stripe fetch cold and cached. Prints a table; writes JSON
 * to outputs/bench/. Then the server's memory under 50 concurrent downloads
 * (bench/server_downloads.ts, also `deno task bench:server`).
 *
 *   deno task bench [--scale small|default|large] [--sweep] [--stripe-latency-ms 50]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { bindClickHouse, loadSql, sqlPlaceholders } from "../lib/sources/sql.ts";
import { startClickHouse, startPostgres } from "../tests/servers.ts";
import { splitStatements } from "../tests/sql_statements.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";

interface Scale {
  orgs: number;
  memberships: number;
  requests: number;
}

const SCALES: Record<string, Scale> = {
  small: { orgs: 10_000, memberships: 40_000, requests: 2_000_000 },
  default: { orgs: 100_000, memberships: 400_000, requests: 20_000_000 },
  large: { orgs: 1_000_000, memberships: 4_000_000, requests: 20_000_000 },
};
/** as-of of every benchmark run: fixed, so seeded data stays valid across runs */
const AS_OF = new Date("2026-11-01T00:00:00Z");
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BENCH_DIR = `${ROOT}outputs/bench`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scale: { type: "string", default: "default" },
    sweep: { type: "boolean", default: false },
    "stripe-latency-ms": { type: "string", default: "50" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "Usage: deno task bench [--scale small|default|large] [--sweep] [--stripe-latency-ms 50]",
  );
  Deno.exit(0);
}
if (!SCALES[values.scale!]) {
  console.error(
    `error: --scale must be small, default or large, got ${JSON.stringify(values.scale)}`,
  );
  Deno.exit(1);
}
const latencyMs = Number(values["stripe-latency-ms"]);

function say(line: string) {
  console.error(line);
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}

/** Seeds both databases unless this data folder already holds this scale. */
async function seeded(name: string, scale: Scale) {
  const dataDir = `${BENCH_DIR}/data-${name}`;
  const marker = `${dataDir}/seeded.json`;
  const postgres = await startPostgres({ dir: `${dataDir}/pg` });
  const clickhouse = await startClickHouse({ dir: `${dataDir}/ch` });
  let seedMs = 0;
  let cached = false;
  try {
    cached = JSON.stringify(JSON.parse(await Deno.readTextFile(marker))) === JSON.stringify(scale);
  } catch { /* not seeded yet */ }
  if (!cached) {
    say(
      `seeding ${name}: ${scale.orgs} organizations, ${scale.memberships} memberships, ${scale.requests} requests …`,
    );
    const fill = (sql: string) =>
      sql.replaceAll("{orgs}", String(scale.orgs))
        .replaceAll("{users}", String(Math.round(scale.memberships * 0.75)))
        .replaceAll("{memberships}", String(scale.memberships))
        .replaceAll("{requests}", String(scale.requests))
        .replaceAll("{as_of_epoch}", String(AS_OF.getTime() / 1000))
        .replaceAll("{as_of}", AS_OF.toISOString());
    seedMs = await timedMs(async () => {
      const db = new pg.Client({ connectionString: postgres.url });
      await db.connect();
      await db.query(
        "DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS auth CASCADE; CREATE SCHEMA public;",
      );
      await db.query(await Deno.readTextFile(`${ROOT}tests/fixtures/postgres_schema.sql`));
      await db.query(fill(await Deno.readTextFile(`${ROOT}bench/seed_postgres.sql`)));
      await db.end();
      const ch = createClient({
        url: clickhouse.url,
        username: clickhouse.user,
        password: clickhouse.password,
        request_timeout: 3_600_000,
      });
      for (const table of ["request_response_rmt", "organization_ptb_spend"]) {
        await ch.command({ query: `DROP TABLE IF EXISTS ${table}` });
      }
      for (const file of ["tests/fixtures/clickhouse_schema.sql", "bench/seed_clickhouse.sql"]) {
        for (const statement of splitStatements(fill(await Deno.readTextFile(`${ROOT}${file}`)))) {
          await ch.command({ query: statement });
        }
      }
      await ch.close();
    });
    await Deno.writeTextFile(marker, JSON.stringify(scale));
    say(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
  }
  return { postgres, clickhouse, seedMs, cached };
}

/** The SQL files through the databases' own clients to /dev/null, all four at once. */
async function floor(
  postgresUrl: string,
  ch: { user: string; password: string; tcpPort?: number },
) {
  const params = {
    window_start: new Date(AS_OF.getTime() - 30 * 86_400_000),
    window_end: AS_OF,
    as_of: AS_OF,
    request_table: "request_response_rmt",
    ptb_table: "organization_ptb_spend",
  };
  const psqlText = async (name: string) => {
    const sql = await loadSql("postgres", name);
    let text = sql.text;
    for (const [param, type] of sqlPlaceholders(text)) {
      const value = params[param as keyof typeof params];
      text = text.replaceAll(
        `{${param}:${type}}`,
        value instanceof Date ? `'${value.toISOString()}'::timestamptz` : `"${value}"`,
      );
    }
    return text;
  };
  const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
    new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" }).output().then((o) => {
      if (!o.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(o.stderr)}`);
    });
  const jobs = [
    ...["organizations", "prompts_created"].map(async (name) => {
      const text = await psqlText(name);
      return run("psql", [postgresUrl, "-X", "-q", "-c", text]);
    }),
    ...["usage_30d", "ptb_spend"].map(async (name) => {
      const text = bindClickHouse(await loadSql("clickhouse", name), params);
      return run("clickhouse-client", [
        "--host",
        "127.0.0.1",
        "--port",
        String(ch.tcpPort),
        "--user",
        ch.user,
        "--password",
        ch.password,
        "--query",
        text,
      ]);
    }),
  ];
  return await timedMs(() => Promise.all(jobs));
}

interface Measured {
  wallMs: number;
  peakRssMb: number;
  rows: number;
  stages: Record<string, number>;
  queries: { name: string; rows: number; durationMs: number }[];
  stripe: { source: string; apiCalls: number; durationMs: number };
  bytes: Record<string, number>;
}

async function measure(
  env: Record<string, string>,
  format: string,
  outDir: string,
  stripe = "auto",
): Promise<Measured> {
  // One output folder per scale: the Stripe cache lives there, as it does in outputs/.
  await Deno.mkdir(outDir, { recursive: true });
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/measure.ts`,
      "--out-dir",
      outDir,
      "--format",
      format,
      "--as-of",
      AS_OF.toISOString(),
      "--stripe",
      stripe,
    ],
    env: { ...env, NO_COLOR: "1" },
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").pop()!);
}

/** Stripe objects for every customer id the seed gave an organization (every 5th). */
function stripeData(orgs: number) {
  const price = {
    id: "price_pro_users",
    object: "price",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: "2000",
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
  };
  const subscriptions = [];
  for (let g = 5; g <= orgs; g += 5) {
    subscriptions.push({
      id: `sub_${String(g).padStart(8, "0")}`,
      object: "subscription",
      customer: `cus_${g}`,
      status: "active",
      currency: "usd",
      // created over three years, newest first: Stripe's order, which the kit partitions by
      created: AS_OF.getTime() / 1000 - Math.floor(((g / 5) * 3 * 365 * 86_400) / (orgs / 5)),
      cancel_at_period_end: false,
      discounts: [],
      items: {
        object: "list",
        data: [{ id: `si_${g}`, quantity: 1 + (g % 7), price, discounts: [] }],
      },
    });
  }
  return {
    subscriptions,
    products: [{ id: "prod_pro_users", object: "product", name: "pro-users", metadata: {} }],
    invoices: [],
  };
}

async function benchScale(name: string, scale: Scale) {
  const { postgres, clickhouse, seedMs, cached } = await seeded(name, scale);
  const data = stripeData(scale.orgs);
  const fake = startFakeStripe(data, "sk_test_bench", latencyMs);
  const env = {
    PRICING_PG_URL: postgres.url,
    PRICING_CH_URL: clickhouse.url,
    PRICING_CH_USER: clickhouse.user,
    PRICING_CH_PASSWORD: clickhouse.password,
    PRICING_CH_MAX_EXECUTION_SECONDS: "1800",
    PRICING_PG_STATEMENT_TIMEOUT_MS: "1800000",
    STRIPE_SECRET_KEY: fake.apiKey,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(fake.port),
    STRIPE_API_PROTOCOL: "http",
  };
  try {
    say("floor …");
    await floor(postgres.url, clickhouse); // warm caches once, as the kit's runs will be warm
    const floorMs = await floor(postgres.url, clickhouse);
    say("Stripe cold …");
    const outDir = `${BENCH_DIR}/exports-${name}`;
    const stripeCold = await measure(env, "csv", outDir, "refresh");
    say("CSV …");
    const csv = await measure(env, "csv", outDir);
    say("XLSX …");
    const xlsx = await measure(env, "xlsx", outDir);
    say("both …");
    const both = await measure(env, "both", outDir);
    return {
      scale: name,
      ...scale,
      stripeSubscriptions: data.subscriptions.length,
      stripeLatencyMs: latencyMs,
      seedMs,
      seedCached: cached,
      floorMs,
      stripeCold,
      csv,
      xlsx,
      both,
    };
  } finally {
    await fake.close();
    await Promise.allSettled([postgres.stop(), clickhouse.stop()]);
  }
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function table(result: Awaited<ReturnType<typeof benchScale>>): string {
  const rows: string[][] = [[
    "run",
    "wall",
    "peak RSS",
    "queries",
    "join",
    "revenue",
    "metrics",
    "charts",
    "write",
    "Stripe calls",
  ]];
  rows.push([
    "floor (psql + clickhouse-client)",
    fmtS(result.floorMs),
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
  ]);
  for (
    const [label, m] of [["export CSV", result.csv], ["export XLSX", result.xlsx], [
      "export CSV + XLSX",
      result.both,
    ], ["Stripe cold (CSV)", result.stripeCold]] as const
  ) {
    const s = m.stages;
    rows.push([
      label,
      fmtS(m.wallMs),
      `${m.peakRssMb} MB`,
      fmtS(s.queries ?? 0),
      fmtS(s.join ?? 0),
      fmtS(s.revenue ?? 0),
      fmtS(s.metrics ?? 0),
      fmtS(s.charts ?? 0),
      fmtS(s.write ?? 0),
      String(m.stripe.apiCalls),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

function targets(result: Awaited<ReturnType<typeof benchScale>>): string[] {
  const csvRatio = result.csv.stages.queries / result.floorMs;
  const xlsxExtraPer100k = (result.xlsx.stages.write - result.csv.stages.write) /
    (result.orgs / 100_000);
  // subscription pages + products + invoices + coupons (plus about one per created range split off)
  const expectedCalls = Math.ceil(result.stripeSubscriptions / 100) + 1 + 1 + 1;
  const rawRows = Math.max(...result.csv.queries.map((q) => q.rows));
  return [
    `queries stage vs floor: ${csvRatio.toFixed(2)}× (target ≤ 1.3×); whole CSV export ${
      (result.csv.wallMs / result.floorMs).toFixed(2)
    }× the floor`,
    `XLSX write adds ${fmtS(xlsxExtraPer100k)} per 100k rows over CSV (target ≤ 1.5 s)`,
    `peak memory ${result.both.peakRssMb} MB for CSV + XLSX (target < 1024 MB)`,
    `Stripe: ${result.stripeCold.stripe.apiCalls} calls cold (ceil(${result.stripeSubscriptions}/100) + products + invoices + coupons = ${expectedCalls}), ${result.csv.stripe.apiCalls} cached`,
    `largest query result: ${rawRows} rows for ${result.orgs} organizations and ${result.requests} requests (no raw request rows leave ClickHouse)`,
  ];
}

await Deno.mkdir(BENCH_DIR, { recursive: true });
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "?";
const machine = `${navigator.hardwareConcurrency} cores (${cpu}), ${
  Math.round(Deno.systemMemoryInfo().total / 1024 ** 3)
} GiB`;
const stamp = new Date().toISOString().slice(0, 10);

if (values.sweep) {
  const sizes = [5_000, 10_000, 20_000, 40_000];
  const points = [];
  for (const orgs of sizes) {
    const result = await benchScale(`sweep-${orgs}`, {
      orgs,
      memberships: orgs * 4,
      requests: orgs * 200,
    });
    points.push({
      orgs,
      csvMs: result.csv.wallMs,
      csvRssMb: result.csv.peakRssMb,
      bothMs: result.both.wallMs,
      bothRssMb: result.both.peakRssMb,
      floorMs: result.floorMs,
    });
  }
  console.log(
    `Sweep on ${machine}\n| organizations | floor | CSV wall | CSV RSS | CSV+XLSX wall | CSV+XLSX RSS | ms per 1k orgs (CSV) |\n|---|---|---|---|---|---|---|`,
  );
  for (const p of points) {
    console.log(
      `| ${p.orgs} | ${fmtS(p.floorMs)} | ${fmtS(p.csvMs)} | ${p.csvRssMb} MB | ${
        fmtS(p.bothMs)
      } | ${p.bothRssMb} MB | ${(p.csvMs / (p.orgs / 1000)).toFixed(0)} |`,
    );
  }
  const path = `${BENCH_DIR}/bench_sweep_${stamp}.json`;
  await Deno.writeTextFile(path, JSON.stringify({ machine, points }, null, 2));
  console.log(`\nwritten ${path}`);
} else {
  const result = await benchScale(values.scale!, SCALES[values.scale!]);
  console.log(
    `Benchmark, scale ${result.scale}: ${result.orgs} organizations, ${result.memberships} memberships, ${result.requests} requests (+2% versions), ${result.stripeSubscriptions} Stripe subscriptions at ${latencyMs} ms per call; ${machine}\n`,
  );
  console.log(table(result));
  console.log("");
  for (const line of targets(result)) console.log(`- ${line}`);
  const path = `${BENCH_DIR}/bench_${result.scale}_${stamp}.json`;
  await Deno.writeTextFile(path, JSON.stringify({ machine, ...result }, null, 2));
  console.log(
    `\nwritten ${path}${
      result.seedCached ? " (seed reused)" : ` (seeded in ${fmtS(result.seedMs)})`
    }`,
  );
  // Server memory under 50 concurrent downloads, in its own process (bench/server_downloads.ts).
  console.log("");
  const downloads = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/server_downloads.ts`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!downloads.success) console.error("error: bench/server_downloads.ts failed");
}
