/**
 * The admin page's script in headless Debian Chromium (as server_browser_test.ts): a slower,
 * earlier Show never replaces a newer report, Export downloads the report on screen, an
 * unreachable server is one line and no stale report, Enter submits the controls, the focus
 * follows Unlock, the page fits a 390 px phone, and a 600-character name keeps the figures on
 * screen. Export as the clock moves and unreadable inputs are in server_page_export_test.ts, a run
 * that could not reach Stripe in server_page_stripe_test.ts. Waits on conditions, never on time.
 * The screenshots are kept when a step fails (the test says where), or in PRICING_SCREENSHOT_DIR.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import type { LoadPricingData } from "../lib/server/handler.ts";
import { loadPricingData } from "../lib/export.ts";
import { openAdminPageInChromium, START, TOKEN } from "./admin_page_in_chromium.ts";

/** A promise the test opens when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}

Deno.test({
  name: "admin page script in Chromium: races, export, unreachable server, form, focus, phone",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const logs: string[] = [];
    // the 3-day run waits for the test: it answers after a later Show has been answered
    const slow = gate();
    const loader: LoadPricingData = async (options) => {
      if (options.windowDays === 3) await slow.opened;
      return loadPricingData(options);
    };
    const admin = await openAdminPageInChromium(t, {
      loadData: loader,
      hooks: { now: () => START, log: (line) => logs.push(line) },
    });
    const { origin, handler, shots, page, step } = admin;
    let finished = false;
    const pageErrors: string[] = [];
    try {
      page.on("pageerror", (error) => pageErrors.push(error.message));
      const windowText = () => page.locator(".report .window").textContent();

      await step("Unlock hands the focus to the controls", async () => {
        await page.goto(`${origin}/admin/pricing-analytics`);
        await page.locator("#token").waitFor({ state: "visible" });
        // the token field has it first
        assertEquals(await page.evaluate("document.activeElement?.id"), "token");
        await page.fill("#token", TOKEN);
        await page.click("#unlock button[type=submit]");
        await page.locator(".report").waitFor();
        assertEquals(await page.evaluate("document.activeElement?.id"), "segment");
      });

      await step("the window line has no milliseconds", async () => {
        assertEquals(
          await windowText(),
          "30-day window ending 2026-11-02 00:00 UTC · files dated 2026-11-02",
        );
      });

      await step("Enter in Days shows the report for the days typed", async () => {
        await page.fill("#days", "7");
        await page.press("#days", "Enter");
        await page.locator(".report .window", { hasText: "7-day window" }).waitFor();
        await page.screenshot({ path: join(shots, "page_desktop_7d.png"), fullPage: true });
        await page.fill("#as-of", "2026-11-01");
        await page.press("#as-of", "Enter");
        await page.locator(".report .window", { hasText: "ending 2026-11-01 00:00 UTC" }).waitFor();
      });

      await step("an earlier, slower Show never replaces the newer report", async () => {
        await page.fill("#days", "3");
        await page.click("#apply");
        await page.locator("#status", { hasText: "Loading the report" }).waitFor();
        await page.fill("#days", "30");
        await page.click("#apply");
        await page.locator(".report .window", { hasText: "30-day window ending 2026-11-01" })
          .waitFor();
        // the page aborted the 3-day request (the server logs 499: its client went away); now the
        // 3-day run finishes, and nothing of it reaches the page
        await waitFor(
          () => logs.some((l) => /days=3\b.* 499 /.test(l)),
          "the 3-day request to end",
        );
        slow.open();
        await waitFor(() => handler.runs.running === 0, "the 3-day run to finish");
        // a round trip through the page after the answer was sent
        await page.evaluate("new Promise((resolve) => requestAnimationFrame(resolve))");
        ok((await windowText())!.startsWith("30-day window ending 2026-11-01"));
        assertEquals(await page.textContent("#status"), "");
      });

      await step(
        "Export downloads the report on screen, not the controls' new values",
        async () => {
          await page.fill("#days", "7"); // typed, not shown
          const [download] = await Promise.all([
            page.waitForEvent("download"),
            page.getByRole("button", { name: "Export to CSV" }).click(),
          ]);
          assertEquals(download.suggestedFilename(), "helicone_pricing_data_2026-11-01_demo.csv");
          await page.fill("#days", "30");
        },
      );

      await step("screenshots at desktop width and at 390 px; the phone page fits", async () => {
        await page.screenshot({ path: join(shots, "page_desktop.png"), fullPage: true });
        // at desktop width a chart fills its column: no sideways scroll
        const desktop = await page.locator("figure[data-chart]").evaluateAll((figures) =>
          figures.filter((figure) => figure.scrollWidth > figure.clientWidth).length
        );
        assertEquals(desktop, 0);
        // and is drawn at its own size, 880 px, one a row: two a row at 1280 px drew them at 0.65,
        // their 10-12 px labels and ticks 6.5-8 px
        const drawn = await page.locator("figure[data-chart] svg:visible").evaluateAll((svgs) =>
          svgs.map((svg) => {
            const box = svg.getBoundingClientRect();
            return { width: Math.round(box.width), left: Math.round(box.left) };
          })
        );
        assertEquals(drawn.length, 8);
        for (const chart of drawn) assertEquals(chart, { width: 880, left: drawn[0].left });
        await page.setViewportSize({ width: 390, height: 844 });
        const width = await page.evaluate("document.documentElement.scrollWidth");
        assertEquals(width, 390);
        // the wide table scrolls inside its own box
        const box = await page.locator("table.underpriced").evaluate((table) => {
          const scroller = table.parentElement!;
          return { cls: scroller.className, scrolls: scroller.scrollWidth > scroller.clientWidth };
        });
        assertEquals(box, { cls: "scroll", scrolls: true });
        // Each chart keeps 640 px (its 12-unit text ~8.7 px, not 4 px at 342 px wide) and its
        // figure scrolls sideways, but the two by plan, whose narrow variants fit the figure
        // (server_page_phone_chart_test.ts); the page itself still fits.
        const charts = await page.locator("figure[data-chart]").evaluateAll((figures) =>
          figures.map((figure) => ({
            name: figure.getAttribute("data-chart"),
            svgWidth: Math.round(
              [...figure.querySelectorAll("svg")].find((svg) => svg.getBoundingClientRect().width)!
                .getBoundingClientRect().width,
            ),
            scrolls: figure.scrollWidth > figure.clientWidth,
          }))
        );
        assertEquals(charts.length, 8);
        for (const { name, ...chart } of charts) {
          assertEquals(
            chart,
            name === "margin_by_plan" || name === "mrr_per_1k_requests_by_plan"
              ? { svgWidth: 390 - 2 * 24 - 2 * 9, scrolls: false }
              : { svgWidth: 640, scrolls: true },
            name!,
          );
        }
        await page.locator("figure[data-chart]").first().screenshot({
          path: join(shots, "chart_390.png"),
        });
        await page.screenshot({ path: join(shots, "page_390.png"), fullPage: true });
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await step("server unreachable: one line, stale report cleared, Export off", async () => {
        await page.route(
          "**/v1/admin/pricing-analytics/**",
          (route) => route.abort("connectionrefused"),
        );
        await page.click("#apply");
        await page.locator("#status.error").waitFor();
        const text = (await page.textContent("#status"))!;
        ok(text.startsWith("Cannot reach the server ("), text);
        ok(!text.includes("\n"));
        assertEquals(await page.locator(".report").count(), 0);
        assertEquals(await page.locator("#export-csv").isDisabled(), true);
        await page.unroute("**/v1/admin/pricing-analytics/**");
      });

      await step("Export while the server is down says it cannot reach it", async () => {
        await page.click("#apply");
        await page.locator(".report").waitFor();
        await page.route(
          "**/v1/admin/pricing-analytics/export*",
          (route) => route.abort("connectionrefused"),
        );
        await page.getByRole("button", { name: "Export to CSV" }).click();
        // the export's own line says so
        await page.locator("#exports li:first-child.error").waitFor();
        ok(
          (await page.textContent("#exports li:first-child .text"))!
            .startsWith("Cannot reach the server ("),
        );
        assertEquals(await page.locator("#export-csv").isDisabled(), false);
        await page.unroute("**/v1/admin/pricing-analytics/export*");
      });

      await step("no uncaught error in the page", () => {
        assertEquals(pageErrors, []);
      });
      finished = true;
    } finally {
      slow.open();
      await admin.close({ failed: !finished });
    }
  },
});

Deno.test({
  name: "admin page in Chromium: a 600-character name keeps the figures on screen; Show thrice",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const long = "Acme " + "very-long-organization-name-".repeat(22); // 621 characters
    const logs: string[] = [];
    const started: string[] = [];
    // as-of 09-01 and 09-02 never finish on their own: only a stop ends them
    const loader: LoadPricingData = async (options) => {
      const day = options.asOf!.toISOString().slice(0, 10);
      started.push(day);
      if (day === "2026-09-01" || day === "2026-09-02") {
        await new Promise((_, reject) => {
          options.signal!.addEventListener("abort", () => reject(options.signal!.reason));
        });
      }
      const data = await loadPricingData(options);
      const names = data.frame.getColumn("org_name").toArray() as string[];
      return {
        ...data,
        frame: data.frame.withColumns(pl.Series("org_name", names.map(() => long))),
      };
    };
    const admin = await openAdminPageInChromium(t, {
      env: { PRICING_SERVER_MAX_RUNS: "2" },
      loadData: loader,
      hooks: { now: () => START, log: (line) => logs.push(line) },
    });
    const { page, step } = admin;
    let finished = false;
    try {
      await admin.unlock();
      await page.locator("table.underpriced tbody tr").first().waitFor();
      /** The first underpriced row's cells: right edges, and the name cell's hover text. */
      const firstRow = () =>
        page.locator("table.underpriced tbody tr").first().evaluate((row) => ({
          rights: [...row.querySelectorAll("td")].map((td) => td.getBoundingClientRect().right),
          title: row.querySelector("td.name")!.getAttribute("title"),
          nameWidth: row.querySelector("td.name")!.getBoundingClientRect().width,
          cut: row.querySelector("td.name > span")!.scrollWidth >
            row.querySelector("td.name > span")!.clientWidth,
          // org_id first: its start shown, whole on hover
          id: row.querySelector("td.id")!.getAttribute("title"),
          idRight: row.querySelector("td.id")!.getBoundingClientRect().right,
        }));

      await step(
        "a 600-character name is cut, whole on hover; the figures stay on screen",
        async () => {
          const desktop = await firstRow();
          assertEquals([desktop.title, desktop.cut], [long, true]);
          ok(desktop.id && desktop.idRight < desktop.rights[1], JSON.stringify(desktop));
          ok(desktop.rights.every((right) => right <= 1280), JSON.stringify(desktop.rights));
          await page.screenshot({
            path: join(admin.shots, "long_name_1280.png"),
            fullPage: true,
          });
          // a phone: the name takes at most half the screen, the first figures beside it
          await page.setViewportSize({ width: 390, height: 844 });
          const phone = await firstRow();
          ok(phone.nameWidth <= 195, String(phone.nameWidth));
          ok(phone.rights[3] <= 390, JSON.stringify(phone.rights)); // seats
          await page.screenshot({ path: join(admin.shots, "long_name_390.png"), fullPage: true });
          await page.setViewportSize({ width: 1280, height: 900 });
          // the plans table's names are cut the same way (the price book's are short: nothing cut)
          ok(await page.locator("table.plans td.name[title] > span").count() > 1);
        },
      );

      await step(
        "as-of changed three times: the latest report is shown, not 503 busy",
        async () => {
          for (const day of ["2026-09-01", "2026-09-02", "2026-09-03"]) {
            await page.fill("#as-of", day);
            await page.press("#as-of", "Enter");
            // each run started before the next Show aborts its fetch
            await waitFor(() => started.includes(day), `the ${day} run to start`);
          }
          await page.locator(".report .window", { hasText: "ending 2026-09-03" }).waitFor();
          assertEquals(await page.textContent("#status"), "");
          ok(logs.some((l) => /run 30d to 2026-09-01.*nobody waited/.test(l)), logs.join("\n"));
        },
      );
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
