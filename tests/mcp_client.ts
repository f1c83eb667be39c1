/** The MCP tests' shared pieces: a demo exports folder, SDK clients, result helpers, the server. */
import { ok } from "node:assert/strict";
import { fileURLToPath } from "node:url";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { createMcpServer } from "../lib/mcp/server.ts";
import { createMcpHttpHandler } from "../lib/mcp/http.ts";
import pl from "nodejs-polars";
import { readExportFile } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { demoExport } from "./demo_export_fixture.ts";
import { denoCacheEnv } from "./env.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const TOKEN = "mcp-test-token-0123456789abcdef0123456789";
export const MAX_ROWS = 50;

export type Values = Record<string, unknown>;
export interface ToolResult {
  content: { type: string; text?: string; data?: string; mimeType?: string }[];
  structuredContent?: Values;
  isError?: boolean;
}

export function column(frame: pl.DataFrame, name: string): unknown[] {
  return frame.getColumn(name).toArray() as unknown[];
}

export function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function close(actual: unknown, expected: number, what: string): void {
  ok(typeof actual === "number", `${what}: ${actual} is not a number`);
  ok(
    Math.abs((actual as number) - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

/**
 * Two demo exports (2026-10-01 and 2026-11-01, or the as-ofs given) in a fresh folder, each with
 * its history snapshot; the newer one's frame.
 */
export async function exportsFolder(
  [oldAsOf, newAsOf]: [string, string] = ["2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"],
) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_test_" });
  const old = await demoExport(dir, { asOf: oldAsOf });
  const current = await demoExport(dir, { asOf: newAsOf });
  return { dir, old, current, frame: current.data.frame };
}

/** `deno task mcp`'s own command line (its V8 flags too), so the tests run what users run. */
export const MCP_TASK_ARGS: string[] = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks
  .mcp
  .split(/\s+/).slice(1); // (without "deno")

/** `deno task mcp` over stdio, lib/mcp/main.ts by absolute path (as Claude Desktop runs it) in `cwd`. */
export function stdioClient(
  env: Record<string, string>,
  { cwd = ROOT }: { cwd?: string } = {},
) {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      ...MCP_TASK_ARGS.map((arg) => arg === "lib/mcp/main.ts" ? `${ROOT}lib/mcp/main.ts` : arg),
      "--env-file",
      "/dev/null",
    ],
    cwd,
    env: { PATH: Deno.env.get("PATH") ?? "", ...denoCacheEnv(), ...env },
    stderr: "pipe",
  });
  return { transport, client: new Client({ name: "pricing-kit-test", version: "1.0.0" }) };
}

/** A JSON-RPC answer as the server writes it on stdout. */
export interface RawAnswer {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * `deno task mcp` (demo data: an empty exports folder of its own) spoken to in raw stdin bytes, as
 * a hand-written client or a shell pipe sends them (the SDK's client cannot): `write` sends text,
 * `answersUntil(id)` reads the answers in the order they come up to the one with that id, `close`
 * ends the process and removes the folder.
 */
export async function rawStdioSession(): Promise<{
  write(text: string): Promise<void>;
  answersUntil(id: unknown): Promise<RawAnswer[]>;
  close(): Promise<void>;
}> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_raw_stdio_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [...MCP_TASK_ARGS, "--env-file", "/dev/null"],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      ...denoCacheEnv(),
      PRICING_MCP_EXPORTS_DIR: dir,
    },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    write: (text) => writer.write(new TextEncoder().encode(text)),
    answersUntil: async (id) => {
      const answers: RawAnswer[] = [];
      let pending = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        answers.push(...lines.map((line) => JSON.parse(line)));
        if (answers.some((answer) => answer.id === id)) break;
      }
      return answers;
    },
    close: async () => {
      await writer.close().catch(() => {});
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * How long call waits for a tool's answer: a guard against a hung server, not a time the answer
 * must come within (the SDK's default, 60 s, was passed by a burst of query_sql statements on a
 * loaded machine, whose answers were right).
 */
export const ANSWER_TIMEOUT_MS = 10 * 60_000;

export async function call(client: Client, name: string, args: Values = {}): Promise<ToolResult> {
  return await client.callTool({ name, arguments: args }, undefined, {
    timeout: ANSWER_TIMEOUT_MS,
  }) as unknown as ToolResult;
}

export function text(result: ToolResult): string {
  return result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

export function refused(result: ToolResult, pattern: RegExp): void {
  ok(result.isError, `expected an error, got ${text(result).slice(0, 200)}`);
  const message = text(result);
  ok(!message.includes("\n"), `one line: ${message}`);
  ok(pattern.test(message), message);
}

export const TOOLS = [
  "account_outlook",
  "chart",
  "compare_exports",
  "describe_dataset",
  "key_question",
  "mrr_history",
  "organization",
  "query_sql",
  "run_scenario",
  "segment",
];

/** `deno task serve --port 0` as a child process; resolves with its URL once it listens. */
export async function startServe(env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "lib/server/main.ts", "--demo", "--port", "0", "--env-file", "/dev/null"],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited before listening: ${seen}`);
    seen += value;
    const match = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (match) {
      // Keep draining stderr (the access log) so the child never blocks on a full pipe.
      (async () => {
        try {
          for (let next = await reader.read(); !next.done; next = await reader.read()) {
            seen += next.value;
          }
        } catch { /* closed */ }
      })();
      return {
        url: match[1],
        /** what it printed so far (the access log) */
        log: () => seen,
        /** SIGTERM, then its exit status */
        async stop(): Promise<Deno.CommandStatus> {
          child.kill("SIGTERM");
          return await child.status;
        },
      };
    }
  }
}

/** Marks a copied org name in a "live" export: served only where live data may be. */
export const LIVE_MARKER = "LIVE SECRET GmbH";

/**
 * A live export in `dir` dated `date` (YYYY-MM-DD), made from the demo export `demoCsv`: its CSV
 * with one name replaced by LIVE_MARKER, its revenue read from Stripe (revenue_source stripe, not
 * the demo generator's demo, which makes any file demo data) and its manifest saying
 * `"demo": false` (what a cron job's export looks like to the MCP store). `name` overrides the
 * file stem (e.g. a `_demo` name).
 */
export async function liveExport(
  dir: string,
  options: { demoCsv: string; date: string; stem?: string; warnings?: string[] },
): Promise<string> {
  const stem = options.stem ?? `helicone_pricing_data_${options.date}`;
  const demo = (await readExportFile(options.demoCsv)).frame;
  const live = demo.withColumns(
    pl.when(pl.col("revenue_source").eq(pl.lit("demo"))).then(pl.lit("stripe"))
      .otherwise(pl.col("revenue_source")).alias("revenue_source"),
    pl.when(pl.col("org_name").eq(pl.lit("Müller & Söhne GmbH"))).then(pl.lit(LIVE_MARKER))
      .otherwise(pl.col("org_name")).alias("org_name"),
  );
  ok(
    (live.getColumn("org_name").toArray() as unknown[]).includes(LIVE_MARKER),
    "the demo export has the name the marker replaces",
  );
  await writeCsvFile(live, `${dir}/${stem}.csv`);
  const manifest = JSON.parse(
    await Deno.readTextFile(options.demoCsv.replace(/\.csv$/, ".manifest.json")),
  );
  manifest.demo = false;
  manifest.as_of = `${options.date}T00:00:00.000Z`;
  if (options.warnings) manifest.warnings = options.warnings;
  await Deno.writeTextFile(`${dir}/${stem}.manifest.json`, JSON.stringify(manifest));
  return `${dir}/${stem}.csv`;
}

/** An SDK client on a server over `store`, in this process (the SDK's in-memory transport). */
export async function connectInMemory(store: DatasetStore) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createMcpServer(store);
  await server.connect(serverSide);
  const client = new Client({ name: "pricing-kit-test", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

/**
 * /mcp of `store` served on a free loopback port with every request let in (no token), as
 * `deno task serve` routes it (`hold` as the admin server counts streamed answers in flight);
 * `server.shutdown()` when done.
 */
export function serveMcpHttp(store: DatasetStore, { hold }: { hold?: () => () => void } = {}) {
  const handler = createMcpHttpHandler(store.settings, {
    auth: { check: () => ({ ok: true }) },
    store,
    hold,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return { server, url: new URL(`http://127.0.0.1:${server.addr.port}/mcp`) };
}

/**
 * compare_exports' default (the newest export against the one before) over the exports in `dir`,
 * answered without an error: its text and structuredContent.
 */
export async function compareNewestTwo(dir: string): Promise<{ text: string; structured: Values }> {
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "compare_exports", {});
    ok(result.isError === undefined, text(result));
    return { text: text(result), structured: result.structuredContent! };
  } finally {
    await close();
  }
}

/**
 * A /mcp POST's JSON-RPC answer: its JSON body, or the answer among its event stream's events (a
 * tools/call is answered as a stream; lib/mcp/http_stream.ts).
 */
export async function answerOf(response: Response): Promise<unknown> {
  if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return await response.json();
  }
  const events = (await response.text()).split("\n").filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>);
  return events.find((event) => "result" in event || "error" in event);
}
