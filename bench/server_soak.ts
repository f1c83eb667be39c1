/**
 * Soak of the long-running servers: `deno task serve` (the admin page and /mcp) as a process of its
 * own, with a token, demo data and an exports folder of two demo exports, sent thousands of
 * requests of every kind (bench/server_soak_requests.ts: page loads, reports, CSV/XLSX downloads,
 * runs past the cache, progress asks, every MCP tool, sessions never closed, clients that leave
 * mid-answer, malformed requests, now and then an MCP run_export). Every `--sample-every`
 * operations it prints what the server holds: resident memory, open descriptors by kind, threads,
 * child processes, files in its temporary folder and in the exports folder. A figure, not a
 * pass/fail: a line that keeps growing is a leak to find (the tests then bound it).
 *
 *   deno run -A bench/server_soak.ts [--operations 2400] [--concurrency 4] [--sample-every 200]
 *     [--export-every 400] [--keep]
 */
import "../lib/core/polars_sums.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { demoExport } from "../tests/demo_export_fixture.ts";
import { benchFlags, benchWholeNumber } from "./args.ts";
import {
  EXPORT_KIND,
  type Kind,
  MCP_KINDS,
  PAGE_KINDS,
  type Target,
} from "./server_soak_requests.ts";

const values = benchFlags(Deno.args, {
  options: {
    operations: { type: "string", default: "2400" },
    concurrency: { type: "string", default: "4" },
    "sample-every": { type: "string", default: "200" },
    "export-every": { type: "string", default: "400" },
    keep: { type: "boolean", default: false },
  },
  usage: "Usage: deno run -A bench/server_soak.ts [--operations 2400] [--concurrency 4] " +
    "[--sample-every 200] [--export-every 400] [--keep]",
});
const operations = benchWholeNumber("operations", values.operations, 1);
const concurrency = benchWholeNumber("concurrency", values.concurrency, 1);
const sampleEvery = benchWholeNumber("sample-every", values["sample-every"], 1);
const exportEvery = benchWholeNumber("export-every", values["export-every"], 0);

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SERVE_ARGS: string[] = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks
  .serve.split(/\s+/).slice(1);

const folder = await Deno.makeTempDir({ prefix: "pricing-kit-soak-" });
const exportsDir = join(folder, "exports");
const tmp = join(folder, "tmp");
await Deno.mkdir(exportsDir);
await Deno.mkdir(tmp);
for (const asOf of ["2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"]) {
  await demoExport(exportsDir, { asOf });
}

const token = crypto.randomUUID() + crypto.randomUUID();
const child = new Deno.Command(Deno.execPath(), {
  args: [...SERVE_ARGS, "--demo", "--port", "0", "--env-file", "/dev/null"],
  cwd: ROOT,
  env: {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    TMPDIR: tmp,
    PRICING_SERVER_TOKEN: token,
    PRICING_MCP_EXPORTS_DIR: exportsDir,
    PRICING_MCP_ALLOW_EXPORT: "1",
  },
  clearEnv: true,
  stdin: "null",
  stdout: "null",
  stderr: "piped",
}).spawn();
let log = "";
let accessLines = 0;
const url = await (async () => {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited before listening: ${log}`);
    log += value;
    const match = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (!match) continue;
    (async () => {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        accessLines += next.value.split("\n").filter((l) => / (GET|HEAD|POST) /.test(l)).length;
        log = (log + next.value).slice(-20_000);
      }
    })();
    return match[1];
  }
})();

/** Kinds of the server's open descriptors (socket, pipe, anon_inode, file), counted. */
function descriptors(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    let target = "?";
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch { /* closed meanwhile */ }
    // (anon_inode:[eventfd], [eventpoll], [timerfd]: told apart, as each is a different leak)
    const kind = target.startsWith("/")
      ? "file"
      : target.startsWith("anon_inode:")
      ? target.slice("anon_inode:".length).replace(/^\[|\]$/g, "")
      : target.split(":")[0];
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

function statusField(pid: number, field: string): number {
  const line = Deno.readTextFileSync(`/proc/${pid}/status`).split("\n")
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

/** The server's child processes (query_sql's, mrr_history's), by pid. */
function children(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) {
        found.push(Number(entry.name));
      }
    } catch { /* gone */ }
  }
  return found;
}

function filesUnder(dir: string): number {
  let count = 0;
  for (const entry of Deno.readDirSync(dir)) {
    count += 1 + (entry.isDirectory ? filesUnder(join(dir, entry.name)) : 0);
  }
  return count;
}

interface Sample {
  operations: number;
  requests: number;
  rssMb: number;
  hwmMb: number;
  fds: Record<string, number>;
  threads: number;
  children: number;
  tmpFiles: number;
  exportsFiles: number;
}

const samples: Sample[] = [];
function sample(done: number): void {
  const pid = child.pid;
  const s: Sample = {
    operations: done,
    requests: accessLines,
    rssMb: Math.round(statusField(pid, "VmRSS") / 1024),
    hwmMb: Math.round(statusField(pid, "VmHWM") / 1024),
    fds: descriptors(pid),
    threads: statusField(pid, "Threads"),
    children: children(pid).length,
    tmpFiles: filesUnder(tmp),
    exportsFiles: filesUnder(exportsDir),
  };
  samples.push(s);
  const fds = Object.entries(s.fds).sort().map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(
    `${String(s.operations).padStart(6)} ops ${String(s.requests).padStart(6)} requests  ` +
      `RSS ${s.rssMb} MB (peak ${s.hwmMb})  fds ${fds}  threads ${s.threads}  ` +
      `children ${s.children}  tmp ${s.tmpFiles}  exports ${s.exportsFiles}`,
  );
}

const kinds: [string, Kind][] = [...Object.entries(PAGE_KINDS), ...Object.entries(MCP_KINDS)];
let counter = 0;
const target: Target = { url, token, next: () => counter++ };
const failures = new Map<string, number>();
let started = 0;
let done = 0;
sample(0);
async function worker(): Promise<void> {
  while (started < operations) {
    const n = started++;
    const [name, kind] = exportEvery > 0 && n % exportEvery === exportEvery - 1
      ? ["run_export", EXPORT_KIND]
      : kinds[(n * 7) % kinds.length];
    try {
      await kind(target);
    } catch (error) {
      const key = `${name}: ${(error as Error).message.split("\n")[0]}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    if (++done % sampleEvery === 0) sample(done);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
// settled: nothing in flight (the last runs and downloads done)
while (true) {
  const health = await (await fetch(`${url}/healthz`)).json();
  if (health.runs === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
console.log("settled:");
sample(done);
for (const [key, count] of failures) console.log(`client-side failure ×${count}: ${key}`);
child.kill("SIGTERM");
const status = await child.status;
console.log(`server exit code ${status.code}; tmp files left ${filesUnder(tmp)}`);
if (values.keep) console.log(`kept: ${folder}`);
else await Deno.remove(folder, { recursive: true });
