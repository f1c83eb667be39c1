/**
 * The admin page in headless Debian Chromium (playwright-core, never a downloaded browser): enter
 * the token, see the report, click the spec's Export buttons and check the downloaded files.
 * The screenshot is kept when a step fails (the test says where), or in PRICING_SCREENSHOT_DIR.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { formatBytes } from "../lib/report/numbers.ts";
import { runExport } from "../lib/export.ts";
import { openAdminPageInChromium, START, TOKEN } from "./admin_page_in_chromium.ts";

Deno.test({
  name: "admin page in Chromium: token, report, Export to CSV and XLSX downloads",
  // playwright-core keeps pipes to the browser open between steps
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const logs: string[] = [];
    const admin = await openAdminPageInChromium(t, {
      hooks: { now: () => START, log: (line) => logs.push(line) },
    });
    const { origin, shots, page, step } = admin;
    const downloads = await Deno.makeTempDir({ prefix: "pricing-kit-downloads-" });
    let finished = false;
    try {
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") pageErrors.push(message.text());
      });

      await step("the page asks for the token and shows no data yet", async () => {
        await page.goto(`${origin}/admin/pricing-analytics`);
        await page.locator("#token").waitFor({ state: "visible" });
        assertEquals(await page.locator("#export-csv").isVisible(), false);
        assertEquals(await page.locator(".stat").count(), 0);
        // on a phone the token form fits: Unlock inside the screen, no sideways scroll
        await page.setViewportSize({ width: 390, height: 844 });
        assertEquals(await page.evaluate("document.documentElement.scrollWidth"), 390);
        const unlock = (await page.locator("#unlock button").boundingBox())!;
        ok(unlock.x + unlock.width <= 390 - 24, JSON.stringify(unlock)); // (the page's margin)
        await page.screenshot({ path: join(shots, "token_390.png") });
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await step("a wrong token is refused and not kept", async () => {
        await page.fill("#token", "not-the-token-at-all-000");
        await page.click("#unlock button[type=submit]");
        await page.locator("#status.error").waitFor();
        // it says what to do
        assertEquals(
          await page.textContent("#status"),
          "the admin token is not valid: use the server's PRICING_SERVER_TOKEN",
        );
        assertEquals(await page.evaluate(() => sessionStorage.length), 0);
        await page.locator("#token").waitFor({ state: "visible" });
        assertEquals(await page.evaluate("document.activeElement?.id"), "token");
      });

      await step("the server unreachable on Unlock: the token form comes back", async () => {
        await page.route("**/pricing-analytics/report?*", (route) => route.abort());
        await page.fill("#token", TOKEN);
        await page.keyboard.press("Enter");
        await page.locator("#status.error", { hasText: "Cannot reach the server" }).waitFor();
        await page.unroute("**/pricing-analytics/report?*");
        assertEquals(await page.locator("#token").isVisible(), true);
        assertEquals(await page.evaluate("document.activeElement?.id"), "token");
        assertEquals(await page.locator("#tools").isVisible(), false);
        await page.evaluate(() => sessionStorage.clear()); // (as the next steps expect)
      });

      await step("a token no header can carry is not valid, not kept, the form stays", async () => {
        // an em dash for one character: fetch would refuse the header (not ISO-8859-1)
        const typed = TOKEN.slice(0, 10) + "—" + TOKEN.slice(11);
        await page.fill("#token", typed);
        await page.click("#unlock button[type=submit]");
        await page.locator("#status.error", { hasText: "the admin token is not valid" }).waitFor();
        assertEquals(
          await page.textContent("#status"),
          "the admin token is not valid: a token is printable ASCII with no spaces (no “—” or “é”); " +
            "paste it again",
        );
        assertEquals(await page.evaluate(() => sessionStorage.length), 0);
        await page.locator("#token").waitFor({ state: "visible" });
        // one kept by an earlier page: the reload drops it and asks for the token again
        await page.evaluate((bad) => sessionStorage.setItem("pricing-kit-admin-token", bad), typed);
        await page.reload();
        await page.locator("#status.error", { hasText: "the admin token is not valid" }).waitFor();
        await page.locator("#token").waitFor({ state: "visible" });
        assertEquals(await page.evaluate(() => sessionStorage.length), 0);
      });

      await step(
        "the right token shows the report; it lives in sessionStorage, not the URL",
        async () => {
          await page.fill("#token", TOKEN);
          await page.click("#unlock button[type=submit]");
          await page.locator('.stat[data-stat="organizations"]').waitFor();
          assertEquals(
            await page.getAttribute('.stat[data-stat="organizations"]', "data-value"),
            String(DEMO_ORGANIZATIONS),
          );
          // eight charts, the two by plan with their narrow variants for a phone too
          assertEquals(await page.locator("figure[data-chart]").count(), 8);
          assertEquals(await page.locator("figure[data-chart] svg").count(), 10);
          assertEquals(await page.locator("figure[data-chart] svg:visible").count(), 8);
          // The company-cost margin card leads; the per-plan table follows the cards.
          assertEquals(
            await page.locator(".stat").first().getAttribute("data-stat"),
            "gross_margin_company",
          );
          ok(await page.locator("table.plans tbody tr").count() > 1);
          // Hovering a dot names its organization (SVG titles are the browser's tooltips).
          ok(await page.locator('figure[data-chart="mrr_vs_requests"] circle title').count() > 0);
          ok(await page.locator("table.underpriced tbody tr").count() > 0);
          ok(!page.url().includes(TOKEN));
          assertEquals(
            await page.evaluate(() => sessionStorage.getItem("pricing-kit-admin-token")),
            TOKEN,
          );
          assertEquals(await page.locator("#token").isVisible(), false);
        },
      );

      await step(
        "a failed Show clears the earlier report instead of leaving it under the error",
        async () => {
          await page.fill("#days", "1.5");
          await page.click("#apply");
          await page.locator("#status.error").waitFor();
          assertEquals(await page.locator(".stat").count(), 0);
          await page.fill("#days", "30");
          await page.click("#apply");
          await page.locator('.stat[data-stat="organizations"]').waitFor();
        },
      );

      await step("screenshot", async () => {
        const path = join(shots, "admin_page.png");
        await page.screenshot({ path, fullPage: true });
        ok(Deno.statSync(path).size > 10_000);
      });

      await step(
        "on a phone each table scrolls sideways in a named box the keyboard reaches",
        async () => {
          await page.setViewportSize({ width: 375, height: 812 });
          try {
            // as each chart's figure: a box that scrolls is a stop of its own, named for a reader
            for (const name of ["Unit economics by plan", "Top underpriced organizations"]) {
              const box = page.getByRole("region", { name });
              assertEquals(await box.locator("table").count(), 1, name);
              await box.focus();
              await page.keyboard.press("ArrowRight");
              // (the page's CSP allows no string evaluated as script: the box itself is passed)
              await page.waitForFunction(
                (element) => element.scrollLeft > 0,
                await box.elementHandle(),
              );
            }
          } finally {
            await page.setViewportSize({ width: 1280, height: 900 });
          }
        },
      );

      await step("Export to CSV downloads the dated file with every organization", async () => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export to CSV" }).click(),
        ]);
        assertEquals(download.suggestedFilename(), "helicone_pricing_data_2026-11-02_demo.csv");
        const path = join(downloads, download.suggestedFilename());
        await download.saveAs(path);
        const rows = parseCsv(await Deno.readTextFile(path));
        assertEquals(rows[0], [...COLUMN_NAMES]);
        assertEquals(rows.length - 1, DEMO_ORGANIZATIONS);
        // its size as `deno task export` and the brief give the same file's (112.8 KB, of 1024:
        // the page said 115.5 kB, of 1000)
        await page.locator("#exports li[data-state=done]", {
          hasText: `Downloaded helicone_pricing_data_2026-11-02_demo.csv (${
            formatBytes(Deno.statSync(path).size)
          }, ${DEMO_ORGANIZATIONS} organizations)`,
        }).waitFor();
        // the line's date is the report's as-of instant, with its zone
        assertEquals(
          await page.locator("#exports li[data-state=done] strong").first().textContent(),
          "CSV of all organizations, 30 days to 2026-11-02 00:00 UTC: ",
        );
      });

      await step(
        "the file's name in its line saves it again (keyboard): the bytes `deno task export` writes",
        async () => {
          const link = page.getByRole("link", {
            name: "helicone_pricing_data_2026-11-02_demo.csv",
          });
          await link.focus();
          const [again] = await Promise.all([
            page.waitForEvent("download"),
            page.keyboard.press("Enter"),
          ]);
          assertEquals(again.suggestedFilename(), "helicone_pricing_data_2026-11-02_demo.csv");
          const saved = await Deno.readFile((await again.path())!);
          assertEquals(
            saved,
            await Deno.readFile(join(downloads, "helicone_pricing_data_2026-11-02_demo.csv")),
          );
          // the export's own file for the same as-of, as outputs/ gets it
          const outDir = await Deno.makeTempDir({ prefix: "pricing-kit-outputs-" });
          try {
            const written = await runExport({
              demo: true,
              asOf: new Date(START),
              outDir,
              formats: ["csv"],
              charts: false,
              env: {},
              log: () => {},
              quiet: true,
            });
            assertEquals(saved, await Deno.readFile(written.csvPath!));
          } finally {
            await Deno.remove(outDir, { recursive: true });
          }
        },
      );

      await step("Export to XLSX downloads the workbook", async () => {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export to XLSX" }).click(),
        ]);
        assertEquals(download.suggestedFilename(), "helicone_pricing_data_2026-11-02_demo.xlsx");
        const path = join(downloads, download.suggestedFilename());
        await download.saveAs(path);
        const bytes = await Deno.readFile(path);
        assertEquals([bytes[0], bytes[1]], [0x50, 0x4b]);
      });

      await step("a segment export carries the segment in its name", async () => {
        await page.selectOption("#segment", "underpriced");
        // Export downloads the report on screen: Show the segment first
        await page.click("#apply");
        await page.locator(".report .window", { hasText: "segment underpriced" }).waitFor();
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Export to CSV" }).click(),
        ]);
        assertEquals(
          download.suggestedFilename(),
          "helicone_pricing_data_2026-11-02_demo_underpriced.csv",
        );
        await page.selectOption("#segment", "");
      });

      await step("a reload keeps the session's token; Forget token drops it", async () => {
        await page.reload();
        await page.locator('.stat[data-stat="organizations"]').waitFor();
        await page.click("#lock");
        await page.locator("#token").waitFor({ state: "visible" });
        assertEquals(await page.evaluate(() => sessionStorage.length), 0);
      });

      await step("every request carried the token in a header: one run, no token in logs", () => {
        const exports = logs.filter((l) => l.includes("/export"));
        assertEquals(exports.length, 3);
        ok(exports.every((l) => / 200 \d+ms cache=hit \d+B done$/.test(l)), exports.join("\n"));
        ok(!logs.some((l) => l.includes(TOKEN)));
        ok(logs.some((l) => / 403 /.test(l)), "the wrong token was a 403");
        // (the wrong token's 403, the 1.5 days' 400 and the aborted report were asked for: Chromium
        // logs each answer that is not ok)
        assertEquals(
          pageErrors.filter((e) => !/403|Forbidden|400 \(Bad Request\)|net::ERR_FAILED/.test(e)),
          [],
        );
      });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
      await Deno.remove(downloads, { recursive: true });
    }
  },
});
