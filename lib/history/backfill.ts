/**
 * `deno task history backfill` (lib/cli/history.ts): a snapshot at each month end (as-of = the first instant of the
 * next month, UTC, so its 30-day window is the month's last 30 days), from the same pipeline as an
 * export run at that as-of: the demo generator, or the databases (queries take the as-of).
 */
import { type Env, sourceSettings, UserError } from "../core/config.ts";
import type { ExportOptions, PricingData } from "../core/types.ts";
import { isoDate } from "../formats/files.ts";
import { type SnapshotInfo, writeSnapshot } from "./snapshot.ts";
import pl from "nodejs-polars";
import { defaultCacheDir, loadRevenue, revenueConfigFromEnv } from "../revenue/mod.ts";
import { resolveRules } from "../revenue/rules.ts";
import { fetchInvoiceHistory } from "../revenue/invoice_fetch.ts";
import type { InvoiceHistory } from "../revenue/invoice_mrr.ts";
import {
  invoiceRevenue,
  reconcile,
  type Reconciliation,
  reconciliationLine,
} from "./invoice_revenue.ts";

export interface BackfillOptions {
  /** the export pipeline's data stage (lib/export.ts loadPricingData), passed in by the caller */
  load: (overrides: Partial<ExportOptions>) => Promise<PricingData>;
  env: Env;
  historyDir: string;
  outDir: string;
  months: number;
  /** the last as-of (default: the first of the current month, UTC) */
  last?: Date;
  demo?: boolean;
  quiet: boolean;
  log: (line: string) => void;
  /** live: "now" for the reconciliation (default the current time) */
  now?: Date;
}

export interface BackfillResult {
  snapshots: SnapshotInfo[];
  demo: boolean;
  durationMs: number;
  /** live: Stripe calls for the invoice history (0 from today's cache) */
  stripeCalls?: number;
  /** live: live MRR against invoice-derived MRR now */
  reconciliation?: Reconciliation;
}

/** The first instant (UTC) of `date`'s month. */
export function monthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** `months` month-end as-ofs (first of each month, UTC), oldest first, ending at `last`'s month. */
export function monthEndAsOfs(months: number, last: Date): Date[] {
  if (!Number.isInteger(months) || months < 1 || months > 120) {
    throw new UserError(`--months must be a whole number from 1 to 120, got ${months}`);
  }
  const end = monthStart(last);
  return Array.from(
    { length: months },
    (_, i) => new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (months - 1 - i), 1)),
  );
}

/** What a live backfill cannot see as it was. */
const LIVE_WARNINGS = [
  "backfilled: organizations and seats are today's (organizations created after the as-of are dropped; members removed since cannot be seen, members who joined since are counted)",
  "backfilled: prompts_created, ptb_spend_all_time and is_ptb are today's (the queries have no as-of for them); active_users_30d counts members whose last sign-in fell in the window",
];

/** Invoices that can cover the first as-of: yearly terms created up to a year (and a bit) before. */
const INVOICE_LOOKBACK_DAYS = 400;

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  const demo = options.demo ?? sourceSettings(options.env) === null;
  const asOfs = monthEndAsOfs(options.months, options.last ?? new Date());
  if (demo) {
    const snapshots: SnapshotInfo[] = [];
    for (const asOf of asOfs) {
      const data = await options.load({
        demo,
        asOf,
        env: options.env,
        outDir: options.outDir,
        quiet: true,
        log: () => {},
      });
      snapshots.push(
        await writeSnapshot(data.frame, {
          dir: options.historyDir,
          asOf,
          demo,
          origin: "backfill",
          warnings: data.warnings,
        }),
      );
      options.log(`snapshot ${isoDate(asOf)}: ${data.frame.height} organizations`);
    }
    return { snapshots, demo, durationMs: Math.round(performance.now() - started) };
  }
  return await liveBackfill(options, asOfs, started);
}

async function liveBackfill(
  options: BackfillOptions,
  asOfs: Date[],
  started: number,
): Promise<BackfillResult> {
  const { apiKey, apiHost, apiPort, apiProtocol, ...ruleSettings } = revenueConfigFromEnv(
    options.env,
  );
  if (!apiKey) {
    throw new UserError(
      "a live backfill reads revenue from Stripe invoices: set STRIPE_SECRET_KEY (or run with --demo)",
    );
  }
  const rules = resolveRules(ruleSettings);
  const now = options.now ?? new Date();
  const cacheDir = defaultCacheDir(options.outDir);
  const connection = { apiKey, apiHost, apiPort, apiProtocol };
  options.log("listing Stripe invoices for the whole range…");
  const fetched = await fetchInvoiceHistory({
    ...connection,
    cacheDir,
    from: new Date(asOfs[0].getTime() - INVOICE_LOOKBACK_DAYS * 86_400_000),
    to: new Date(Math.max(now.getTime(), asOfs.at(-1)!.getTime()) + 1000),
    rules: ruleSettings,
  });
  const history: InvoiceHistory = fetched.history;
  options.log(
    `${fetched.history.lines.length.toLocaleString("en-US")} invoice lines (${
      fetched.source === "cache" ? "today's cache" : `${fetched.apiCalls} Stripe calls`
    })`,
  );
  const snapshots: SnapshotInfo[] = [];
  let lastCustomers: string[] = [];
  for (const asOf of asOfs) {
    const data = await options.load({
      demo: false,
      asOf,
      env: options.env,
      outDir: options.outDir,
      quiet: true,
      log: () => {},
      revenueFor: (customerIds) =>
        invoiceRevenue(history, { asOf, windowDays: 30, rules, customerIds }),
    });
    // Organizations created after the as-of did not exist yet.
    const frame = data.frame.filter(
      pl.col("created_at").isNull().or(pl.col("created_at").cast(pl.Int64).lt(asOf.getTime())),
    );
    lastCustomers = frame.getColumn("stripe_customer_id").dropNulls().toArray() as string[];
    snapshots.push(
      await writeSnapshot(frame, {
        dir: options.historyDir,
        asOf,
        demo: false,
        origin: "backfill",
        warnings: [
          ...data.warnings,
          ...LIVE_WARNINGS,
          ...fetched.unreadableDiscounts.map((d) => `unreadable discount ${d}: left out of MRR`),
        ],
      }),
    );
    options.log(`snapshot ${isoDate(asOf)}: ${frame.height} organizations`);
  }
  // The method checked on real data every run: today's live MRR against invoices now.
  const live = await loadRevenue([...new Set(lastCustomers)], {
    mode: "auto",
    ...connection,
    cacheDir,
    asOf: now,
    rules: ruleSettings,
  });
  const reconciliation = live.source === "none" ? undefined : reconcile(live, {
    history: history,
    at: now,
    rules,
    customerIds: [...new Set(lastCustomers)],
  });
  if (reconciliation) options.log(reconciliationLine(reconciliation));
  else options.log(`no reconciliation: ${live.warnings.join("; ")}`);
  return {
    snapshots,
    demo: false,
    durationMs: Math.round(performance.now() - started),
    stripeCalls: fetched.apiCalls + live.apiCalls,
    reconciliation,
  };
}
