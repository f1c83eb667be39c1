/**
 * Server memory under concurrent downloads (issue 10 item 8): the admin server in this process,
 * the demo pipeline stacked to `--orgs` organizations (no databases needed), then `--clients`
 * downloads of one cached run at once, CSV then XLSX. Prints resident memory (RSS) before, the
 * peak while they run (sampled every 20 ms), and after; a figure, not a pass/fail.
 *
 *   deno task bench:server [--orgs 10000] [--clients 50] [--json]
 *
 * Run in its own process (deno task bench runs it after the export benchmark) so the RSS is the
 * server's alone.
 */
import { benchFlags, benchWholeNumber } from "./args.ts";
import pl from "nodejs-polars";
import { loadPricingData } from "../lib/export.ts";
import { createHandler } from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";

const values = benchFlags(Deno.args, {
  options: {
    orgs: { type: "string", default: "10000" },
    clients: { type: "string", default: "50" },
    json: { type: "boolean", default: false },
  },
  usage: "Usage: deno task bench:server [--orgs 10000] [--clients 50] [--json]",
});
const orgs = benchWholeNumber("orgs", values.orgs, 400);
const clients = benchWholeNumber("clients", values.clients, 1);

const rssMb = () => Math.round(Deno.memoryUsage().rss / 1024 / 1024);

const token = crypto.randomUUID() + crypto.randomUUID();
const settings = serverSettings(parseServerArgs(["--demo"]), { PRICING_SERVER_TOKEN: token });
const handler = createHandler(settings, {
  loadData: async (options) => {
    const data = await loadPricingData(options);
    const times = Math.ceil(orgs / data.frame.height);
    const frame = pl.concat(Array.from({ length: times }, () => data.frame)).head(orgs);
    return { ...data, frame };
  },
  hooks: { log: () => {} },
});
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
const url = `http://127.0.0.1:${server.addr.port}/v1/admin/pricing-analytics/export`;
const headers = { Authorization: `Bearer ${token}` };

interface Round {
  format: string;
  clients: number;
  beforeMb: number;
  peakMb: number;
  afterMb: number;
  wallMs: number;
  bytesEach: number;
}

async function round(format: "csv" | "xlsx"): Promise<Round> {
  // Warm the run cache (one download), so the round measures downloads, not the pipeline.
  await (await fetch(`${url}?format=${format}`, { headers })).arrayBuffer();
  const beforeMb = rssMb();
  let peakMb = beforeMb;
  const sampler = setInterval(() => peakMb = Math.max(peakMb, rssMb()), 20);
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: clients }, async () => {
    const response = await fetch(`${url}?format=${format}`, { headers });
    if (response.status !== 200) throw new Error(`${format}: status ${response.status}`);
    let bytes = 0;
    for await (const chunk of response.body!) bytes += chunk.byteLength;
    return bytes;
  }));
  const wallMs = Math.round(performance.now() - started);
  clearInterval(sampler);
  peakMb = Math.max(peakMb, rssMb());
  return {
    format,
    clients,
    beforeMb,
    peakMb,
    afterMb: rssMb(),
    wallMs,
    bytesEach: sizes[0],
  };
}

try {
  const startMb = rssMb();
  const rounds = [await round("csv"), await round("xlsx")];
  if (values.json) console.log(JSON.stringify({ orgs, clients, startMb, rounds }));
  else {
    console.log(
      `Server downloads: ${orgs} organizations, ${clients} concurrent clients per format (RSS at start ${startMb} MB)\n`,
    );
    console.log("| format | RSS before | RSS peak | RSS after | wall | bytes each |");
    console.log("| ------ | ---------- | -------- | --------- | ---- | ---------- |");
    for (const r of rounds) {
      console.log(
        `| ${r.format} | ${r.beforeMb} MB | ${r.peakMb} MB | ${r.afterMb} MB | ${
          (r.wallMs / 1000).toFixed(2)
        } s | ${r.bytesEach} |`,
      );
    }
  }
} finally {
  await server.shutdown();
}
