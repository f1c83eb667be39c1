/**
 * MCP `mrr_history` at scale: a 12-month history of N organizations (default 200,000), written
 * here from a formula (no databases or Stripe: the bridge reads the snapshots, not how they were
 * made), served by `deno task mcp` over stdio through the official SDK client. The tool is called
 * cold (no sidecar sums, no `.bridge-state/`) and then warm, while describe_dataset is called
 * every 100 ms on the same connection: prints each mrr_history call's time, the worst
 * describe_dataset latency during it (how long the server's event loop was held), the server's
 * RSS and peak RSS and its child processes' peak RSS, sampled every 100 ms (Linux /proc).
 *
 *   deno run -A bench/mcp_mrr_history.ts [--orgs 200000] [--months 12] [--dir DIR] [--runs cold,warm]
 *
 * The history is bench/history_months.ts's (EUR and JPY customers, shared customers, churn,
 * expansion and reactivation every month). With --dir its snapshots are written there once
 * and kept (a 12 × 1M history takes minutes to write); without it, in a temp folder removed after.
 * Its environment's PRICING_MCP_HISTORY_* settings go to the server.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { forgetCaches, writeHistoryMonths } from "./history_months.ts";
import { call, stdioClient, text } from "../tests/mcp_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    orgs: { type: "string", default: "200000" },
    months: { type: "string", default: "12" },
    dir: { type: "string" },
    runs: { type: "string", default: "cold,warm" },
  },
});
const orgs = Number(values.orgs);
const months = Number(values.months);

const dir = values.dir ?? await Deno.makeTempDir({ prefix: "mcp-mrr-history-bench-" });
try {
  await writeHistoryMonths({ dir, orgs, months, keep: values.dir !== undefined });

  const limits = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => name.startsWith("PRICING_MCP_HISTORY_")),
  );
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir, ...limits });
  await client.connect(transport);
  const pid = transport.pid;
  const memory = () => {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const mb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))![1]) / 1024;
    return `RSS ${mb("VmRSS").toFixed(0)} MB, peak ${mb("VmHWM").toFixed(0)} MB`;
  };
  const cpuSeconds = () => {
    // fields 14–17 of /proc/<pid>/stat, in clock ticks (100 a second): utime + stime, and
    // cutime + cstime (its ended child processes': mrr_history's build runs in one)
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    const ticks = (a: number, b: number) => (Number(fields[a]) + Number(fields[b])) / 100;
    return { server: ticks(11, 12), children: ticks(13, 14) };
  };
  /** the peak RSS in MB of the server's child processes (mrr_history's build), 0 when none */
  const childrenPeakMb = () => {
    let peak = 0;
    try {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
      for (const child of children ? children.split(" ") : []) {
        const status = Deno.readTextFileSync(`/proc/${child}/status`);
        peak = Math.max(peak, Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024);
      }
    } catch { /* a child ended between the reads */ }
    return peak;
  };
  try {
    // the dataset loaded and the tools warmed: what is left is mrr_history's own work
    await call(client, "describe_dataset", {});
    console.log(
      `mrr_history over ${months} months × ${orgs} organizations (server after describe_dataset: ${memory()})\n`,
    );
    for (const run of values.runs.split(",")) {
      let stop = false;
      let worst = 0;
      let pings = 0;
      const pinging = (async () => {
        while (!stop) {
          const started = performance.now();
          await call(client, "describe_dataset", {});
          worst = Math.max(worst, performance.now() - started);
          pings++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      if (run === "cold") await forgetCaches(join(dir, "history"));
      let childPeak = 0;
      const watching = setInterval(() => childPeak = Math.max(childPeak, childrenPeakMb()), 100);
      const cpuBefore = cpuSeconds();
      const started = performance.now();
      const result = await call(client, "mrr_history", {});
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = cpuSeconds();
      clearInterval(watching);
      stop = true;
      await pinging;
      const failed = result.isError ? ` (error: ${text(result).slice(0, 200)})` : "";
      console.log(
        `${run}: ${seconds.toFixed(2)} s (CPU: server ${
          (cpuAfter.server - cpuBefore.server).toFixed(2)
        } s, child processes ${
          (cpuAfter.children - cpuBefore.children).toFixed(2)
        } s), describe_dataset worst ${
          (worst / 1000).toFixed(2)
        } s over ${pings} calls, server ${memory()}, child process peak ${
          childPeak.toFixed(0)
        } MB${failed}`,
      );
    }
  } finally {
    await client.close();
  }
} finally {
  if (values.dir === undefined) await Deno.remove(dir, { recursive: true });
}
