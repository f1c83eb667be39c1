/**
 * The MCP server over a large export: every tool once (compare_exports against the export's own
 * history snapshot), in a row, through the official SDK's stdio client, with the server started as
 * `deno task mcp` starts it (its V8 flags). Prints each call's time and the server's RSS and peak
 * RSS after it (Linux /proc). Run `deno task bench --scale large` first for a 1M export, then:
 *
 *   deno run -A bench/mcp_tools.ts [exports folder]   # default outputs/bench/exports-large
 */
import { call, stdioClient, text, type Values } from "../tests/mcp_client.ts";
import { SEGMENT_NAMES } from "../lib/report/segments.ts";
import { QUESTION_NAMES } from "../lib/mcp/questions.ts";
import { CHART_NAMES } from "../lib/mcp/tools_chart.ts";
import { isoDate } from "../lib/formats/files.ts";
import { exportFileName } from "../lib/formats/export_names.ts";
import { AS_OF, BENCH_DIR } from "./seed.ts";

const dir = Deno.args[0] ?? `${BENCH_DIR}/exports-large`;
// the bench's export writes its history snapshot into the folder's history/ (compare_exports
// compares the export with it: every organization in both)
const { transport, client } = stdioClient({
  PRICING_MCP_EXPORTS_DIR: dir,
  PRICING_HISTORY_DIR: `${dir}/history`,
});
await client.connect(transport);
const pid = transport.pid;

function memory(): string {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const mb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))![1]) / 1024;
  return `RSS ${mb("VmRSS").toFixed(0)} MB, peak ${mb("VmHWM").toFixed(0)} MB`;
}

const calls: [string, Values][] = [
  ["describe_dataset", {}],
  ["query_sql", {
    sql: "SELECT tier, count(*) AS n, sum(mrr) AS mrr FROM pricing_data GROUP BY tier",
  }],
  ["organization", { org: "Org 1" }],
  ...QUESTION_NAMES.map((question): [string, Values] => ["key_question", { question }]),
  ...SEGMENT_NAMES.map((name): [string, Values] => ["segment", { name }]),
  ...CHART_NAMES.map((name): [string, Values] => ["chart", { name }]),
  ["run_scenario", { preset: "current_seat_based" }],
  ["compare_exports", {
    old: isoDate(AS_OF),
    new: exportFileName({ asOf: AS_OF, demo: false, ext: "csv" }),
  }],
];
try {
  for (const [name, args] of calls) {
    const started = performance.now();
    const result = await call(client, name, args);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const failed = result.isError ? ` (error: ${text(result).slice(0, 100)})` : "";
    console.log(`${name} ${JSON.stringify(args).slice(0, 60)}: ${seconds} s, ${memory()}${failed}`);
  }
} finally {
  await client.close();
}
