/**
 * The admin page in headless Debian Chromium on a report whose run could not reach Stripe (the
 * fixture databases, the fake Stripe down, then back): it says why and fetches again. Waits on
 * conditions, never on time. The screenshots are kept when a step fails (the test says where), or
 * in PRICING_SCREENSHOT_DIR.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import {
  type FakeStripe,
  fakeStripeEnv,
  fixtureCustomersData,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { refusedPort } from "./refused_port.ts";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";
import { formatBytes } from "../lib/report/numbers.ts";

Deno.test({
  name:
    "admin page in Chromium: a report whose run could not reach Stripe says why and fetches again",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    // The fixture databases; Stripe is down (nothing listens on its port, held so no other process
    // takes it), then comes back there with cus_alpha at $79 and cus_charlie at $200: total MRR
    // $279 (B has no customer).
    const down = await refusedPort();
    const databases = await freshFixtureDatabases("page_stripe_down");
    const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-stripe-cache-" });
    const downloads = await Deno.makeTempDir({ prefix: "pricing-kit-downloads-" });
    const logs: string[] = [];
    const admin = await openAdminPageInChromium(t, {
      args: [],
      env: {
        ...databases.env,
        ...fakeStripeEnv({ port: down.port }),
        PRICING_STRIPE_MAX_RETRIES: "0", // a refused connection fails the fetch at once
      },
      outDir,
      hooks: { now: () => Date.parse("2026-11-01T00:00:00Z"), log: (line) => logs.push(line) },
    });
    const { page, step } = admin;
    let stripe: FakeStripe | undefined;
    let finished = false;
    try {
      const missing = page.locator(".report [data-revenue-missing]");

      await step(
        "Stripe down: the report says revenue is missing, why, and offers Fetch again",
        async () => {
          await admin.unlock();
          const text = (await missing.textContent())!;
          ok(/^REVENUE MISSING: cannot reach Stripe at 127\.0\.0\.1:\d+ /.test(text), text);
          assertEquals(await page.getAttribute('.stat[data-stat="total_mrr"]', "data-value"), "");
          await page.screenshot({ path: join(admin.shots, "page_revenue_missing.png") });
        },
      );

      await step(
        "Stripe back: Fetch again reads it (refresh=1) and the revenue is shown",
        async () => {
          stripe = await down.handOver((port) =>
            startFakeStripe(fixtureCustomersData(), "sk_test_fake_123", 0, { port })
          );
          await missing.getByRole("button", { name: "Fetch again" }).click();
          await page.locator('.stat[data-stat="total_mrr"][data-value="279"]').waitFor();
          assertEquals(await missing.count(), 0);
          assertEquals(await page.textContent("#status"), "");
          ok(
            logs.some((l) =>
              /GET \/v1\/admin\/pricing-analytics\/report\?refresh=1 200 .*cache=refresh$/.test(l)
            ),
            logs.join("\n"),
          );
          await page.screenshot({ path: join(admin.shots, "page_revenue_fetched_again.png") });
        },
      );

      await step("Export to CSV downloads the report now on screen, with its revenue", async () => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export to CSV" }).click(),
        ]);
        const path = join(downloads, download.suggestedFilename());
        await download.saveAs(path);
        const { records } = parseCsvRecords(await Deno.readTextFile(path));
        assertEquals(
          // A (1111…) $79 and C (3333…) $200 from Stripe; B, D and E have no Stripe customer
          records.map((r) => [r.org_id.slice(0, 4), r.mrr, r.revenue_source]).sort(),
          [
            ["1111", "79", "stripe"],
            ["2222", "0", "no_customer"],
            ["3333", "200", "stripe"],
            ["4444", "0", "no_customer"],
            ["5555", "0", "no_customer"],
          ],
        );
        await page.locator("#exports li:first-child[data-state=done]").waitFor();
        const bytes = (await Deno.stat(path)).size;
        assertEquals(
          await page.textContent("#exports li:first-child .text"),
          `Downloaded helicone_pricing_data_2026-11-01.csv (${
            formatBytes(bytes)
          }, 5 organizations)`,
        );
      });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
      await stripe?.close();
      await down.release();
      await Deno.remove(downloads, { recursive: true });
      await Deno.remove(outDir, { recursive: true });
      await databases.drop();
    }
  },
});
