/**
 * The admin server's export when its output folder (where Stripe's daily cache goes) is removed
 * while the server runs, before a request: over real HTTP, a live server on the fixture
 * databases and the real Stripe SDK against a local fake.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData } from "../lib/export.ts";
import { createHandler } from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { activeSubscription, fakeStripeEnv, monthlyPrice, startFakeStripe } from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

const TOKEN = "test-token-0123456789abcdef-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const EXPORT = "/v1/admin/pricing-analytics/export";

const SUMMARY = "/v1/admin/pricing-analytics/summary";
const PINNED = "as_of=2026-11-01&refresh=1";

/** `text` as a regular expression matching it literally (a temporary folder's name has dots). */
const pattern = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every entry under `dir`, dot-files included, as paths relative to it. */
function everything(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    return entry.isDirectory ? [path, ...everything(join(dir, entry.name), `${path}/`)] : [path];
  }).sort();
}

// The server writes no export file: its output folder holds Stripe's daily cache, which is a
// convenience (lib/revenue/mod.ts, tryWriteCache). A folder gone before a request is therefore no
// reason to refuse the export: the run makes it again (as every run makes a missing output
// folder), or, when it cannot (a file in its place), answers the data with a warning that says
// the cache could not be written. Either way nothing half-written is left, and the server goes on.
Deno.test("server: an output folder removed while it runs, before a request: the export is answered whole, the folder made again with only the cache, and the server keeps serving", async (t) => {
  const databases = await freshFixtureDatabases("server_out_dir");
  const stripe = startFakeStripe(
    {
      subscriptions: [activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900))],
      products: [{ id: "prod_pro-20251210", name: "pro-20251210", metadata: {} }],
      invoices: [],
    },
    "sk_test_fake_123",
  );
  const parent = await Deno.makeTempDir({ prefix: "server_out_dir_" });
  const outDir = join(parent, "outputs");
  await Deno.mkdir(outDir);
  const settings = serverSettings(parseServerArgs([]), {
    PRICING_SERVER_TOKEN: TOKEN,
    ...databases.env,
    ...fakeStripeEnv(stripe),
  });
  const handler = createHandler({ ...settings, outDir }, {
    loadData: loadPricingData,
    hooks: { log: () => {} },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const get = (path: string) =>
    fetch(`http://127.0.0.1:${server.addr.port}${path}`, { headers: AUTH });
  /** The export's CSV (200, text/csv) and the Stripe requests its run made. */
  const exportCsv = async () => {
    const calls = stripe.requests.length;
    const response = await get(`${EXPORT}?${PINNED}`);
    assertEquals([response.status, response.headers.get("content-type")], [200, "text/csv"]);
    return { csv: await response.text(), stripeCalls: stripe.requests.length - calls };
  };
  try {
    const first = await exportCsv();
    ok(first.stripeCalls > 0);
    const cacheFiles = everything(outDir);
    assertEquals(cacheFiles.length, 2); // .stripe-cache and its file of the day
    match(cacheFiles[1], /^\.stripe-cache\/stripe_[0-9a-f]+_2026-11-01\.json$/);

    await t.step(
      "removed: the same CSV, Stripe read again, the folder made again with only the cache",
      async () => {
        await Deno.remove(outDir, { recursive: true });
        const again = await exportCsv();
        assertEquals(again.csv, first.csv);
        ok(again.stripeCalls > 0, "the cache went with the folder: Stripe is read again");
        assertEquals(everything(parent), ["outputs", ...cacheFiles.map((p) => `outputs/${p}`)]);
      },
    );

    await t.step(
      "a file in its place: the data with the warning that the cache could not be written; the file untouched",
      async () => {
        await Deno.remove(outDir, { recursive: true });
        await Deno.writeTextFile(outDir, "not a folder");
        const response = await get(`${SUMMARY}?${PINNED}`);
        assertEquals(response.status, 200);
        const summary = await response.json();
        assertEquals([summary.totalMrrUsd, summary.revenueMissing], [79, null]);
        const warning = summary.warnings.find((w: string) => w.startsWith("could not write"));
        match(
          warning,
          new RegExp(
            `^could not write the Stripe cache ${
              pattern(outDir)
            }/\\.stripe-cache/stripe_[0-9a-f]+_2026-11-01\\.json \\(${
              pattern(outDir)
            } is a file, not a folder\\): the next export fetches again$`,
          ),
        );
        assertEquals((await exportCsv()).csv, first.csv);
        assertEquals(await Deno.readTextFile(outDir), "not a folder");
        assertEquals(everything(parent), ["outputs"]); // no temporary file beside it
      },
    );

    await t.step(
      "the server keeps serving: health, and an export once the folder is back",
      async () => {
        const health = await get("/healthz");
        assertEquals([health.status, (await health.json()).status], [200, "ok"]);
        await Deno.remove(outDir);
        assertEquals((await exportCsv()).csv, first.csv);
        assertEquals(everything(parent), ["outputs", ...cacheFiles.map((p) => `outputs/${p}`)]);
      },
    );
  } finally {
    await server.shutdown();
    await stripe.close();
    await Deno.remove(parent, { recursive: true });
    await databases.drop();
  }
});
