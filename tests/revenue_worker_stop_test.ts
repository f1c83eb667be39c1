/**
 * How a revenue worker (lib/revenue/worker.ts) ends: none is left running after a failed export,
 * one closed before it started never starts, and an aborted signal ends one mid-fetch or waiting on
 * a Stripe that never answers at once.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { prepareRevenueWorker } from "../lib/revenue/worker.ts";
import { startFakeStripe } from "./fake_stripe.ts";
import { AS_OF, CUSTOMERS } from "./fixtures/stripe/scenarios.ts";
// a revenue worker gets two messages: its settings as it starts, the customer ids once the
// organizations are in
import { countingWorkers } from "./counting_workers.ts";
import { unlessHung } from "./hang_guard.ts";
import { ACCOUNT, scenarioDatabases, stripeEnv } from "./revenue_worker_fixture.ts";

Deno.test("a failed export leaves no revenue worker running", async () => {
  // Slow Stripe: the worker is still fetching when the join refuses a query's duplicate rows.
  const fake = startFakeStripe(ACCOUNT, undefined, 100);
  const databases = await scenarioDatabases("revenue_worker_failed");
  const outDir = await Deno.makeTempDir();
  const queriesDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${queriesDir}/postgres`);
    const prompts = await Deno.readTextFile(
      new URL("../queries/postgres/prompts_created.sql", import.meta.url),
    );
    await Deno.writeTextFile(
      `${queriesDir}/postgres/prompts_created.sql`,
      `SELECT * FROM (\n${prompts}\n) AS once UNION ALL SELECT * FROM (\n${prompts}\n) AS twice`,
    );
    const run = await countingWorkers(() =>
      runExport({
        asOf: AS_OF,
        outDir,
        env: { ...databases.env, ...stripeEnv(fake), PRICING_QUERIES_DIR: queriesDir },
        formats: ["csv"],
        charts: false,
        quiet: true,
        log: () => {},
      })
    );
    ok(/prompts_created\.sql returned \d+ duplicate org_id rows/.test(String(run.error)));
    // the worker had the ids (the organizations were in) and was ended with the export
    assertEquals([run.started, run.messages, run.terminated], [1, 2, 1]);
  } finally {
    await fake.close();
    await databases.drop();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
  }
});

Deno.test("a revenue worker closed before it started never starts, and says so", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const worker = prepareRevenueWorker({
      env: {},
      mode: "auto",
      asOf: AS_OF,
      outDir,
      quiet: true,
    });
    worker.close();
    worker.startAhead(); // too late: no worker is started (the op sanitizer would see one)
    assertEquals(worker.started, false);
    worker.load(pl.Series(["cus_seat"]));
    await rejects(worker.result, /the revenue worker was closed before it answered/);
    await worker.answered;
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an aborted signal ends a revenue worker mid-fetch at once, rejecting with its reason", async () => {
  // Each Stripe answer takes 3 s: the fetch is under way, far from done, when the signal comes.
  const latencyMs = 3000;
  const fake = startFakeStripe(ACCOUNT, undefined, latencyMs);
  const outDir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const reason = new Error("interrupted (SIGINT)");
    const run = await countingWorkers(async (counts) => {
      const worker = prepareRevenueWorker({
        env: stripeEnv(fake),
        mode: "refresh",
        asOf: AS_OF,
        outDir,
        quiet: true,
        signal: controller.signal,
      });
      worker.load(pl.Series(CUSTOMERS));
      while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const aborted = performance.now();
      controller.abort(reason);
      await rejects(worker.result, (error) => error === reason);
      await worker.answered;
      const ms = performance.now() - aborted;
      // "at once": before Stripe's next answer, a whole latency later (the requests answered as
      // the signal came were sent together); not a tighter bound, which a loaded machine breaks
      ok(ms < latencyMs, `answered ${Math.round(ms)} ms after the abort`);
      assertEquals(counts.terminated, 1);
    });
    assertEquals(run.error, undefined);
    assertEquals([run.started, run.terminated], [1, 1]);
    // the fetch wrote no cache, and nothing half-written
    assertEquals(await Array.fromAsync(Deno.readDir(outDir)), []);
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an aborted signal ends a revenue worker waiting on a Stripe that never answers", async () => {
  const fake = startFakeStripe(ACCOUNT);
  fake.faultPath("/v1/subscriptions", "hang", 1);
  const outDir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const reason = new Error("interrupted (SIGINT)");
    const run = await countingWorkers(async () => {
      const worker = prepareRevenueWorker({
        env: stripeEnv(fake),
        mode: "refresh",
        asOf: AS_OF,
        outDir,
        quiet: true,
        signal: controller.signal,
      });
      worker.load(pl.Series(CUSTOMERS));
      while (fake.hanging() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(reason);
      // (Stripe never answers: only the abort ends the wait, and a hang guard catches one that
      // does not, rather than a time bound)
      await unlessHung("the aborted worker's answer", rejects(worker.result, (e) => e === reason));
      await unlessHung("the aborted worker's end", worker.answered);
    });
    assertEquals([run.started, run.terminated], [1, 1]);
    assertEquals(await Array.fromAsync(Deno.readDir(outDir)), []);
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
  }
});
