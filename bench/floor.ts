/**
 * The floor: the kit's four SQL files run by the databases' own clients, all four at once (as the
 * kit runs them), each writing a real file: PostgreSQL through `COPY (query) TO STDOUT WITH CSV
 * HEADER`, ClickHouse as `CSVWithNames`. Aligned psql output would not be a floor: at 1M rows
 * psql's column alignment is slower than the kit.
 */
import { bindClickHouse, loadSql, sqlPlaceholders } from "../lib/sources/sql.ts";
import type { RunningServer } from "../tests/servers.ts";
import { AS_OF, timedMs } from "./seed.ts";

const PARAMS = {
  window_start: new Date(AS_OF.getTime() - 30 * 86_400_000),
  window_end: AS_OF,
  as_of: AS_OF,
  request_table: "request_response_rmt",
  ptb_table: "organization_ptb_spend",
};

/** PostgreSQL text with the parameters inlined as literals (COPY takes no bind parameters). */
async function postgresText(name: string): Promise<string> {
  const sql = await loadSql("postgres", name);
  let text = sql.text;
  for (const [param, type] of sqlPlaceholders(text)) {
    const value = PARAMS[param as keyof typeof PARAMS];
    text = text.replaceAll(
      `{${param}:${type}}`,
      value instanceof Date ? `'${value.toISOString()}'::timestamptz` : `"${value}"`,
    );
  }
  // A trailing semicolon would end the statement inside COPY ( … ).
  return text.trim().replace(/;\s*$/, "");
}

async function toFile(cmd: string, args: string[], path: string): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const [status, , stderr] = await Promise.all([
    child.status,
    child.stdout.pipeTo(file.writable),
    new Response(child.stderr).text(),
  ]);
  if (!status.success) throw new Error(`${cmd} failed: ${stderr}`);
  return (await Deno.stat(path)).size;
}

export interface FloorResult {
  ms: number;
  /** bytes written per query file */
  bytes: Record<string, number>;
}

/** Runs the floor once, writing into `dir`; returns its wall time. */
export async function floor(
  servers: { postgres: RunningServer; clickhouse: RunningServer },
  dir: string,
): Promise<FloorResult> {
  await Deno.mkdir(dir, { recursive: true });
  const { postgres, clickhouse } = servers;
  const bytes: Record<string, number> = {};
  const texts = {
    organizations: await postgresText("organizations"),
    prompts_created: await postgresText("prompts_created"),
    usage_30d: bindClickHouse(await loadSql("clickhouse", "usage_30d"), PARAMS),
    ptb_spend: bindClickHouse(await loadSql("clickhouse", "ptb_spend"), PARAMS),
  };
  const ms = await timedMs(() =>
    Promise.all([
      ...(["organizations", "prompts_created"] as const).map(async (name) => {
        bytes[name] = await toFile("psql", [
          postgres.url,
          "-X",
          "-q",
          "-v",
          "ON_ERROR_STOP=1",
          "-c",
          `COPY (\n${texts[name]}\n) TO STDOUT WITH CSV HEADER`,
        ], `${dir}/${name}.csv`);
      }),
      ...(["usage_30d", "ptb_spend"] as const).map(async (name) => {
        bytes[name] = await toFile("clickhouse-client", [
          "--host",
          "127.0.0.1",
          "--port",
          String(clickhouse.tcpPort),
          "--user",
          clickhouse.user,
          "--password",
          clickhouse.password,
          "--query",
          `${texts[name]}\nFORMAT CSVWithNames`,
        ], `${dir}/${name}.csv`);
      }),
    ])
  );
  return { ms, bytes };
}
