/**
 * The MCP server at scale, driven as Claude drives it: every tool through the official SDK's stdio
 * client, one call at a time, then a burst of calls at once, a client cancel during a slow call
 * (mrr_history cold), and rounds of the same calls to see whether memory grows call by call.
 * Prints, per call: wall time, the CPU the server and its child processes spent (Linux /proc),
 * the server's peak RSS during the call (its high-water mark reset before each call), its child
 * processes' peak (query_sql's, mrr_history's), and the answer's size (text and structuredContent,
 * as PRICING_MCP_MAX_BYTES counts them) against the bound.
 *
 *   deno run -A bench/mcp_scale.ts --dir DIR [--phases calls,burst,cancel,rounds] [--rounds 5] [--http]
 *
 * `--phases compare` measures compare_exports alone, after describe_dataset has loaded the served
 * export: its peak is the served frame's and the older side's read and comparison.
 *
 * With --http the server is `deno task serve` (its /mcp, with a token) and the client the SDK's
 * Streamable HTTP one.
 *
 * DIR holds the export (a 1M one: `deno task bench --scale large`'s exports-large, copied) and its
 * history/ (bench/history_months.ts writes twelve 1M month ends). The history's caches are made
 * cold before the first mrr_history call (bench/history_months.ts forgetCaches): it is slow then.
 */
import "../lib/core/polars_sums.ts";
import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  call,
  MCP_TASK_ARGS,
  ROOT,
  stdioClient,
  text,
  TOKEN,
  type ToolResult,
  type Values,
} from "../tests/mcp_client.ts";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SEGMENT_NAMES } from "../lib/report/segments.ts";
import { QUESTION_NAMES } from "../lib/mcp/questions.ts";
import { CHART_NAMES } from "../lib/mcp/tools_chart.ts";
import { jsonBytes } from "../lib/mcp/result.ts";
import { sentLength } from "../lib/mcp/text.ts";
import { forgetCaches } from "./history_months.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    phases: { type: "string", default: "calls,burst,cancel,rounds" },
    rounds: { type: "string", default: "5" },
    "max-bytes": { type: "string", default: "65536" },
    http: { type: "boolean", default: false },
  },
});
if (!values.dir) throw new Error("--dir DIR: the exports folder (its history/ beside)");
const dir = values.dir;
const maxBytes = Number(values["max-bytes"]);
const phases = new Set(values.phases.split(","));

const serverEnv = {
  PRICING_MCP_EXPORTS_DIR: dir,
  PRICING_HISTORY_DIR: join(dir, "history"),
  PRICING_MCP_MAX_BYTES: String(maxBytes),
};
/** `deno task serve --port 0` with a token: its pid, its /mcp client and how to stop it */
async function overHttp() {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...MCP_TASK_ARGS.slice(0, -1),
      `${ROOT}lib/server/main.ts`,
      "--port",
      "0",
      "--env-file",
      "/dev/null",
    ],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...serverEnv,
      PRICING_SERVER_TOKEN: TOKEN,
      // a live export is served only by a server set up for live data (never reached here:
      // /mcp reads the exports folder)
      PRICING_PG_URL: "postgres://bench:bench@127.0.0.1:9/postgres",
      PRICING_CH_URL: "http://127.0.0.1:9",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the server exited: ${seen}`);
    seen += value;
    url = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  }
  (async () => {
    while (!(await lines.read()).done) { /* the access log, drained */ }
  })();
  const client = new Client({ name: "pricing-kit-bench", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    }),
  );
  return {
    client,
    pid: child.pid,
    async close() {
      await client.close();
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
async function overStdio() {
  const { transport, client } = stdioClient(serverEnv);
  await client.connect(transport);
  return { client, pid: transport.pid!, close: () => client.close() };
}
const connection = values.http ? await overHttp() : await overStdio();
const { client, pid } = connection;

const status = (p: number, key: string) =>
  Number(Deno.readTextFileSync(`/proc/${p}/status`).match(new RegExp(`${key}:\\s+(\\d+)`))![1]) /
  1024;
function children(): number[] {
  try {
    const listed = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    return listed ? listed.split(" ").map(Number) : [];
  } catch {
    return [];
  }
}
/** CPU seconds of a process: its own and its ended children's (fields 14–17 of stat) */
function cpuOf(p: number): number {
  try {
    const fields = Deno.readTextFileSync(`/proc/${p}/stat`).split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) /
      100;
  } catch {
    return 0;
  }
}
/** the server's CPU and its live children's (query_sql's process lives on between calls) */
const cpuNow = () => cpuOf(pid) + children().reduce((sum, child) => sum + cpuOf(child), 0);
function resetPeaks() {
  for (const p of [pid, ...children()]) {
    try {
      Deno.writeTextFileSync(`/proc/${p}/clear_refs`, "5");
    } catch { /* ended */ }
  }
}

interface Figures {
  seconds: number;
  cpu: number;
  peakMb: number;
  rssMb: number;
  childPeakMb: number;
  bytes: number;
  /** the result as JSON on the wire (the text's quotes and line breaks escaped) */
  wireBytes: number;
  /** progress notifications heard */
  notes: number;
}
/** one call measured: peak RSS reset before it, children sampled every 50 ms during it */
async function measured(
  name: string,
  args: Values,
  options: { signal?: AbortSignal; timeout?: number; progress?: boolean } = {},
): Promise<{ result: ToolResult | Error; figures: Figures }> {
  let notes = 0;
  resetPeaks();
  let childPeakMb = 0;
  const sample = () => {
    for (const child of children()) {
      try {
        childPeakMb = Math.max(childPeakMb, status(child, "VmHWM"));
      } catch { /* ended */ }
    }
  };
  const watching = setInterval(sample, 50);
  const cpuBefore = cpuNow();
  const started = performance.now();
  let result: ToolResult | Error;
  try {
    // with `timeout`, as a client with that request timeout (the SDK's default is 60 s), hearing
    // progress and resetting it on each note when `progress` is set; else call()'s guard
    result = options.timeout !== undefined || options.signal
      ? await client.callTool({ name, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeout ?? 600_000,
        ...(options.progress ? { onprogress: () => notes++, resetTimeoutOnProgress: true } : {}),
      }) as unknown as ToolResult
      : await call(client, name, args);
  } catch (error) {
    result = error as Error;
  }
  const seconds = (performance.now() - started) / 1000;
  sample();
  clearInterval(watching);
  const figures = {
    seconds,
    cpu: cpuNow() - cpuBefore,
    peakMb: status(pid, "VmHWM"),
    rssMb: status(pid, "VmRSS"),
    childPeakMb,
    // as PRICING_MCP_MAX_BYTES counts them: the text's bytes as sent and structuredContent's JSON
    bytes: result instanceof Error
      ? 0
      : sentLength(text(result)) + jsonBytes(result.structuredContent ?? {}),
    wireBytes: result instanceof Error ? 0 : jsonBytes(result),
    notes,
  };
  return { result, figures };
}

function line(
  name: string,
  args: Values,
  { result, figures }: Awaited<ReturnType<typeof measured>>,
) {
  const outcome = result instanceof Error
    ? `thrown: ${result.message.slice(0, 160)}`
    : result.isError
    ? `error: ${text(result).slice(0, 160)}`
    : "ok";
  const over = figures.bytes > maxBytes ? " OVER THE BOUND" : "";
  console.log(
    `| ${name} ${JSON.stringify(args).slice(0, 70)} | ${figures.seconds.toFixed(2)} s | ${
      figures.cpu.toFixed(2)
    } s | ${figures.peakMb.toFixed(0)} MB (RSS after ${figures.rssMb.toFixed(0)}) | ${
      figures.childPeakMb.toFixed(0)
    } MB | ${figures.bytes}${over} (wire ${figures.wireBytes}) | ${figures.notes} | ${
      outcome.replaceAll("|", "\\|").replaceAll("\n", " ⏎ ")
    } |`,
  );
}

const ALL_ROWS = "SELECT * FROM pricing_data";
const ORDER_1M = "SELECT org_id, org_name, mrr, llm_cost_30d FROM pricing_data " +
  "ORDER BY llm_cost_30d DESC NULLS LAST, org_id";
const calls: [string, Values][] = [
  ["describe_dataset", {}],
  ["query_sql", {
    sql: "SELECT tier, count(*) AS n, sum(mrr) AS mrr FROM pricing_data GROUP BY tier",
  }],
  ["query_sql", { sql: ALL_ROWS }],
  ["query_sql", { sql: ORDER_1M }],
  ["query_sql", { sql: "SELECT * FROM history ORDER BY mrr DESC NULLS LAST" }],
  ["query_sql", {
    sql: "SELECT as_of, count(*) AS n, sum(mrr) AS mrr FROM history GROUP BY as_of ORDER BY as_of",
  }],
  ["organization", { org: "Org 1" }],
  ...QUESTION_NAMES.map((question): [string, Values] => ["key_question", { question }]),
  ...SEGMENT_NAMES.map((name): [string, Values] => ["segment", { name }]),
  ...CHART_NAMES.map((name): [string, Values] => ["chart", { name }]),
  ["run_scenario", { preset: "current_seat_based" }],
  ["compare_exports", {}],
];

async function resources() {
  for (const uri of (await client.listResources()).resources.map((r) => r.uri)) {
    const started = performance.now();
    resetPeaks();
    try {
      const read = await client.readResource({ uri }, { timeout: 600_000 });
      // as the resources' cut counts them: the text's bytes as sent (a blob's base64)
      const bytes = read.contents.reduce(
        (sum, part) =>
          sum + ("text" in part ? sentLength(String(part.text)) : String(part.blob ?? "").length),
        0,
      );
      console.log(
        `| resource ${uri} | ${((performance.now() - started) / 1000).toFixed(2)} s | | ${
          status(pid, "VmHWM").toFixed(0)
        } MB | | ${bytes}${bytes > maxBytes ? " OVER THE BOUND" : ""} | | ok |`,
      );
    } catch (error) {
      console.log(
        `| resource ${uri} | | | | | | | thrown: ${(error as Error).message.slice(0, 160)} |`,
      );
    }
  }
}

const header =
  "| call | wall | CPU | server peak | children peak | bytes | progress notes | outcome |\n" +
  "| --- | --- | --- | --- | --- | --- | --- | --- |";
try {
  console.log(`server pid ${pid}, exports ${dir}, PRICING_MCP_MAX_BYTES ${maxBytes}`);
  if (phases.has("calls")) {
    console.log(`\n### one at a time\n\n${header}`);
    for (const [name, args] of calls) line(name, args, await measured(name, args));
    await resources();
    await forgetCaches(join(dir, "history")).catch(() => {}); // (no history: answered at once)
    // cold, as a client with the SDK's default timeout (60 s) that asks for no progress; then
    // one that resets that timeout on progress (the build resumes from the caches written)
    line(
      "mrr_history (cold, 60 s timeout)",
      {},
      await measured("mrr_history", {}, { timeout: 60_000 }),
    );
    line(
      "mrr_history (60 s timeout reset on progress)",
      {},
      await measured("mrr_history", {}, { timeout: 60_000, progress: true }),
    );
    for (const args of [{}, { cohorts: true }]) {
      line("mrr_history (warm)", args, await measured("mrr_history", args));
    }
  }
  if (phases.has("quick")) {
    // a few calls, over HTTP too: the served table, its largest answers and the bridge
    console.log(`\n### a few calls\n\n${header}`);
    const quick = calls.filter(([name, args]) =>
      ["describe_dataset", "organization", "compare_exports"].includes(name) ||
      args.sql === ALL_ROWS || args.sql === ORDER_1M
    );
    for (const [name, args] of [...quick, ["mrr_history", {}] as [string, Values]]) {
      line(name, args, await measured(name, args));
    }
  }
  if (phases.has("compare")) {
    // compare_exports alone, the served export loaded first: the newest against the one before
    console.log(`\n### compare_exports\n\n${header}`);
    line("describe_dataset", {}, await measured("describe_dataset", {}));
    line("compare_exports", {}, await measured("compare_exports", {}));
  }
  if (phases.has("history")) {
    // query_sql's table history alone: the snapshots put into query_sql's process
    console.log(`\n### query_sql over history\n\n${header}`);
    for (const [name, args] of calls.filter(([, args]) => /history/.test(String(args.sql)))) {
      line(name, args, await measured(name, args));
    }
  }
  if (phases.has("burst")) {
    // what a model sends at once: the same calls, all in flight together
    const burst: [string, Values][] = [
      ["describe_dataset", {}],
      ...Array.from({ length: 6 }, (_, i): [string, Values] => [
        "query_sql",
        { sql: `SELECT plan, count(*) AS n FROM pricing_data WHERE seats > ${i} GROUP BY plan` },
      ]),
      ["query_sql", { sql: ORDER_1M }],
      ["key_question", { question: QUESTION_NAMES[0] }],
      ["run_scenario", { preset: "current_seat_based" }],
      ["compare_exports", {}],
      ["organization", { org: "Org 2" }],
      ["mrr_history", {}],
    ];
    console.log(`\n### ${burst.length} calls at once\n`);
    resetPeaks();
    const cpuBefore = cpuNow();
    const started = performance.now();
    const answers = await Promise.all(burst.map(async ([name, args]) => {
      const t = performance.now();
      const result = await call(client, name, args).catch((error) => error as Error);
      return { name, args, result, seconds: (performance.now() - t) / 1000 };
    }));
    for (const { name, args, result, seconds } of answers) {
      const outcome = result instanceof Error
        ? `thrown: ${result.message.slice(0, 160)}`
        : result.isError
        ? `error: ${text(result).slice(0, 160)}`
        : "ok";
      console.log(
        `- ${name} ${JSON.stringify(args).slice(0, 70)}: ${seconds.toFixed(2)} s, ${outcome}`,
      );
    }
    console.log(
      `all: ${((performance.now() - started) / 1000).toFixed(2)} s, CPU ${
        (cpuNow() - cpuBefore).toFixed(2)
      } s, server peak ${status(pid, "VmHWM").toFixed(0)} MB`,
    );
  }
  if (phases.has("cancel")) {
    console.log(`\n### client cancel during mrr_history cold\n`);
    await forgetCaches(join(dir, "history")).catch(() => {});
    const abort = new AbortController();
    const cancelAfterMs = 5_000;
    setTimeout(() => abort.abort(new Error("cancelled by the client")), cancelAfterMs);
    const before = children();
    const cancelled = await measured("mrr_history", {}, { signal: abort.signal });
    line("mrr_history (cancelled at 5 s)", {}, cancelled);
    // the build's process must go once the server hears the cancel
    const build = children().filter((child) => !before.includes(child));
    const cancelledAt = performance.now();
    while (
      children().some((child) => !before.includes(child)) &&
      performance.now() - cancelledAt < 60_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const left = children().filter((child) => !before.includes(child));
    console.log(
      `build processes after the cancel: ${build.join(",") || "none"}; still running after ${
        ((performance.now() - cancelledAt) / 1000).toFixed(2)
      } s: ${left.join(",") || "none"}`,
    );
    const cpuStart = cpuNow();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    console.log(`server CPU in the 3 s after: ${(cpuNow() - cpuStart).toFixed(2)} s`);
    line("describe_dataset (after the cancel)", {}, await measured("describe_dataset", {}));
  }
  if (phases.has("rounds")) {
    console.log(`\n### rounds of the same calls: RSS after each\n`);
    const round: [string, Values][] = [
      ["describe_dataset", {}],
      ["query_sql", { sql: ORDER_1M }],
      ["organization", { org: "Org 3" }],
      ["key_question", { question: QUESTION_NAMES[0] }],
      ["segment", { name: SEGMENT_NAMES[0] }],
      ["chart", { name: CHART_NAMES[0] }],
      ["run_scenario", { preset: "current_seat_based" }],
      ["compare_exports", {}],
    ];
    for (let r = 1; r <= Number(values.rounds); r++) {
      const started = performance.now();
      for (const [name, args] of round) await call(client, name, args);
      console.log(
        `round ${r}: ${((performance.now() - started) / 1000).toFixed(2)} s, server RSS ${
          status(pid, "VmRSS").toFixed(0)
        } MB, peak ${status(pid, "VmHWM").toFixed(0)} MB`,
      );
    }
  }
} finally {
  await connection.close();
}
