/**
 * The admin page's export lines in headless Debian Chromium (as server_browser_test.ts): while a
 * run goes on the report's status and each export's own line say its stage and organizations; two
 * exports at once (two runs in one tab, one run in two tabs) each keep their own line; Cancel (by
 * keyboard too) saves nothing and hands the focus back; a failed run's line is its one-line error,
 * shown as text; a field the server refuses is named by its label and focused; east of UTC the As
 * of picker stops at today's UTC date (the browser's zone and clock emulated). Runs are held by
 * the test (gates), and every wait is on a condition.
 * The screenshots are kept when a step fails (the test says where), or in PRICING_SCREENSHOT_DIR.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import type { Page } from "playwright-core";
import { loadPricingData } from "../lib/export.ts";
import { writeXlsx } from "../lib/formats/xlsx.ts";
import type { LoadPricingData } from "../lib/server/handler.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";
import { openAdminPageInChromium, START } from "./admin_page_in_chromium.ts";
import { formatBytes } from "../lib/report/numbers.ts";

/** What the next run does: held mid-join with that many organizations, or fails. */
type NextRun =
  | { organizations: number; opened: Promise<void>; open: () => void }
  | { fails: string };

function held(
  organizations: number,
): { organizations: number; opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return { organizations, opened, open };
}

/** Resolves once `condition` holds (checked every few ms; fails past HANG_GUARD_MS naming `what`) */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test({
  name: "admin page in Chromium: each export's own line, its stage while it runs, cancel, errors",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const next: NextRun[] = [];
    const logs: string[] = [];
    let xlsxHeld: { opened: Promise<void> } | undefined;
    const loader: LoadPricingData = async (options) => {
      const run = next.shift();
      if (run && "fails" in run) throw new Error(run.fails);
      if (run) {
        // as a long live run reports itself: queries read, the join started
        options.onStageTime?.("queries", "start");
        options.onStageTime?.("queries", "end");
        const organizations = pl.DataFrame({
          id: Array.from({ length: run.organizations }, String),
        });
        options.onStage?.({ stage: "queries", frames: { organizations }, stats: [] });
        options.onStageTime?.("join", "start");
        await run.opened;
      }
      return loadPricingData(options);
    };
    // no cache: every export runs the pipeline again, as one past the cache's hour does
    const admin = await openAdminPageInChromium(t, {
      env: { PRICING_SERVER_CACHE_TTL_SECONDS: "0" },
      loadData: loader,
      hooks: {
        now: () => START,
        log: (line) => logs.push(line),
        // a workbook held by the test before its first byte, as a large one takes seconds
        xlsx: async (frame, stream) => {
          await xlsxHeld?.opened;
          await writeXlsx(frame, stream, { documentDate: new Date("2026-11-01T00:00:00Z") });
        },
      },
    });
    const { context, handler, shots, page, step } = admin;
    const pageErrors: string[] = [];
    let finished = false;
    const unlocked = async (page: Page) => {
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await admin.unlock(page, { report: false });
    };
    const line = (page: Page, format: string) =>
      page.locator(`#exports li[data-format=${format}]`).first();
    const joining = (organizations: string) =>
      `joining the query results (step 2 of 4), ${organizations} organizations`;
    try {
      await step("the report's status says its run's stage while it loads", async () => {
        const run = held(1234);
        next.push(run);
        await unlocked(page);
        await page.locator("#status", { hasText: `Loading the report: ${joining("1,234")}` })
          .waitFor();
        // the token is being tried: no empty token field asks for it again meanwhile
        assertEquals(await page.locator("#unlock").isVisible(), false);
        // the seconds tick beside it, not read out: the status's read text stays the stage
        ok(/^ · \d+ s$/.test((await page.textContent('#status span[aria-hidden="true"]'))!));
        // a progress answer still on its way when the report comes says nothing after it
        const polls: (() => void)[] = [];
        await page.route("**/pricing-analytics/progress?*", async (route) => {
          await new Promise<void>((resolve) => polls.push(resolve));
          await route.continue();
        });
        let answered = 0;
        page.on("requestfinished", (request) => {
          if (request.url().includes("/progress?")) answered++;
        });
        await until(() => polls.length === 1, "a progress ask held");
        run.open();
        await page.locator(".report").waitFor();
        polls[0]();
        await until(() => answered > 0, "the held progress answer");
        await page.evaluate("new Promise((resolve) => requestAnimationFrame(resolve))");
        await page.unroute("**/pricing-analytics/progress?*");
        assertEquals(await page.textContent("#status"), "");
        // the status line empties; a screen reader hears which report came (a second live region,
        // not drawn)
        assertEquals(
          await page.getByRole("status").filter({ hasText: "Report shown" }).textContent(),
          "Report shown: 30-day window ending 2026-11-02 00:00 UTC · files dated 2026-11-02",
        );
        assertEquals(await page.locator("#shown").boundingBox().then((box) => box?.width), 1);
      });

      await step("two exports of two runs at once: each line its own run", async () => {
        await page.fill("#days", "7");
        await page.click("#apply");
        await page.locator(".report .window", { hasText: "7-day window" }).waitFor();
        const week = held(3);
        next.push(week);
        await page.click("#export-csv");
        await line(page, "csv").locator(".text", { hasText: joining("3") }).waitFor();
        assertEquals(await page.getAttribute("#export-csv", "aria-disabled"), "true");
        await page.fill("#days", "30");
        await page.click("#apply");
        await page.locator(".report .window", { hasText: "30-day window" }).waitFor();
        // the 30-day report's CSV is not the one under way: its button is not dimmed
        assertEquals(await page.getAttribute("#export-csv", "aria-disabled"), null);
        const month = held(1234);
        next.push(month);
        await page.click("#export-xlsx");
        await line(page, "xlsx").locator(".text", { hasText: joining("1,234") }).waitFor();
        // each line says what it exports; the CSV's still its own run's
        assertEquals(
          await line(page, "csv").locator("strong").textContent(),
          "CSV of all organizations, 7 days to 2026-11-02 00:00 UTC: ",
        );
        assertEquals(
          await line(page, "xlsx").locator("strong").textContent(),
          "XLSX of all organizations, 30 days to 2026-11-02 00:00 UTC: ",
        );
        assertEquals(await line(page, "csv").locator(".text").textContent(), joining("3"));
        ok(
          /^ · \d+ s$/.test(
            (await line(page, "csv").locator('.time[aria-hidden="true"]').textContent())!,
          ),
        );
        await page.screenshot({ path: join(shots, "two_exports_running.png") });

        const csv = page.waitForEvent("download");
        week.open();
        assertEquals(
          (await csv).suggestedFilename(),
          "helicone_pricing_data_2026-11-02_demo_7d.csv",
        );
        await line(page, "csv").locator(".text", { hasText: "Downloaded" }).waitFor();
        // the other is still where its run is
        assertEquals(await line(page, "xlsx").getAttribute("data-state"), "running");
        assertEquals(await line(page, "xlsx").locator(".text").textContent(), joining("1,234"));
        const xlsx = page.waitForEvent("download");
        month.open();
        const workbook = await xlsx;
        const path = await workbook.path();
        await line(page, "xlsx").locator(".text", { hasText: "Downloaded" }).waitFor();
        assertEquals(
          await line(page, "xlsx").locator(".text").textContent(),
          `Downloaded helicone_pricing_data_2026-11-02_demo.xlsx (${
            formatBytes((await Deno.stat(path)).size)
          }, 400 organizations); run again for the report's as-of: the report's own run had ` +
            "left the server's cache",
        );
        assertEquals(await page.locator("#exports li[data-state=running]").count(), 0);
        await page.screenshot({ path: join(shots, "two_exports_done.png") });
      });

      await step("two tabs exporting one run: each tab its own line, the same stage", async () => {
        const second = await context.newPage();
        await unlocked(second);
        await second.locator(".report").waitFor();
        const run = held(77);
        next.push(run);
        const first = page.waitForEvent("download");
        const other = second.waitForEvent("download");
        await page.click("#export-csv");
        await second.click("#export-csv");
        for (const tab of [page, second]) {
          await line(tab, "csv").locator(".text", { hasText: joining("77") }).waitFor();
        }
        run.open();
        for (const download of [await first, await other]) {
          assertEquals(download.suggestedFilename(), "helicone_pricing_data_2026-11-02_demo.csv");
        }
        for (const tab of [page, second]) {
          await line(tab, "csv").locator(".text", { hasText: "Downloaded" }).waitFor();
        }
        await second.close();
      });

      await step("keyboard only: Cancel saves nothing and the focus goes back", async () => {
        const run = held(5);
        next.push(run);
        let downloads = 0;
        page.on("download", () => downloads++);
        await page.focus("#export-csv");
        await page.keyboard.press("Enter");
        await line(page, "csv").locator(".text", { hasText: joining("5") }).waitFor();
        const cancel = page.getByRole("button", { name: "Cancel the CSV export" });
        const onCancel = async () =>
          await page.evaluate("document.activeElement?.getAttribute('aria-label')") ===
            "Cancel the CSV export";
        for (let tabs = 0; tabs < 5 && !(await onCancel()); tabs++) {
          await page.keyboard.press("Tab");
        }
        ok(await onCancel(), "Tab reaches Cancel");
        await page.keyboard.press("Enter");
        await line(page, "csv").locator(".text", { hasText: "Cancelled; nothing was saved" })
          .waitFor();
        assertEquals(await page.evaluate("document.activeElement?.id"), "export-csv");
        assertEquals(await page.getAttribute("#export-csv", "aria-disabled"), null);
        assertEquals(await cancel.count(), 0);
        run.open(); // (the run goes on for the cache; this page saves nothing of it)
        // the next export downloads; the cancelled one never did
        const download = page.waitForEvent("download");
        await page.click("#export-csv");
        await download;
        await line(page, "csv").locator(".text", { hasText: "Downloaded" }).waitFor();
        assertEquals(downloads, 1);
      });

      await step("a failed run's line is its one-line error, shown as text", async () => {
        next.push({ fails: '<img src=x id="injected"> database down\nsecond line' });
        await page.click("#export-xlsx");
        await line(page, "xlsx").locator(".text", { hasText: "failed" }).waitFor();
        assertEquals(await line(page, "xlsx").getAttribute("class"), "error");
        assertEquals(
          await line(page, "xlsx").locator(".text").textContent(),
          'the export run failed: <img src=x id="injected"> database down',
        );
        assertEquals(await page.locator("#injected").count(), 0);
        // only the few newest finished lines stay
        assertEquals(await page.locator("#exports li").count(), 4);
        await page.screenshot({ path: join(shots, "export_lines.png") });
      });
      await step("a workbook not begun yet: the line says the server is making it", async () => {
        const workbook = held(0);
        xlsxHeld = workbook;
        const download = page.waitForEvent("download");
        await page.click("#export-xlsx");
        await line(page, "xlsx").locator(".text", { hasText: "the server is making the file" })
          .waitFor();
        workbook.open();
        await download;
        await line(page, "xlsx").locator(".text", { hasText: "Downloaded" }).waitFor();
        xlsxHeld = undefined;
      });

      await step(
        "a field the server refuses is named by its label and gets the focus",
        async () => {
          await page.fill("#as-of", "2026-11-03"); // the day after the server's now
          await page.click("#apply");
          await page.locator("#status.error").waitFor();
          assertEquals(
            await page.textContent("#status"),
            "As of 2026-11-03 is in the future (it is 2026-11-02 00:00 UTC now); leave it out to " +
              "export up to now",
          );
          assertEquals(await page.evaluate("document.activeElement?.id"), "as-of");
          await page.fill("#as-of", "");
          await page.fill("#days", "0");
          await page.keyboard.press("Enter");
          await page.locator("#status.error", { hasText: "Days must be" }).waitFor();
          assertEquals(
            await page.textContent("#status"),
            'Days must be a whole number from 1 to 3660, got "0"',
          );
          assertEquals(await page.evaluate("document.activeElement?.id"), "days");
          await page.fill("#days", "30");
          await page.keyboard.press("Enter");
          await page.locator(".report").waitFor();
        },
      );

      await step(
        "east of UTC, As of offers up to today's UTC date, not the local one; typed past it, refused",
        async () => {
          const east = await context.newPage();
          // UTC+14: at 12:00 UTC on 2026-11-02 it is 02:00 on 2026-11-03 there
          const cdp = await context.newCDPSession(east);
          await cdp.send("Emulation.setTimezoneOverride", { timezoneId: "Pacific/Kiritimati" });
          await east.clock.setFixedTime(new Date("2026-11-02T12:00:00Z"));
          await unlocked(east);
          await east.locator(".report").waitFor();
          assertEquals(await east.evaluate("new Date().getDate()"), 3, "the local date is the 3rd");
          assertEquals(await east.getAttribute("#as-of", "max"), "2026-11-02");
          // the latest day offered is accepted (its midnight UTC is the server's now)
          await east.fill("#days", "14");
          await east.fill("#as-of", "2026-11-02");
          await east.press("#as-of", "Enter");
          await east.locator(".report .window", {
            hasText: "14-day window ending 2026-11-02 00:00 UTC",
          }).waitFor();
          assertEquals(await east.textContent("#status"), "");
          // the local date typed by hand still goes to the server, which says why it refuses it
          await east.fill("#as-of", "2026-11-03");
          await east.press("#as-of", "Enter");
          await east.locator("#status.error").waitFor();
          ok((await east.textContent("#status"))!.startsWith("As of 2026-11-03 is in the future"));
          // left open past midnight UTC: the field offers the new UTC day once it is focused
          await east.clock.setFixedTime(new Date("2026-11-03T00:30:00Z"));
          await east.focus("#days");
          await east.focus("#as-of");
          assertEquals(await east.getAttribute("#as-of", "max"), "2026-11-03");
          await cdp.detach();
          await east.close();
        },
      );

      await step("Forget token stops the exports under way: nothing more comes down", async () => {
        const run = held(9);
        next.push(run);
        let downloads = 0;
        page.on("download", () => downloads++);
        await page.click("#export-csv");
        await line(page, "csv").locator(".text", { hasText: joining("9") }).waitFor();
        await page.click("#lock");
        await line(page, "csv").locator(".text", {
          hasText: "Cancelled when the token was forgotten; nothing was saved",
        }).waitFor();
        await page.locator("#token").waitFor({ state: "visible" });
        // the files saved before go with the token: their names stay, as text, not links
        ok(
          await page.locator("#exports li", { hasText: "Downloaded helicone_pricing_data" })
            .count() > 0,
        );
        assertEquals(await page.locator("#exports a").count(), 0);
        run.open();
        await until(() => handler.runs.running === 0, "the run to finish");
        // the export's request was answered (to nobody): the page asked no more after the lock
        await until(() => logs.some((l) => l.includes("/export?") && / 499 /.test(l)), "the 499");
        assertEquals(downloads, 0);
        assertEquals(logs.filter((l) => / 40[13] /.test(l)), []);
      });
      assertEquals(pageErrors, []);
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});
