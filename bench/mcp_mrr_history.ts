/**
 * MCP `mrr_history` at scale: a 12-month history of N organizations (default 200,000), written
 * here from a formula (no databases or Stripe: the bridge reads the snapshots, not how they were
 * made), served by `deno task mcp` over stdio through the official SDK client. The tool is called
 * cold (no sidecar sums, no `.bridge-state/`) and then warm, while describe_dataset is called
 * every 100 ms on the same connection: prints each mrr_history call's time, the worst
 * describe_dataset latency during it (how long the server's event loop was held), the server's
 * RSS and peak RSS and its child processes' peak RSS, sampled every 100 ms (Linux /proc).
 *
 *   deno run -A bench/mcp_mrr_history.ts [--orgs 200000] [--months 12]
 *
 * Each organization has a Stripe customer; every 10th is billed in EUR (1.10 USD); a 7th of them
 * add a seat a month, and one in 23 pauses its payment in turn (churn, then reactivation), so
 * every month has new, expansion, churn and reactivation to bridge.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { call, stdioClient, text } from "../tests/mcp_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    orgs: { type: "string", default: "200000" },
    months: { type: "string", default: "12" },
  },
});
const orgs = Number(values.orgs);
const months = Number(values.months);

/** the organizations as of month `m` (0 = the oldest month end) */
function monthFrame(m: number) {
  const ids = Array.from({ length: orgs }, (_, i) => i);
  const paying = (i: number) => (i * 31 + m * 7) % 23 !== 0;
  const mrr = (i: number) => paying(i) ? 20 * (1 + ((i + (i % 7 === 0 ? m : 0)) % 9)) : 0;
  return exportFrameFromColumns({
    org_id: ids.map((i) => `org_${i}`),
    org_name: ids.map((i) => `Org ${i}`),
    tier: ids.map((i) => paying(i) ? "pro" : "free"),
    plan: ids.map((i) => paying(i) ? (i % 3 === 0 ? "team" : "pro") : "free"),
    stripe_customer_id: ids.map((i) => `cus_${i}`),
    revenue_source: ids.map(() => "stripe"),
    currency: ids.map((i) => i % 10 === 0 ? "EUR" : "USD"),
    mrr_recurring: ids.map(mrr),
    mrr: ids.map(mrr),
    subscription_status: ids.map((i) => paying(i) ? "active" : "canceled"),
    requests_30d: ids.map((i) => 100 + i % 1000),
    llm_cost_30d: ids.map(() => 0),
    llm_cost_ptb_30d: ids.map(() => 0),
  });
}

const dir = await Deno.makeTempDir({ prefix: "mcp-mrr-history-bench-" });
try {
  console.error(`writing ${months} month ends of ${orgs} organizations in ${dir} …`);
  const last = new Date("2026-11-01T00:00:00Z");
  let frame = monthFrame(0);
  for (let m = 0; m < months; m++) {
    frame = monthFrame(m);
    const asOf = new Date(last);
    asOf.setUTCMonth(last.getUTCMonth() - (months - 1 - m));
    await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf,
      demo: false,
      origin: "backfill",
      fxRates: { EUR: 1.1 },
    });
  }
  await writeCsvFile(frame, join(dir, "helicone_pricing_data_2026-11-01.csv"));

  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
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
    for (const run of ["cold", "warm"]) {
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
  await Deno.remove(dir, { recursive: true });
}
