/**
 * The benches' synthetic history (bench/mcp_mrr_history.ts, bench/history_section.ts): `months`
 * month ends of `orgs` organizations written from a formula (no databases or Stripe: the bridge
 * reads the snapshots, not how they were made) as backfill snapshots in `<dir>/history/`, the
 * last month also as the export CSV `<dir>/helicone_pricing_data_2026-11-01.csv`.
 *
 * Each organization has a Stripe customer; every 10th is billed in EUR (1.10 USD), every 37th of
 * the others in JPY (0.0067 USD); a 7th of them add a seat a month, and one in 23 pauses its
 * payment in turn (churn, then reactivation), so every month has new, expansion, churn and
 * reactivation to bridge; one in 50 shares the previous organization's customer (shared_customer,
 * no money of its own, as attachRevenue has it).
 */
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";

/** the last month end written; month `months - 1` */
export const LAST_MONTH_END = new Date("2026-11-01T00:00:00Z");
export const FX_RATES = { EUR: 1.1, JPY: 0.0067 };

/** the organizations as of month `m` (0 = the oldest month end) */
export function monthFrame(orgs: number, m: number) {
  const ids = Array.from({ length: orgs }, (_, i) => i);
  const paying = (i: number) => (i * 31 + m * 7) % 23 !== 0;
  const shared = (i: number) => i % 50 === 1;
  const currency = (i: number) => i % 10 === 0 ? "EUR" : i % 37 === 0 ? "JPY" : "USD";
  const mrr = (i: number) =>
    shared(i) ? null : paying(i) ? 20 * (1 + ((i + (i % 7 === 0 ? m : 0)) % 9)) : 0;
  return exportFrameFromColumns({
    org_id: ids.map((i) => `org_${i}`),
    org_name: ids.map((i) => `Org ${i}`),
    tier: ids.map((i) => paying(i) ? "pro" : "free"),
    plan: ids.map((i) => paying(i) ? (i % 3 === 0 ? "team" : "pro") : "free"),
    stripe_customer_id: ids.map((i) => `cus_${shared(i) ? i - 1 : i}`),
    revenue_source: ids.map((i) => shared(i) ? "shared_customer" : "stripe"),
    currency: ids.map((i) => currency(shared(i) ? i - 1 : i)),
    mrr_recurring: ids.map(mrr),
    mrr: ids.map(mrr),
    subscription_status: ids.map((i) => paying(i) ? "active" : "canceled"),
    requests_30d: ids.map((i) => 100 + i % 1000),
    llm_cost_30d: ids.map(() => 0),
    llm_cost_ptb_30d: ids.map(() => 0),
  });
}

/** month `m`'s end (0 = the oldest of `months`) */
export function monthEnd(m: number, months: number): Date {
  const asOf = new Date(LAST_MONTH_END);
  asOf.setUTCMonth(LAST_MONTH_END.getUTCMonth() - (months - 1 - m));
  return asOf;
}

/**
 * Writes the history in `dir`; with `keep`, a folder an earlier run wrote whole (the export CSV is
 * written last) is used as it is (a 12 × 1M history takes minutes to write).
 */
export async function writeHistoryMonths(
  { dir, orgs, months, keep }: { dir: string; orgs: number; months: number; keep: boolean },
): Promise<void> {
  const exportCsv = join(dir, "helicone_pricing_data_2026-11-01.csv");
  if (keep && await Deno.stat(exportCsv).then(() => true, () => false)) return;
  console.error(`writing ${months} month ends of ${orgs} organizations in ${dir} …`);
  for (let m = 0; m < months; m++) {
    const frame = monthFrame(orgs, m);
    await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf: monthEnd(m, months),
      demo: false,
      origin: "backfill",
      fxRates: FX_RATES,
    });
    if (m === months - 1) await writeCsvFile(frame, exportCsv);
  }
}

/**
 * A kept folder made cold again: the sidecars' `history_sums` entries (sums_cache.ts) and the
 * `.bridge-state/` folder (bridge_state.ts) removed, as a first call finds them.
 */
export async function forgetCaches(historyDir: string) {
  await Deno.remove(join(historyDir, ".bridge-state"), { recursive: true }).catch(() => {});
  for await (const entry of Deno.readDir(historyDir)) {
    if (!entry.name.endsWith(".parquet.json")) continue;
    const path = join(historyDir, entry.name);
    const sidecar = JSON.parse(await Deno.readTextFile(path));
    delete sidecar.history_sums;
    await Deno.writeTextFile(path, JSON.stringify(sidecar));
  }
}
