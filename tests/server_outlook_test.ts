/**
 * The admin report's "Paying organizations: expansion candidates and signs of leaving" (lib/server/outlook.ts) over real HTTP:
 * the brief's section over the run's organizations against the history folder's snapshot a month
 * before (PRICING_HISTORY_DIR), in the report and the summary JSON, names escaped; without a
 * snapshot the trends are not known. The fixture's outcomes are worked out by hand in
 * tests/outlook_fixture.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { loadPricingData } from "../lib/export.ts";
import { jsonBody, serve, SUMMARY } from "./server_fixture.ts";
import { outlookFrame, storeEarlier } from "./outlook_fixture.ts";
import { outlookHtml, type OutlookRow, pageOutlook } from "../lib/server/outlook.ts";

const REPORT = "/v1/admin/pricing-analytics/report?as_of=2026-11-01";
const HOSTILE = "D <img src=x onerror=alert(1)> & \u202eevil";

async function served({ snapshot }: { snapshot: boolean }) {
  const historyDir = await Deno.makeTempDir({ prefix: "server_outlook_" });
  try {
    if (snapshot) {
      // the server here serves demo data (--demo): its earlier snapshot is a demo one
      await storeEarlier(historyDir, { demo: true });
    }
    const frame = outlookFrame().withColumns(
      pl.when(pl.col("org_id").eq(pl.lit("d"))).then(pl.lit(HOSTILE))
        .otherwise(pl.col("org_name")).alias("org_name"),
    );
    const server = serve({
      env: { PRICING_HISTORY_DIR: historyDir },
      loader: async (options) => ({ ...await loadPricingData(options), frame }),
    });
    try {
      const summary = await jsonBody(await server.get(`${SUMMARY}?as_of=2026-11-01`));
      const html = await (await server.get(REPORT)).text();
      return { outlook: summary.outlook as Record<string, unknown>, html };
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(historyDir, { recursive: true });
  }
}

const section = (html: string) => html.slice(html.indexOf("<h2>Paying organizations: expansion"));
const table = (html: string, list: string) =>
  section(html).split(`aria-label="${list}"`)[1]?.split("</table>")[0] ?? "";
const orgs = (html: string, list: string) =>
  [...table(html, list).matchAll(/<tr data-org="([^"]*)"/g)].map((m) => m[1]);
const headings = (html: string, list: string) =>
  [...table(html, list).matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);

Deno.test("the report's upgrade and churn section: the brief's counts and lists against the snapshot a month before", async () => {
  const { outlook, html } = await served({ snapshot: true });
  // churn d, e, f, g, h: $799 + $40 + $20 + $200 + $20; upgrade a: $79
  const counts =
    "Signs of leaving: 5 of 11 paying organizations ($1,079.00 MRR). Expansion candidates: 1 of 11 paying organizations ($79.00 MRR).";
  assertEquals(outlook.counts, counts);
  assertEquals(outlook.earlierAsOf, "2026-10-01");
  ok(section(html).includes(`<p class="reading" data-outlook="counts">${counts}</p>`), html);
  ok(
    section(html).includes(
      "Earlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its <code>requests_30d</code> and <code>seats</code> per <code>org_id</code>)",
    ),
  );
  assertEquals(orgs(html, "Signs of leaving"), ["d", "g", "e", "f", "h"]);
  assertEquals(orgs(html, "Expansion candidates"), ["a"]);
  // the brief's headings (brief_outlook_test), its code spans as plain names
  const shown = ["org_name", "plan", "mrr", "requests (30-day basis)", "earlier", "change"];
  assertEquals(headings(html, "Signs of leaving"), [...shown, "seats", "earlier", "signals"]);
  assertEquals(headings(html, "Expansion candidates"), [...shown, "seats", "earlier"]);
  // d's row: its name as text (escaped, the bidi override gone), its figures and signal
  ok(
    section(html).includes(
      '<td class="name" title="D &lt;img src=x onerror=alert(1)&gt; &amp; evil"><span dir="auto">D &lt;img src=x onerror=alert(1)&gt; &amp; evil</span></td><td class="name" title="team 2025-12-10"><span dir="auto">team 2025-12-10</span></td><td class="num">$799.00</td><td class="num">40,000</td><td class="num">100,000</td><td class="num">-60.0 %</td><td class="num">10</td><td class="num">10</td><td>requests down by half or more</td>',
    ),
    section(html),
  );
  ok(!html.includes("<img src=x"));
});

Deno.test("the report's upgrade and churn section without a snapshot: the trends not known, churn by the signals alone", async () => {
  const { outlook, html } = await served({ snapshot: false });
  assertEquals(
    outlook.counts,
    "Signs of leaving: 3 of 11 paying organizations ($240.00 MRR). Expansion candidates: not known (–).",
  );
  assertEquals([outlook.earlierAsOf, (outlook.facts as Record<string, unknown>).upgrade], [
    null,
    null,
  ]);
  ok(
    section(html).includes(
      "No readable history snapshot from 30 to 62 days before the as-of is stored",
    ),
  );
  assertEquals(orgs(html, "Signs of leaving"), ["g", "f", "h"]);
  ok(!section(html).includes("Expansion candidates, most requests added first"));
});

Deno.test("a history folder that cannot be listed: the report and summary still answer, the section saying the trends are not known and why", async () => {
  // a folder the server cannot list (here a symbolic link to itself: ELOOP, as a folder of another
  // user's is EACCES): the run reads no history, only this section does, so it alone says so
  const dir = await Deno.makeTempDir({ prefix: "server_outlook_loop_" });
  const historyDir = `${dir}/history`;
  await Deno.symlink(historyDir, historyDir);
  try {
    const server = serve({
      env: { PRICING_HISTORY_DIR: historyDir },
      loader: async (options) => ({ ...await loadPricingData(options), frame: outlookFrame() }),
    });
    try {
      const response = await server.get(`${SUMMARY}?as_of=2026-11-01`);
      assertEquals(response.status, 200, await response.clone().text());
      const outlook = (await jsonBody(response)).outlook as Record<string, unknown>;
      ok(String(outlook.warning).includes(historyDir), String(outlook.warning));
      assertEquals(outlook.earlierAsOf, null);
      // churn f, g, h by their signals
      assertEquals(
        outlook.counts,
        "Signs of leaving: 3 of 11 paying organizations ($240.00 MRR). Expansion candidates: not known (–).",
      );
      const report = await server.get(REPORT);
      assertEquals(report.status, 200);
      ok(section(await report.text()).includes('data-outlook="warning"'));
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no outlook over a frame without a column the outlook reads, nor over no organization: none, not a failure", async () => {
  const historyDir = await Deno.makeTempDir({ prefix: "server_outlook_reads_" });
  try {
    const options = {
      historyDir,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      windowDays: 30,
    };
    // the nine columns accountOutlook reads (a hand-made frame, or an earlier kit's export, may
    // lack any of them)
    for (
      const name of [
        "org_id",
        "org_name",
        "plan",
        "mrr",
        "requests_30d",
        "seats",
        "subscription_status",
        "cancel_at_period_end",
        "org_subscription_status",
      ]
    ) {
      assertEquals(await pageOutlook(outlookFrame().drop(name), options), null, name);
    }
    // an empty segment: its cards say why
    assertEquals(await pageOutlook(outlookFrame().head(0), options), null);
    // all nine, no snapshot: churn by the signals alone, f, g and h ($20 + $200 + $20)
    const whole = await pageOutlook(outlookFrame(), options);
    assertEquals([whole?.facts.churn, whole?.facts.churnMrrUsd], [3, 240]);
  } finally {
    await Deno.remove(historyDir, { recursive: true });
  }
});

Deno.test("the report's section as drawn: the warning and every organization's id escaped, '(the first N)' only where fewer are shown", () => {
  const row = (org_id: string, mrr: number, signals?: string): OutlookRow => ({
    org_id,
    org_name: "N",
    plan: "p",
    mrr,
    requests_30d: 1_000,
    requests_earlier: null,
    requests_change_pct: null,
    seats: 1,
    seats_earlier: null,
    ...(signals ? { signals } : {}),
  });
  const html = outlookHtml({
    rule: "the rule",
    earlier: "earlier",
    counts: "counts",
    // a snapshot's path is the folder's own text
    warning: "upgrade and churn trends: history snapshot left out: /h/<b>x</b>&.parquet is cut",
    earlierAsOf: "2026-10-01",
    facts: {
      paying: 5,
      upgrade: 3,
      upgradeMrrUsd: 237,
      churn: 2,
      churnMrrUsd: 40,
      trendUnknown: 0,
      signals: {
        payment_failing: 0,
        cancel_scheduled: 2,
        canceled_in_helicone: 0,
        usage_down: 0,
        seats_down: 0,
      },
    },
    // both churn risks shown; one of the three expansion candidates
    churn: [row('x"><script>1</script>', 20, "set to cancel"), row("y", 20, "set to cancel")],
    upgrade: [row("a&b", 79)],
  });
  ok(
    html.includes(
      '<p class="note" data-outlook="warning">upgrade and churn trends: history snapshot left out: /h/&lt;b&gt;x&lt;/b&gt;&amp;.parquet is cut</p>',
    ),
    html,
  );
  ok(html.includes('<tr data-org="x&quot;&gt;&lt;script&gt;1&lt;/script&gt;">'), html);
  ok(html.includes('<tr data-org="a&amp;b">'), html);
  ok(!html.includes("<script>") && !html.includes("<b>x"), html);
  ok(html.includes("<h3>Signs of leaving, most MRR first</h3>"), html);
  ok(html.includes("<h3>Expansion candidates, most requests added first (the first 1)</h3>"), html);
});

Deno.test("a failed outlook is not kept for the run: once the history folder is mended, the next request reads it", async () => {
  // a snapshot's name left by a link to a file removed since (as a snapshot removed between the
  // listing and its stat): the outlook fails on it, and the run's cached summary must not keep
  // that failure for the run's lifetime
  const historyDir = await Deno.makeTempDir({ prefix: "server_outlook_retry_" });
  const gone = `${historyDir}/helicone_pricing_data_2026-10-15_demo.parquet`;
  await Deno.symlink(`${historyDir}/removed.parquet`, gone);
  try {
    await storeEarlier(historyDir, { demo: true });
    const server = serve({
      env: { PRICING_HISTORY_DIR: historyDir },
      loader: async (options) => ({ ...await loadPricingData(options), frame: outlookFrame() }),
    });
    try {
      const failed = await server.get(`${SUMMARY}?as_of=2026-11-01`);
      await failed.body?.cancel();
      ok(failed.status >= 500, `the outlook did not fail (${failed.status}): the test needs one`);
      await Deno.remove(gone);
      const response = await server.get(`${SUMMARY}?as_of=2026-11-01`);
      assertEquals(response.status, 200, await response.clone().text());
      assertEquals(response.headers.get("x-pricing-cache"), "hit");
      const outlook = (await jsonBody(response)).outlook as Record<string, unknown>;
      assertEquals([outlook.earlierAsOf, outlook.warning], ["2026-10-01", null]);
      const report = await server.get(REPORT);
      assertEquals(report.status, 200);
      ok(section(await report.text()).includes("the history snapshot of 2026-10-01"));
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(historyDir, { recursive: true });
  }
});
