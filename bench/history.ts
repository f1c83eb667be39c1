/**
 * History benchmark: what snapshots and backfills cost at the benchmark's scale.
 *
 *   deno run -A bench/history.ts [--scale small|default|large] [--stripe-latency-ms 50] [--cached]
 *
 * Reuses the databases `deno task bench` seeded (outputs/bench/data-<scale>/; run it first) and a
 * fake Stripe API serving every 5th organization's subscription and its invoices (4 in 5 yearly,
 * 1 in 5 monthly with 13 months of invoices). Measures: one CSV export with its Parquet snapshot
 * (the snapshot stage against the whole export), a 12-month live backfill (invoice listing cold;
 * with --cached, once more from today's cache), the report, and an export beside those twelve
 * month-ends twice (the first sums them, the next resumes what the first kept). Prints a table; writes JSON to outputs/bench/.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadPricingData, runExport } from "../lib/export.ts";
import { backfill } from "../lib/history/backfill.ts";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { startClickHouse, startPostgres } from "../tests/servers.ts";
import { startFakeStripe } from "../tests/fake_stripe.ts";
import {
  everyFifthOrganization,
  fakeStripeData,
  MONTHLY_SEAT_PRICE,
  type SeatPrice,
  seatPrice,
  seatsOf,
} from "./stripe_data.ts";
import { benchEnv } from "./export_run.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BENCH_DIR = `${ROOT}outputs/bench`;
/** the as-of `deno task bench` seeds for */
const AS_OF = new Date("2026-11-01T00:00:00Z");
const DAY = 86_400;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scale: { type: "string", default: "default" },
    "stripe-latency-ms": { type: "string", default: "50" },
    cached: { type: "boolean", default: false },
  },
});
const dataDir = `${BENCH_DIR}/data-${values.scale}`;
let seeded: { orgs: number };
try {
  seeded = JSON.parse(await Deno.readTextFile(`${dataDir}/seeded.json`));
} catch {
  console.error(
    `error: ${dataDir} is not seeded: run deno task bench --scale ${values.scale} first`,
  );
  Deno.exit(1);
}

/** Subscriptions and invoices of every 5th organization (the seed's customer ids). */
function historyStripeData(orgs: number) {
  const monthly = MONTHLY_SEAT_PRICE;
  const yearly = seatPrice("price_pro_users_yearly", 20000, "year");
  const priceOf = (g: number) => g % 25 !== 0 ? yearly : monthly;
  const T = AS_OF.getTime() / 1000;
  const line = (g: number, p: SeatPrice, quantity: number, start: number, end: number) => ({
    id: `il_${g}_${start}`,
    amount: Number(p.unit_amount_decimal) * quantity,
    currency: "usd",
    quantity,
    period: { start, end },
    discount_amounts: [],
    taxes: [],
    pricing: { type: "price_details", price_details: { price: p.id } },
    parent: {
      type: "subscription_item_details",
      subscription_item_details: { subscription: `sub_${g}`, proration: false },
    },
  });
  const customers = everyFifthOrganization(orgs);
  const invoices = customers.flatMap((g) => {
    const p = priceOf(g);
    const periods: [number, number][] = p === yearly
      ? [[T - (g % 360) * DAY, T - (g % 360) * DAY + 365 * DAY]]
      : Array.from({ length: 13 }, (_, i) => [T - (13 - i) * 30 * DAY, T - (12 - i) * 30 * DAY]);
    return periods.map(([start, end]) => ({
      id: `in_${g}_${start}`,
      object: "invoice",
      customer: `cus_${g}`,
      status: "paid",
      created: start,
      currency: "usd",
      lines: {
        object: "list",
        has_more: false,
        data: [line(g, p, seatsOf(g), start, end)],
      },
    }));
  });
  return fakeStripeData({ customers, subscriptionIds: "plain", priceOf, invoices });
}

const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
};

const postgres = await startPostgres({ dir: `${dataDir}/pg` });
const clickhouse = await startClickHouse({ dir: `${dataDir}/ch` });
const data = historyStripeData(seeded.orgs);
const fake = startFakeStripe(data, "sk_test_bench", Number(values["stripe-latency-ms"]));
const env = benchEnv({ postgres, clickhouse }, fake);
const outDir = await Deno.makeTempDir({ dir: BENCH_DIR, prefix: "history-" });
try {
  // run as if minutes after the seed's as-of, as a production export: it stores its snapshot
  const ranAt = new Date(AS_OF.getTime() + 10 * 60_000);
  const base = { env, outDir, formats: ["csv" as const], charts: false, quiet: true, ranAt };
  console.error("export (warm-up) …");
  await runExport({ ...base, asOf: AS_OF, log: () => {} });
  console.error("export with snapshot …");
  const exported = await timed(() => runExport({ ...base, asOf: AS_OF, log: () => {} }));
  const stages = exported.value.data.stages;
  const snapshotBytes = (await Deno.stat(
    `${outDir}/history/helicone_pricing_data_2026-11-01.parquet`,
  )).size;
  const csvBytes = (await Deno.stat(exported.value.csvPath!)).size;

  const historyDir = `${outDir}/backfill`;
  const run = () =>
    backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env,
      historyDir,
      outDir,
      months: 12,
      last: AS_OF,
      now: AS_OF,
      quiet: true,
      log: (line) => console.error(`  ${line}`),
    });
  console.error("backfill 12 months (invoices cold) …");
  const cold = await timed(run);
  const warm = values.cached
    ? (console.error("backfill 12 months (invoices from today's cache) …"), await timed(run))
    : null;
  console.error("report …");
  const report = await timed(async () => {
    // as `deno task history report` reads them: lazy scans, one snapshot at a time
    const points = await loadMonthlyHistoryPoints(historyDir, { demo: false });
    const built = await loadHistoryReport(points, false);
    await writeHistoryReport(built, { chosenBy: ANOTHER_OUTPUT_FOLDER, outDir, charts: true });
    return built;
  });

  // an export beside the twelve stored month-ends: the first reads and sums every stored month
  // (and keeps their sums and the bridge's state), the next resumes them (lib/history/)
  const withHistory = () =>
    timed(() => runExport({ ...base, asOf: AS_OF, historyDir, log: () => {} }));
  console.error("export with the 12 months stored (first, then again) …");
  const historyFirst = await withHistory();
  const historyAgain = await withHistory();

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const pct = (part: number, whole: number) => `${(100 * part / whole).toFixed(1)} %`;
  const result = {
    scale: values.scale,
    organizations: exported.value.data.frame.height,
    stripeSubscriptions: data.subscriptions.length,
    stripeInvoices: data.invoices.length,
    stripeLatencyMs: Number(values["stripe-latency-ms"]),
    exportMs: exported.ms,
    snapshotMs: stages.snapshot,
    historySectionMs: stages.history ?? 0,
    snapshotBytes,
    csvBytes,
    backfillColdMs: cold.ms,
    backfillColdStripeCalls: cold.value.stripeCalls,
    backfillCachedMs: warm?.ms ?? null,
    backfillCachedStripeCalls: warm?.value.stripeCalls ?? null,
    reportMs: report.ms,
    exportWithHistoryFirstMs: historyFirst.ms,
    historyStageFirstMs: historyFirst.value.data.stages.history ?? 0,
    exportWithHistoryMs: historyAgain.ms,
    historyStageMs: historyAgain.value.data.stages.history ?? 0,
    reconciles: report.value.failures.length === 0,
    reconciliation: cold.value.reconciliation
      ? {
        liveCents: cold.value.reconciliation.liveCents,
        invoiceCents: cold.value.reconciliation.invoiceCents,
        differing: cold.value.reconciliation.differing.length,
      }
      : null,
  };
  console.log(
    `History benchmark, scale ${result.scale}: ${result.organizations} organizations, ${result.stripeSubscriptions} Stripe subscriptions, ${result.stripeInvoices} invoices at ${result.stripeLatencyMs} ms per call\n`,
  );
  console.log("| measure | value |\n|---|---|");
  for (
    const [name, value] of [
      ["CSV export (with snapshot)", s(result.exportMs)],
      [
        "snapshot write (Parquet, zstd)",
        `${s(result.snapshotMs)} = ${pct(result.snapshotMs, result.exportMs)} of the export`,
      ],
      [
        "snapshot size",
        `${(snapshotBytes / 1e6).toFixed(1)} MB (CSV ${(csvBytes / 1e6).toFixed(1)} MB)`,
      ],
      ["history section (reads the snapshots)", s(result.historySectionMs)],
      [
        "backfill 12 months, invoices cold",
        `${s(result.backfillColdMs)} (${result.backfillColdStripeCalls} Stripe calls)`,
      ],
      ...(warm
        ? [[
          "backfill 12 months, invoices cached",
          `${s(warm.ms)} (${warm.value.stripeCalls} Stripe calls)`,
        ]]
        : []),
      ["report (bridge, CSV, Markdown, 4 charts)", s(result.reportMs)],
      [
        "CSV export with the 12 months stored, first",
        `${s(result.exportWithHistoryFirstMs)} (history stage ${s(result.historyStageFirstMs)})`,
      ],
      [
        "CSV export with the 12 months stored, next",
        `${s(result.exportWithHistoryMs)} (history stage ${s(result.historyStageMs)})`,
      ],
      ["bridge reconciles every month", String(result.reconciles)],
    ]
  ) console.log(`| ${name} | ${value} |`);
  const path = `${BENCH_DIR}/bench_history_${result.scale}_${
    new Date().toISOString().slice(0, 19).replaceAll(":", "")
  }.json`;
  await Deno.writeTextFile(path, JSON.stringify(result, null, 2));
  console.log(`\nwritten ${path}`);
} finally {
  await fake.close();
  await Promise.allSettled([postgres.stop(), clickhouse.stop()]);
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
}
