/**
 * Benchmark data: the scales, the fixed as-of, and seeding throwaway PostgreSQL and ClickHouse
 * servers (kept in outputs/bench/data-<scale>/ so reruns skip seeding).
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createClient } from "@clickhouse/client";
import { type RunningServer, startClickHouse, startPostgres } from "../tests/servers.ts";
import { splitStatements } from "../tests/sql_statements.ts";

export interface Scale {
  orgs: number;
  memberships: number;
  requests: number;
}

export const SCALES: Record<string, Scale> = {
  small: { orgs: 10_000, memberships: 40_000, requests: 2_000_000 },
  default: { orgs: 100_000, memberships: 400_000, requests: 20_000_000 },
  large: { orgs: 1_000_000, memberships: 4_000_000, requests: 20_000_000 },
};
/** as-of of every benchmark run: fixed, so seeded data stays valid across runs */
export const AS_OF = new Date("2026-11-01T00:00:00Z");
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const BENCH_DIR = `${ROOT}outputs/bench`;

export interface SeededServers {
  postgres: RunningServer;
  clickhouse: RunningServer;
  seedMs: number;
  cached: boolean;
}

export function say(line: string) {
  console.error(line);
}

export async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}

/** What the seeded data is made from. */
const SEED_FILES = [
  "tests/fixtures/postgres_schema.sql",
  "tests/fixtures/clickhouse_schema.sql",
  "bench/seed_postgres.sql",
  "bench/seed_clickhouse.sql",
];

/** Starts both servers on `outputs/bench/data-<name>/` and seeds them unless already seeded. */
export async function seeded(name: string, scale: Scale): Promise<SeededServers> {
  const dataDir = `${BENCH_DIR}/data-${name}`;
  const marker = `${dataDir}/seeded.json`;
  const postgres = await startPostgres({ dir: `${dataDir}/pg` });
  const clickhouse = await startClickHouse({ dir: `${dataDir}/ch` });
  let seedMs = 0;
  let cached = false;
  // the marker names the scale and the seed files' digest: a changed seed seeds again
  const seedFiles = await Promise.all(
    SEED_FILES.map((file) => Deno.readTextFile(`${ROOT}${file}`)),
  );
  const seed = createHash("sha256").update(seedFiles.join("\u0000")).digest("hex").slice(0, 16);
  const markerText = JSON.stringify({ ...scale, seed });
  try {
    cached = JSON.stringify(JSON.parse(await Deno.readTextFile(marker))) === markerText;
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
    await Deno.writeTextFile(marker, markerText);
    say(`seeded in ${(seedMs / 1000).toFixed(1)} s`);
  }
  return { postgres, clickhouse, seedMs, cached };
}
