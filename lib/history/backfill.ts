/**
 * `deno task history backfill` (lib/cli/history.ts): a snapshot at each month end (as-of = the first instant of the
 * next month, UTC, so its 30-day window is the month's last 30 days), from the same pipeline as an
 * export run at that as-of: the demo generator, or the databases (queries take the as-of). A
 * month end an export or import stored (with revenue) is kept unless `replace` (keep.ts).
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { type Env, sourceSettings, UserError } from "../core/config.ts";
import type { ExportOptions, PricingData } from "../core/types.ts";
import { isoDate } from "../formats/files.ts";
import { priceBookId, writeSnapshot } from "./snapshot.ts";
import { readSnapshotFrame, type SnapshotInfo } from "./stored_snapshots.ts";
import { keptOverBackfill, keptOverNoRevenue } from "./keep.ts";
import pl from "nodejs-polars";
import { defaultCacheDir, loadRevenue, revenueConfigFromEnv } from "../revenue/mod.ts";
import { resolveRules } from "../revenue/rules.ts";
import { fetchInvoiceHistory } from "../revenue/invoice_fetch.ts";
import { withRecurringMinor } from "../revenue/columns.ts";
import { describeStripeError, stripeEndpoint } from "../revenue/errors.ts";
import { type InvoiceHistory, unpricedLines } from "../revenue/invoice_mrr.ts";
import {
  invoiceRevenue,
  reconcile,
  type Reconciliation,
  reconciliationLine,
  revenueChecks,
  unpricedWarning,
} from "./invoice_revenue.ts";
import { settleHistoryFolder } from "./settle.ts";

export interface BackfillOptions {
  /** the export pipeline's data stage (lib/export.ts loadPricingData), passed in by the caller */
  load: (overrides: Partial<ExportOptions>) => Promise<PricingData>;
  env: Env;
  historyDir: string;
  /** how the user chose historyDir (--history-dir…), for the fix a failed write names */
  historyDirChosenBy: ChosenBy;
  outDir: string;
  /** how the user chose outDir (--out-dir), for the Stripe cache's (`<outDir>/.stripe-cache`) */
  outDirChosenBy: ChosenBy;
  months: number;
  /** the last as-of (default: the first of the current month, UTC) */
  last?: Date;
  demo?: boolean;
  quiet: boolean;
  log: (line: string) => void;
  /** live: "now" for the reconciliation (default the current time) */
  now?: Date;
  /** write over the snapshots an export or import stored (default: keep them) */
  replace?: boolean;
  /**
   * the command's Ctrl-C or SIGTERM: the backfill stops before the next month end (its queries
   * too), the snapshots stored before it kept (each is whole)
   */
  signal?: AbortSignal;
  /** told of each snapshot's path as it is stored (what a stopped backfill leaves) */
  onStored?: (path: string) => void;
}

export interface BackfillResult {
  /** the snapshots written */
  snapshots: SnapshotInfo[];
  /** stored snapshots kept at as-ofs of the backfill, each with why (logged too) */
  kept: { info: SnapshotInfo; reason: string }[];
  demo: boolean;
  durationMs: number;
  /** live: Stripe calls for the invoice history (0 from today's cache) */
  stripeCalls?: number;
  /** live: live MRR against invoice-derived MRR now */
  reconciliation?: Reconciliation;
  /** live: what the invoices leave unknown (lines on prices Stripe lists nowhere), logged too */
  warnings?: string[];
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
  "backfilled: organizations created after the as-of are dropped and seats count members who joined before it, but organizations deleted and members removed since cannot be seen; prompts_created counts prompts created before the as-of, not those deleted since",
  "backfilled: ptb_spend_all_time and is_ptb are today's (organization_ptb_spend has no timestamps); active_users_30d misses members who signed in again after the as-of (last_sign_in_at keeps only the latest)",
];

/** Invoices that can cover the first as-of: yearly terms created up to a year (and a bit) before. */
const INVOICE_LOOKBACK_DAYS = 400;

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  // what killed runs left is put back once, before any month end is looked at (keep.ts)
  await settleHistoryFolder(options.historyDir, {
    chosenBy: options.historyDirChosenBy,
    warn: options.log,
    onLockWait: options.log,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const demo = options.demo ?? sourceSettings(options.env) === null;
  const asOfs = monthEndAsOfs(options.months, options.last ?? new Date());
  if (demo) {
    const written = new BackfillWrites(options, demo);
    for (const asOf of asOfs) {
      options.signal?.throwIfAborted();
      if (await written.keptBefore(asOf)) continue;
      const data = await monthEndData(options, { demo, asOf });
      await written.write(asOf, { data });
    }
    return { ...written.result(), demo, durationMs: Math.round(performance.now() - started) };
  }
  return await liveBackfill(options, { asOfs, started });
}

/** The export data as of a month end, loaded quietly (the backfill says its own lines). */
function monthEndData(
  options: BackfillOptions,
  asked: Pick<ExportOptions, "demo" | "asOf" | "revenueFor">,
): Promise<PricingData> {
  return options.load({
    signal: options.signal,
    env: options.env,
    outDir: options.outDir,
    quiet: true,
    log: () => {},
    ...asked,
  });
}

/** A backfill's snapshots: each written, or the stored one kept (keep.ts) and said. */
class BackfillWrites {
  readonly #options: BackfillOptions;
  readonly #demo: boolean;
  readonly #snapshots: SnapshotInfo[] = [];
  readonly #kept: { info: SnapshotInfo; reason: string }[] = [];

  constructor(options: BackfillOptions, demo: boolean) {
    this.#options = options;
    this.#demo = demo;
  }

  /** The stored snapshot of `asOf` kept before computing anything (an export's, an import's). */
  async keptBefore(asOf: Date): Promise<SnapshotInfo | null> {
    const kept = await keptOverBackfill(this.#options.historyDir, {
      asOf,
      demo: this.#demo,
      replace: this.#options.replace ?? false,
      log: (line) => this.#options.log(`snapshot ${isoDate(asOf)}: ${line}`),
    });
    if (kept) this.#keep(asOf, kept);
    return kept?.info ?? null;
  }

  /**
   * Writes `data`'s frame (or `frame`, its organizations at the as-of) as the snapshot of `asOf`,
   * with its warnings and price book, unless it has no revenue and the stored one has.
   */
  async write(
    asOf: Date,
    { data, frame = data.frame, warnings = data.warnings }: {
      data: PricingData;
      frame?: pl.DataFrame;
      warnings?: string[];
    },
  ): Promise<SnapshotInfo> {
    const dir = this.#options.historyDir;
    const kept = await keptOverNoRevenue(dir, {
      asOf,
      demo: this.#demo,
      frame,
      writer: "backfill",
    });
    if (kept) {
      this.#keep(asOf, kept);
      return kept.info;
    }
    // each organization's MRR in its billing currency beside the USD (invoiceRevenue's, exact)
    const info = await writeSnapshot(withRecurringMinor(frame, data.revenue), {
      dir,
      dirChosenBy: this.#options.historyDirChosenBy,
      asOf,
      demo: this.#demo,
      origin: "backfill",
      warnings,
      warningKinds: data.warningKinds,
      priceBook: priceBookId(data.economics.priceBook),
      fxRates: data.revenue.fxRates,
      onLockWait: (line) => this.#options.log(line),
      recovered: true,
    });
    this.#snapshots.push(info);
    this.#options.onStored?.(info.path);
    this.#options.log(`snapshot ${isoDate(asOf)}: ${frame.height} organizations`);
    return info;
  }

  #keep(asOf: Date, kept: { info: SnapshotInfo; reason: string }): void {
    this.#kept.push(kept);
    this.#options.log(`snapshot ${isoDate(asOf)}: ${kept.reason}`);
  }

  result(): Pick<BackfillResult, "snapshots" | "kept"> {
    return { snapshots: this.#snapshots, kept: this.#kept };
  }
}

async function liveBackfill(
  options: BackfillOptions,
  { asOfs, started }: { asOfs: Date[]; started: number },
): Promise<BackfillResult> {
  const { apiKey, apiHost, apiPort, apiProtocol, ...ruleSettings } = revenueConfigFromEnv(
    options.env,
  );
  // every missing setting in one line: the databases' were found missing only after the invoices
  const missing = [
    ...(sourceSettings(options.env) === null ? ["PRICING_PG_URL and PRICING_CH_URL"] : []),
    ...(apiKey ? [] : ["STRIPE_SECRET_KEY"]),
  ];
  if (!apiKey || missing.length > 0) {
    throw new UserError(
      `a live backfill reads the databases and revenue from Stripe invoices: set ${
        missing.join(" and ")
      } (or run with --demo)`,
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
    cacheDirChosenBy: options.outDirChosenBy,
    from: new Date(asOfs[0].getTime() - INVOICE_LOOKBACK_DAYS * 86_400_000),
    to: new Date(Math.max(now.getTime(), asOfs.at(-1)!.getTime()) + 1000),
    rules: ruleSettings,
    signal: options.signal,
  }).catch((error) => {
    // (a cache write's failure says its own fix; a stop is said by the command)
    if (error instanceof UserError || error === options.signal?.reason) throw error;
    // as the export says a Stripe failure: what to do, and never the key (Stripe's own message,
    // or the runtime's, may hold it: "Invalid header value: "Bearer sk_live_…"")
    throw new UserError(
      `the backfill could not list Stripe invoices, so nothing was written: ${
        describeStripeError(error, {
          apiKey,
          endpoint: stripeEndpoint(connection),
          timeoutSeconds: rules.timeoutSeconds,
          maxNetworkRetries: rules.maxNetworkRetries,
          maxRateLimitRetries: rules.maxRateLimitRetries,
          apiProtocol,
        })
      }`,
    );
  });
  const history: InvoiceHistory = fetched.history;
  options.log(
    `${fetched.history.lines.length.toLocaleString("en-US")} invoice lines (${
      fetched.source === "cache" ? "today's cache" : `${fetched.apiCalls} Stripe calls`
    })`,
  );
  const warnings = unpricedWarning(unpricedLines(history), {
    lines: "of the listed invoices",
    leftOutOf: "MRR and usage",
  });
  for (const warning of warnings) options.log(warning);
  const written = new BackfillWrites(options, false);
  let lastCustomers: string[] = [];
  const checks: string[] = [];
  for (const asOf of asOfs) {
    options.signal?.throwIfAborted();
    const stored = await written.keptBefore(asOf);
    if (stored) {
      // the reconciliation is over the last as-of's customers: the kept snapshot's
      lastCustomers = readSnapshotFrame(stored.path, { columns: ["stripe_customer_id"] })
        .getColumn("stripe_customer_id").dropNulls().toArray() as string[];
      continue;
    }
    const data = await monthEndData(options, {
      demo: false,
      asOf,
      revenueFor: (customerIds) =>
        invoiceRevenue(history, { asOf, windowDays: 30, rules, customerIds }),
    });
    // Organizations created after the as-of did not exist yet.
    const frame = data.frame.filter(
      pl.col("created_at").isNull().or(pl.col("created_at").cast(pl.Int64).lt(asOf.getTime())),
    );
    lastCustomers = frame.getColumn("stripe_customer_id").dropNulls().toArray() as string[];
    // what its MRR may be off by, over the customers of the organizations it holds (a replaced
    // organizations.sql may return later ones): worked out once, so the sidecar stores what is
    // said where the analyst reads
    const asOfChecks = revenueChecks(history, { asOf, rules, customerIds: lastCustomers });
    for (const check of asOfChecks) {
      options.log(`snapshot ${isoDate(asOf)}: ${check}`);
      checks.push(`as-of ${isoDate(asOf)}: ${check}`);
    }
    await written.write(asOf, {
      data,
      frame,
      warnings: [
        ...data.warnings,
        ...asOfChecks,
        ...LIVE_WARNINGS,
        ...fetched.unreadableDiscounts.map((d) => `unreadable discount ${d}: left out of MRR`),
      ],
    });
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
    ...written.result(),
    demo: false,
    durationMs: Math.round(performance.now() - started),
    stripeCalls: fetched.apiCalls + live.apiCalls,
    reconciliation,
    warnings: [...warnings, ...checks],
  };
}
