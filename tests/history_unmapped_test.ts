/**
 * The MRR of Stripe customers no organization maps to, kept in each export's snapshot sidecar
 * (`unmapped_customers`) and said by `history report` and `compare` as it moved (lib/history/
 * unmapped_history.ts, lib/analysis/compare_unmapped.ts): files written and read back, figures by
 * hand. A sidecar without it (an older kit's, a backfill's, an export's that read no revenue) is
 * "not recorded", never $0; a line
 * only when a snapshot records some.
 *
 *   as-of        sidecar's unmapped_customers                      recurring  change
 *   2026-01-31   (none: an older sidecar)                           not recorded
 *   2026-02-28   1 customer, mrr $200, mrr_recurring $200           $200.00
 *   2026-03-31   2 customers, mrr $250, mrr_recurring $220, 1 GBP   $220.00    +$20.00
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { runExport } from "../lib/export.ts";
import { buildHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { readSnapshotSidecar, sidecarProblems } from "../lib/formats/snapshot_sidecar.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { NO_UNMAPPED_CUSTOMERS } from "../lib/revenue/unmapped_record.ts";
import type { UnmappedCustomers } from "../lib/revenue/types.ts";
import { HISTORY } from "./fixtures/history.ts";
import { captureConsole } from "./console_capture.ts";
import { demoSnapshots, julyExport, runHistory } from "./history_cli_run.ts";

const FEB: UnmappedCustomers = {
  customers: 1,
  mrrUsd: 200,
  mrrRecurringUsd: 200,
  unknownMrrCustomers: 0,
};
const MAR: UnmappedCustomers = {
  customers: 2,
  mrrUsd: 250,
  mrrRecurringUsd: 220,
  unknownMrrCustomers: 1,
};

const name = (date: string) => `helicone_pricing_data_${date}.parquet`;

/** The fixture history's three month ends in `dir`, with the figures above in their sidecars. */
async function store(dir: string, figures: (UnmappedCustomers | undefined)[]): Promise<void> {
  const points = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  for (const [idx, point] of points.entries()) {
    const unmapped = figures[idx];
    await writeSnapshot(point.frame as never, {
      dir,
      asOf: point.asOf,
      demo: false,
      origin: "export",
      ...(unmapped ? { unmappedCustomers: unmapped } : {}),
    });
  }
}

Deno.test("unmapped customers: kept in the sidecar; history report says how their recurring MRR moved, an older sidecar not recorded", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  try {
    await store(dir, [undefined, FEB, MAR]);
    const read = async (date: string) =>
      (await readSnapshotSidecar(join(dir, name(date)))).meta?.unmapped_customers;
    assertEquals(await read("2026-01-31"), undefined);
    assertEquals(await read("2026-02-28"), {
      customers: 1,
      mrr_usd: 200,
      mrr_recurring_usd: 200,
      unknown_mrr_customers: 0,
    });
    assertEquals(await read("2026-03-31"), {
      customers: 2,
      mrr_usd: 250,
      mrr_recurring_usd: 220,
      unknown_mrr_customers: 1,
    });
    const line =
      "Not in these bridges: the recurring MRR (`mrr_recurring`) of Stripe customers no organization's `stripe_customer_id` names, which Stripe's dashboard counts (each export's snapshot records it): as-of 2026-01-31 not recorded; as-of 2026-02-28 $200.00 (1 customer); as-of 2026-03-31 $220.00 (2 customers, 1 more not stated in USD, in no sum, +$20.00 since as-of 2026-02-28). A snapshot not recorded is an older kit's, a backfill's, or an export's that read no revenue: its figure is unknown, not $0.";
    const result = await runHistory([
      "report",
      "--no-charts",
      "--history-dir",
      dir,
      "--out-dir",
      out,
    ]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    const markdown = await Deno.readTextFile(join(out, "helicone_pricing_history_2026-03-31.md"));
    ok(markdown.includes(`\n${line}\n`), markdown);
    // the bridge itself is the rows' alone, as without them
    const without = await Deno.makeTempDir();
    try {
      await store(without, [undefined, undefined, undefined]);
      const bare = buildHistoryReport(
        await loadMonthlyHistoryPoints(without, { demo: false }),
        false,
      );
      const withThem = buildHistoryReport(
        await loadMonthlyHistoryPoints(dir, { demo: false }),
        false,
      );
      assertEquals(withThem.company.toRecords(), bare.company.toRecords());
      assertEquals(historySection(withThem).replace(`${line}\n\n`, ""), historySection(bare));
    } finally {
      await Deno.remove(without, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("unmapped customers: no line when every snapshot records none, or none records them", async () => {
  for (
    const figures of [[NO_UNMAPPED_CUSTOMERS, NO_UNMAPPED_CUSTOMERS, NO_UNMAPPED_CUSTOMERS], [
      undefined,
      NO_UNMAPPED_CUSTOMERS,
      undefined,
    ]]
  ) {
    const dir = await Deno.makeTempDir();
    try {
      await store(dir, figures);
      const report = buildHistoryReport(
        await loadMonthlyHistoryPoints(dir, { demo: false }),
        false,
      );
      ok(!historySection(report).includes("Not in these bridges"), JSON.stringify(figures));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("unmapped customers: a damaged unmapped_customers is named; compare of two snapshots says the change, of one not recorded says so", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  try {
    await store(dir, [undefined, FEB, MAR]);
    const older = {
      as_of: "2026-02-28T00:00:00.000Z",
      demo: false,
      origin: "export",
      row_count: 6,
      written_at: "2026-02-28T00:00:00.000Z",
      warnings: [],
    };
    assertEquals(
      sidecarProblems({ ...older, unmapped_customers: { customers: 1, mrr_usd: "200" } }),
      [
        `unmapped_customers is {"customers":1,"mrr_usd":"200"}, not customers, mrr_usd, mrr_recurring_usd and unknown_mrr_customers (numbers, 0 or more; and unknown_mrr_reasons' no_fx_rate and no_currency_option when it has them)`,
      ],
    );
    const compare = async (old: string, newer: string) => {
      const captured = captureConsole();
      try {
        const code = await compareMain([
          join(dir, name(old)),
          join(dir, name(newer)),
          "--out-dir",
          out,
        ]);
        assertEquals(code, 0, captured.errors.join("\n"));
        return captured.logs;
      } finally {
        captured.restore();
      }
    };
    // Feb → Mar: $200 → $250 of mrr (+$50.00), $200 → $220 of mrr_recurring (+$20.00)
    const note =
      "not in these totals: the MRR of Stripe customers no organization's stripe_customer_id names, which Stripe's dashboard counts: old $200.00 of mrr ($200.00 of mrr_recurring, 1 customer), new $250.00 of mrr ($220.00 of mrr_recurring, 2 customers, 1 more not stated in USD, in no sum): +$50.00 of mrr (+$20.00 of mrr_recurring)";
    const logs = await compare("2026-02-28", "2026-03-31");
    ok(logs.includes(`note: ${note}`), logs.join("\n"));
    // the summary Markdown (the CLI lists its files, that one last)
    const summary = await Deno.readTextFile(logs.at(-1)!.trim());
    ok(
      summary.includes(
        "\nNot in these totals: the MRR of Stripe customers no organization's `stripe_customer_id` names, which Stripe's dashboard counts: old $200.00 of mrr ($200.00 of `mrr_recurring`, 1 customer), new $250.00 of mrr ($220.00 of `mrr_recurring`, 2 customers, 1 more not stated in USD, in no sum): +$50.00 of mrr (+$20.00 of `mrr_recurring`).\n",
      ),
      summary,
    );
    // Jan (an older sidecar) → Feb: not recorded, never $0, and no change given
    const fromOlder = await compare("2026-01-31", "2026-02-28");
    ok(
      fromOlder.includes(
        "note: not in these totals: the MRR of Stripe customers no organization's stripe_customer_id names, which Stripe's dashboard counts: old not recorded, new $200.00 of mrr ($200.00 of mrr_recurring, 1 customer) (a file not recorded is an older kit's, a backfill's, or an export's that read no revenue: unknown, not $0)",
      ),
      fromOlder.join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("unmapped customers: a demo export records none as 0, a backfill or an export that read no revenue records nothing; history report says nothing of them", async () => {
  const out = await Deno.makeTempDir();
  try {
    const dir = `${out}/history`;
    await demoSnapshots(dir, out);
    await julyExport(out);
    const meta = async (date: string) =>
      (await readSnapshotSidecar(`${dir}/helicone_pricing_data_${date}_demo.parquet`)).meta;
    const backfilled = await meta("2026-06-01");
    assertEquals([backfilled?.origin, backfilled?.unmapped_customers], ["backfill", undefined]);
    const exported = await meta("2026-07-01");
    // the demo account's every subscribed customer is an organization's
    assertEquals([exported?.origin, exported?.unmapped_customers], ["export", {
      customers: 0,
      mrr_usd: 0,
      mrr_recurring_usd: 0,
      unknown_mrr_customers: 0,
    }]);
    const reported = await runHistory([
      "report",
      "--demo",
      "--no-charts",
      "--history-dir",
      dir,
      "--out-dir",
      out,
    ]);
    assertEquals(reported.code, 0, reported.errors.join("\n"));
    const markdown = await Deno.readTextFile(`${out}/helicone_pricing_history_2026-07-01_demo.md`);
    ok(!markdown.includes("Not in these bridges"), markdown);
    // an export that read no revenue (Stripe skipped) knows nothing of them: not recorded, not 0
    await runExport({
      outDir: out,
      demo: true,
      asOf: new Date("2026-08-01T00:00:00Z"),
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
      stripe: "skip",
    });
    const unread = await meta("2026-08-01");
    assertEquals([unread?.origin, unread?.unmapped_customers], ["export", undefined]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
