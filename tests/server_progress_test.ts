/**
 * The progress endpoint over real HTTP: two requests on two runs each read their own run's stage
 * and organizations; a request answered from the cache, or done, has none; a bad id is a 400, no
 * token a 401; the page's polls stay out of the access log. And the stage names it counts are
 * still the ones the real pipeline times. Runs are held by the test (gates), never by time.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { loadPricingData } from "../lib/export.ts";
import { createHandler, type LoadPricingData } from "../lib/server/handler.ts";
import { PROGRESS_HEADER, progressBody, RUN_STAGES } from "../lib/server/progress.ts";
import { RunCache } from "../lib/server/runs.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

const TOKEN = "progress-test-token-0123456789-abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const START = Date.parse("2026-11-02T00:00:00Z");
const PROGRESS = "/v1/admin/pricing-analytics/progress";

/** A promise the test opens when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}

/**
 * The demo pipeline, a run of `days` held by its gate once its queries are reported (with
 * `organizations` organizations) and its join has started, as a long live run would be.
 */
function heldLoader(held: Map<number, { opened: Promise<void>; organizations: number }>) {
  const loader: LoadPricingData = async (options) => {
    const hold = held.get(options.windowDays!);
    if (hold) {
      options.onStageTime?.("queries", "start");
      options.onStageTime?.("queries", "end");
      const organizations = pl.DataFrame({
        id: Array.from({ length: hold.organizations }, String),
      });
      options.onStage?.({ stage: "queries", frames: { organizations }, stats: [] });
      options.onStageTime?.("join", "start");
      await hold.opened;
    }
    return loadPricingData(options);
  };
  return loader;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS; // (a hang guard, not a budget)
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("the real pipeline times the stages the progress counts, in their order", async () => {
  const started: string[] = [];
  await loadPricingData({
    demo: true,
    asOf: new Date(START),
    quiet: true,
    log: () => {},
    onStageTime: (name, phase) => {
      if (phase === "start") started.push(name);
    },
  });
  assertEquals(started, [...RUN_STAGES]);
});

Deno.test("progress: each request reads its own run's stage; cached, done or unknown: none", async () => {
  const week = gate();
  const month = gate();
  const held = new Map([[7, { opened: week.opened, organizations: 3 }], [30, {
    opened: month.opened,
    organizations: 1234,
  }]]);
  const logs: string[] = [];
  const settings = serverSettings(parseServerArgs(["--demo"]), { PRICING_SERVER_TOKEN: TOKEN });
  const handler = createHandler(settings, {
    loadData: heldLoader(held),
    hooks: { now: () => START, log: (line) => logs.push(line) },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const progress = async (id: string) => {
    const response = await fetch(`${url}${PROGRESS}?id=${id}`, { headers: AUTH });
    assertEquals(response.status, 200);
    return (await response.json()).run;
  };
  try {
    const weekly = fetch(`${url}/v1/admin/pricing-analytics/export?days=7`, {
      headers: { ...AUTH, [PROGRESS_HEADER]: "weekly-export-1" },
    });
    const monthly = fetch(`${url}/v1/admin/pricing-analytics/report`, {
      headers: { ...AUTH, [PROGRESS_HEADER]: "monthly-report-1" },
    });
    // a second tab's request joins the 7-day run: it reads the same run
    const joined = fetch(`${url}/v1/admin/pricing-analytics/summary?days=7`, {
      headers: { ...AUTH, [PROGRESS_HEADER]: "weekly-summary-2" },
    });
    await until(() => handler.runs.running === 2 && handler.runs.joined === 1, "both runs");
    const joining = {
      stage: "join",
      label: "joining the query results",
      step: 2,
      steps: 4,
    };
    assertEquals(await progress("weekly-export-1"), { ...joining, organizations: 3 });
    assertEquals(await progress("weekly-summary-2"), { ...joining, organizations: 3 });
    assertEquals(await progress("monthly-report-1"), { ...joining, organizations: 1234 });
    // a name no request waits under (not arrived yet, or one the page made up)
    assertEquals(await progress("nobody-asked-this"), null);

    week.open();
    assertEquals((await weekly).status, 200);
    assertEquals((await joined).status, 200);
    // done: nothing to say, while the other run still is where it was
    assertEquals(await progress("weekly-export-1"), null);
    assertEquals(await progress("monthly-report-1"), { ...joining, organizations: 1234 });
    month.open();
    const report = await monthly;
    assertEquals(report.status, 200);
    await report.body?.cancel();
    // answered from the cache: the request never waits on a run
    const cached = await fetch(`${url}/v1/admin/pricing-analytics/export?days=7`, {
      headers: { ...AUTH, [PROGRESS_HEADER]: "weekly-export-3" },
    });
    assertEquals(cached.headers.get("x-pricing-cache"), "hit");
    await cached.body?.cancel();
    assertEquals(await progress("weekly-export-3"), null);
    await (await weekly).body?.cancel();
    await (await joined).body?.cancel();

    // the polls are not logged; the runs' requests are
    ok(!logs.some((line) => line.includes(PROGRESS)), logs.join("\n"));
    ok(logs.some((line) => / GET \/v1\/admin\/pricing-analytics\/report 200 /.test(line)));
  } finally {
    week.open();
    month.open();
    await server.shutdown();
  }
});

Deno.test("progress: a bad or missing id is a 400 (logged), no token a 401", async () => {
  const logs: string[] = [];
  const settings = serverSettings(parseServerArgs(["--demo"]), { PRICING_SERVER_TOKEN: TOKEN });
  const handler = createHandler(settings, {
    hooks: { now: () => START, log: (line) => logs.push(line) },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const url = `http://127.0.0.1:${server.addr.port}${PROGRESS}`;
  try {
    for (
      const [query, message] of [
        [
          "",
          "id must be the name a request sent in X-Pricing-Progress (8 to 64 letters, digits, - or _), got none",
        ],
        [
          "?id=<b>x</b>",
          'id must be the name a request sent in X-Pricing-Progress (8 to 64 letters, digits, - or _), got "<b>x</b>"',
        ],
        ["?id=abcdefgh&days=7", 'unknown parameter "days": the progress endpoint takes id'],
      ]
    ) {
      const response = await fetch(url + query, { headers: AUTH });
      assertEquals(response.status, 400, query);
      assertEquals(await response.json(), { error: "bad_request", message });
    }
    const anonymous = await fetch(`${url}?id=abcdefgh`);
    assertEquals(anonymous.status, 401);
    await anonymous.body?.cancel();
    assertEquals(logs.filter((line) => line.includes(PROGRESS)).length, 4);
    match(logs.at(-1)!, / 401 /);
  } finally {
    await server.shutdown();
  }
});

Deno.test("RunCache.progressOf: the run a waiting request named, until it stops waiting", async () => {
  const held = gate();
  const cache = new RunCache(async ({ asOf, signal, progress }) => {
    progress.stage = "revenue";
    progress.organizations = 2;
    await held.opened;
    return await loadPricingData({
      demo: true,
      asOf,
      windowDays: 30,
      signal,
      quiet: true,
      log: () => {},
    });
  }, { ttlMs: 60_000, maxRuns: 2, now: () => START });
  const left = new AbortController();
  const waiting = cache.get({ days: 30, asOf: null }, {
    watcher: "first-tab",
    signal: left.signal,
  });
  const staying = cache.get({ days: 30, asOf: null }, { watcher: "second-tab" });
  await until(() => cache.joined === 1, "the second request to join");
  assertEquals(cache.progressOf("first-tab"), { stage: "revenue", organizations: 2 });
  // a request that leaves no longer has a run; the one that stays still has
  left.abort(new Error("the tab closed"));
  await waiting.catch(() => {});
  assertEquals(cache.progressOf("first-tab"), null);
  assertEquals(cache.progressOf("second-tab"), { stage: "revenue", organizations: 2 });
  held.open();
  assertEquals((await staying).status, "shared");
  assertEquals(cache.progressOf("second-tab"), null);
});

Deno.test("progress labels: each stage as this server's data makes it", () => {
  const label = (stage: string | null, server: { demo: boolean; stripe: string }) =>
    (progressBody({ stage, organizations: null }, server).run as { label: string }).label;
  const live = { demo: false, stripe: "auto" };
  assertEquals(
    [null, ...RUN_STAGES].map((stage) => label(stage, live)),
    [
      "starting",
      "querying the databases",
      "joining the query results",
      "reading Stripe revenue",
      "computing the metrics",
    ],
  );
  assertEquals(label("queries", { demo: true, stripe: "auto" }), "building the demo dataset");
  assertEquals(label("revenue", { demo: true, stripe: "auto" }), "making the demo revenue");
  assertEquals(
    label("revenue", { demo: false, stripe: "skip" }),
    "leaving revenue out (Stripe skipped)",
  );
  assertEquals(progressBody(null, live), { run: null });
  assertEquals(progressBody({ stage: null, organizations: null }, live).run, {
    stage: null,
    label: "starting",
    step: null,
    steps: 4,
    organizations: null,
  });
});
