/**
 * The admin page's Export in headless Debian Chromium: it downloads the report on screen (its run,
 * or its as-of run again, however far the clock has moved), and a Days or As of it cannot read is
 * said, not shown as 30 days or now, Export keeping the focus. Waits on conditions, never on time.
 * The screenshots are kept when a step fails (the test says where), or in PRICING_SCREENSHOT_DIR.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type { LoadPricingData } from "../lib/server/handler.ts";
import { type ExportOptions, loadPricingData } from "../lib/export.ts";
import { csvChunks } from "../lib/formats/csv.ts";
import { openAdminPageInChromium, START, TOKEN } from "./admin_page_in_chromium.ts";
import { formatBytes } from "../lib/report/numbers.ts";

Deno.test({
  name:
    "admin page in Chromium: Export downloads the report's run while the clock moves on (cached, evicted, past the TTL, past midnight)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const shownAt = Date.parse("2026-11-02T23:58:00Z");
    const clock = { now: shownAt };
    const calls: Partial<ExportOptions>[] = [];
    const loader: LoadPricingData = (options) => {
      calls.push(options);
      return loadPricingData(options);
    };
    const admin = await openAdminPageInChromium(t, {
      loadData: loader,
      hooks: { now: () => clock.now, log: () => {} },
    });
    const { origin, page, step } = admin;
    const downloads = await Deno.makeTempDir({ prefix: "pricing-kit-downloads-" });
    let finished = false;
    try {
      // The report's run, as the demo pipeline gives it for the instant it was pinned to.
      let reportCsv = "";
      const exportCsv = async () => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export to CSV" }).click(),
        ]);
        const path = join(downloads, download.suggestedFilename());
        await download.saveAs(path);
        // the newest export's line says the file it saved
        await page.locator("#exports li:first-child[data-state=done]").waitFor();
        const text = await Deno.readTextFile(path);
        return {
          name: download.suggestedFilename(),
          text,
          status: await page.textContent("#exports li:first-child .text"),
          saved: `${download.suggestedFilename()} (${
            formatBytes(new TextEncoder().encode(text).byteLength)
          }, 400 organizations)`,
        };
      };

      await step("the report of now, left on screen: pinned to 23:58 on 2026-11-02", async () => {
        await admin.unlock();
        assertEquals(
          await page.getAttribute(".report", "data-as-of"),
          "2026-11-02T23:58:00.000Z",
        );
        assertEquals(calls.map((c) => c.asOf?.toISOString()), ["2026-11-02T23:58:00.000Z"]);
        reportCsv = [...csvChunks((await loadPricingData(calls[0])).frame)].join("");
      });

      await step("a minute later: the report's run, from the cache", async () => {
        clock.now += 60_000;
        const file = await exportCsv();
        assertEquals(file.name, "helicone_pricing_data_2026-11-02_demo.csv");
        ok(file.text === reportCsv, "the report's data");
        assertEquals(file.saved.startsWith("helicone_pricing_data_2026-11-02_demo.csv ("), true);
        assertEquals(file.status, `Downloaded ${file.saved}`);
        assertEquals(calls.length, 1);
      });

      await step(
        "past midnight, another client's four windows evicted the run: the report's as-of is run again",
        async () => {
          clock.now = Date.parse("2026-11-03T00:01:00Z");
          for (const days of [1, 2, 3, 4]) {
            const response = await fetch(
              `${origin}/v1/admin/pricing-analytics/summary?days=${days}`,
              { headers: { Authorization: `Bearer ${TOKEN}` } },
            );
            assertEquals(response.status, 200);
            await response.body?.cancel();
          }
          const file = await exportCsv();
          assertEquals(file.name, "helicone_pricing_data_2026-11-02_demo.csv");
          ok(file.text === reportCsv, "the report's data, not a new run's");
          assertEquals(calls.length, 6);
          assertEquals(calls[5].asOf?.toISOString(), "2026-11-02T23:58:00.000Z");
          assertEquals(
            file.status,
            `Downloaded ${file.saved}; run again for the report's as-of: the report's own run ` +
              "had left the server's cache",
          );
        },
      );

      await step("past the cache's hour: the report's as-of once more", async () => {
        clock.now += 3_600_000;
        const file = await exportCsv();
        assertEquals(file.name, "helicone_pricing_data_2026-11-02_demo.csv");
        ok(file.text === reportCsv, "the report's data");
        assertEquals(calls.length, 7);
        assertEquals(calls[6].asOf?.toISOString(), "2026-11-02T23:58:00.000Z");
      });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
      await Deno.remove(downloads, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "admin page in Chromium: a Days or As of it cannot read is said, not shown as 30 days or now; Export keeps the focus",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const logs: string[] = [];
    const admin = await openAdminPageInChromium(t, {
      hooks: { now: () => START, log: (line) => logs.push(line) },
    });
    const { page, step } = admin;
    const reports = () => logs.filter((l) => l.includes("/report")).length;
    let finished = false;
    try {
      const focused = () => page.evaluate("document.activeElement?.id");
      await admin.unlock();

      await step('Days "7e" (a number field\'s value is then empty): said, no report', async () => {
        const before = reports();
        await page.fill("#days", "");
        await page.type("#days", "7e");
        await page.press("#days", "Enter");
        await page.locator("#status.error").waitFor();
        assertEquals(
          await page.textContent("#status"),
          "Days is not a number: type a whole number from 1 to 3660",
        );
        // not the 30-day report under a field that says 7e, nor the one shown before
        assertEquals(await page.locator(".report").count(), 0);
        assertEquals(await page.locator("#export-csv").isDisabled(), true);
        assertEquals(await focused(), "days");
        assertEquals(reports(), before, "nothing asked of the server");
        await page.screenshot({ path: join(admin.shots, "days_unreadable.png") });
        await page.fill("#days", "7");
        await page.press("#days", "Enter");
        await page.locator(".report .window", { hasText: "7-day window" }).waitFor();
        assertEquals(await page.textContent("#status"), "");
      });

      await step("an As of without its year: said, not shown as now", async () => {
        await page.focus("#as-of");
        await page.keyboard.type("1101"); // month 11, day 01, no year
        assertEquals(await page.inputValue("#as-of"), "");
        await page.click("#apply");
        await page.locator("#status.error").waitFor();
        assertEquals(
          await page.textContent("#status"),
          "As of is not a whole date: finish it (month, day and year) or clear it to show up to now",
        );
        assertEquals(await page.locator(".report").count(), 0);
        assertEquals(await focused(), "as-of");
        await page.fill("#as-of", "2026-11-01");
        await page.press("#as-of", "Enter");
        await page.locator(".report .window", { hasText: "7-day window ending 2026-11-01" })
          .waitFor();
      });

      await step(
        "Export by keyboard keeps the focus on its button, one download at a time",
        async () => {
          let release = () => {};
          const held = new Promise<void>((resolve) => release = resolve);
          let asked = 0;
          await page.route("**/v1/admin/pricing-analytics/export*", async (route) => {
            asked++;
            await held;
            await route.continue();
          });
          await page.focus("#export-csv");
          const download = page.waitForEvent("download");
          await page.keyboard.press("Enter");
          await page.locator("#exports li:first-child[data-state=running]").waitFor();
          assertEquals(await focused(), "export-csv");
          assertEquals(await page.getAttribute("#export-csv", "aria-disabled"), "true");
          await page.keyboard.press("Enter"); // again while it runs: no second download
          release();
          assertEquals(
            (await download).suggestedFilename(),
            "helicone_pricing_data_2026-11-01_demo_7d.csv",
          );
          await page.locator("#exports li:first-child[data-state=done]").waitFor();
          assertEquals(asked, 1);
          assertEquals(await focused(), "export-csv");
          assertEquals(await page.getAttribute("#export-csv", "aria-disabled"), null);
          await page.unroute("**/v1/admin/pricing-analytics/export*");
        },
      );
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});
