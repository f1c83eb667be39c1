/**
 * What a backfill leaves as it was: nothing written when it is refused (no Stripe key, a key
 * Stripe refuses or no request can carry: one line, never the key), and the month ends an export
 * stored, unless --replace (one without revenue it writes over); a live backfill reconciles over
 * the kept export's customers.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { loadPricingData, runExport } from "../lib/export.ts";
import { backfill } from "../lib/history/backfill.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { isoDate } from "../lib/formats/files.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { UserError } from "../lib/core/config.ts";
import { existsSync } from "node:fs";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { ALPHA, fakeStripe, liveEnv } from "./history_backfill_fixture.ts";

Deno.test("live backfill without a Stripe key is refused in one line, nothing written", async () => {
  const databases = await freshFixtureDatabases("history_nokey");
  const outDir = await Deno.makeTempDir();
  try {
    await rejects(
      backfill({
        historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
        outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
        load: loadPricingData,
        env: databases.env,
        historyDir: `${outDir}/history`,
        outDir,
        months: 2,
        quiet: true,
        log: () => {},
      }),
      /set STRIPE_SECRET_KEY/,
    );
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("live backfill: Stripe refusing the key, or a key no request can carry, is one line saying what to do, never the key, nothing written", async () => {
  const databases = await freshFixtureDatabases("history_badkey");
  const fake = fakeStripe();
  const outDir = await Deno.makeTempDir();
  const run = (apiKey: string) =>
    backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: {
        ...liveEnv(databases, fake),
        STRIPE_SECRET_KEY: apiKey,
        PRICING_STRIPE_MAX_RETRIES: "0",
      },
      historyDir: `${outDir}/history`,
      outDir,
      months: 2,
      last: new Date("2026-12-01T00:00:00Z"),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log: () => {},
    });
  const failure = async (apiKey: string): Promise<Error> => {
    try {
      await run(apiKey);
    } catch (error) {
      ok(error instanceof UserError, String(error));
      return error;
    }
    throw new Error("the backfill did not fail");
  };
  try {
    // Stripe's 401 (its message masks the key itself): said as the export says it
    const wrong = await failure("sk_test_wrong_key_0123456789");
    assertEquals(
      wrong.message,
      "the backfill could not list Stripe invoices, so nothing was written: Stripe rejected STRIPE_SECRET_KEY (401): check the key (and live vs test mode)",
    );
    // a character no HTTP header can carry (pasted from a rich-text page): the runtime refuses the
    // header, quoting it whole
    const secret = "sk_live_Eu\u20acTailThatMustNotShow42";
    const broken = await failure(secret);
    ok(broken.message.startsWith("the backfill could not list Stripe invoices"), broken.message);
    for (const part of ["TailThatMustNotShow42", "sk_live_Eu"]) {
      ok(!broken.message.includes(part), broken.message);
    }
    // a carriage return inside the key (pasted from a CRLF file into the environment): refused
    // before any call, the key unshown
    const crKey = "sk_live_Cr\rTailThatMustNotShow42";
    const refused = await failure(crKey);
    ok(
      refused.message.includes("STRIPE_SECRET_KEY holds a space or a line break"),
      refused.message,
    );
    for (const part of ["TailThatMustNotShow42", "sk_live_Cr"]) {
      ok(!refused.message.includes(part), refused.message);
    }
    // no snapshot: the history folder was never made
    ok(!existsSync(`${outDir}/history`));
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("backfill keeps the month ends an export stored, unless --replace; one without revenue it writes over", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const exportAt = (date: string, stripe: "auto" | "skip") =>
    runExport({
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      outDir,
      historyDir: dir,
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
      stripe,
    });
  try {
    await exportAt("2026-10-01", "auto"); // revenue, plan names, base/add-on split: kept
    await exportAt("2026-09-01", "skip"); // no revenue: nothing to keep
    const october = `${dir}/helicone_pricing_data_2026-10-01_demo.parquet`;
    const exported = await Deno.readFile(october);
    const lines: string[] = [];
    const result = await backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: {},
      historyDir: dir,
      outDir,
      months: 3,
      last: new Date("2026-11-01T00:00:00Z"),
      demo: true,
      quiet: true,
      log: (line) => lines.push(line),
    });
    assertEquals(result.snapshots.map((s) => isoDate(s.asOf)), ["2026-09-01", "2026-11-01"]);
    assertEquals(result.kept.map((k) => k.info.path), [october]);
    assertEquals(await Deno.readFile(october), exported, "the export's snapshot stays");
    const origins = async () =>
      await Promise.all(
        ["09", "10", "11"].map(async (m) =>
          (await readSnapshotMeta(`${dir}/helicone_pricing_data_2026-${m}-01_demo.parquet`))
            ?.origin
        ),
      );
    assertEquals(await origins(), ["backfill", "export", "backfill"]);
    ok(
      lines.includes(
        "snapshot 2026-10-01: kept helicone_pricing_data_2026-10-01_demo.parquet (written by an export): it has the base/add-on split, status, interval and plan names a backfill leaves empty; pass --replace to backfill over it",
      ),
      lines.join("\n"),
    );
    // asked to, it writes over it
    const args = ["backfill", "--demo", "--months", "1", "--to", "2026-10-01", "--replace"];
    const code = await historyMain([
      ...args,
      "--no-charts",
      "--quiet",
      "--history-dir",
      dir,
      "--out-dir",
      outDir,
    ]);
    assertEquals(code, 0);
    assertEquals(await origins(), ["backfill", "backfill", "backfill"]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("live backfill keeps an export's month end and reconciles over its customers", async () => {
  const fake = fakeStripe();
  const databases = await freshFixtureDatabases("history_kept");
  const outDir = await Deno.makeTempDir();
  try {
    // the export of 2026-12-01, run at 00:05 (its month end: keep.ts), knew alpha alone
    const stored = await writeSnapshot(
      exportFrameFromColumns({
        org_id: [ALPHA],
        stripe_customer_id: ["cus_alpha"],
        mrr_recurring: [79],
      }),
      {
        dir: `${outDir}/history`,
        asOf: new Date("2026-12-01T00:00:00Z"),
        demo: false,
        origin: "export",
      },
    );
    const sidecar = JSON.parse(await Deno.readTextFile(`${stored.path}.json`));
    await Deno.writeTextFile(
      `${stored.path}.json`,
      JSON.stringify({ ...sidecar, written_at: "2026-12-01T00:05:00Z" }),
    );
    const result = await backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: liveEnv(databases, fake),
      historyDir: `${outDir}/history`,
      outDir,
      months: 2,
      last: new Date("2026-12-01T00:00:00Z"),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log: () => {},
    });
    assertEquals(result.snapshots.map((s) => isoDate(s.asOf)), ["2026-11-01"]);
    assertEquals(result.kept.map((k) => k.info.path), [stored.path]);
    assertEquals((await readSnapshotMeta(stored.path))?.origin, "export");
    // live MRR of the kept snapshot's customers (alpha): $79, not charlie's $200 too
    assertEquals(result.reconciliation?.liveCents, 7900);
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

/**
 * Rule 7 from invoices: alpha pays €90 a month (EUR at 1.10: $99.00) in September and October and
 * switches to $100 in November; charlie pays ¥15,000 (JPY at 0.0067: $100.50) from October. By
 * hand, per currency (minor units: cents, yen): October, EUR 9000 → 9000, JPY new 15000; November,
 * alpha pays in both months, so EUR contraction 9000 (end 0) and USD expansion 10000 (not churn +
 * new), JPY 15000 → 15000. The USD view's November: alpha 9900 → 10000, expansion 100.
 */
