/**
 * The admin page in headless Debian Chromium with a price book whose plan names are hostile: one
 * that prices nobody (so a run's warning quotes it) holds a bidi override, markup and a script
 * tag. The warning reads as the brief's and the workbook's (the override dropped, not drawn
 * reversed; the markup as text, nothing run). Screenshots as tests/chromium.ts keeps them.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { createHandler } from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { openChromium } from "./chromium.ts";

const TOKEN = "hostile-test-token-0123456789-abcdef-0";
const START = Date.parse("2026-11-02T00:00:00Z");
const HOSTILE_PLAN = '\u202Eteam <script>alert("plan")</script> <b>bold</b>';

Deno.test({
  name: "admin page in Chromium: a warning quoting a hostile plan name reads as text, not reversed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const folder = await Deno.makeTempDir({ prefix: "server_page_hostile_" });
    const book = JSON.parse(
      await Deno.readTextFile(new URL("../scenarios/current_seat_based.json", import.meta.url)),
    );
    // a plan no organization fits: the run warns that it prices nobody, quoting its name
    book.plans.push({ name: HOSTILE_PLAN, match: { tiersRaw: ["no-such-tier"] }, flatUsd: 1 });
    const bookPath = join(folder, "book.json");
    await Deno.writeTextFile(bookPath, JSON.stringify(book));
    const settings = serverSettings(parseServerArgs(["--demo"]), {
      PRICING_SERVER_TOKEN: TOKEN,
      PRICING_PRICE_BOOK: bookPath,
    });
    const handler = createHandler(settings, { hooks: { now: () => START, log: () => {} } });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
    const browser = await openChromium();
    const { context, shots } = browser;
    const step = (name: string, fn: () => void | Promise<void>) => browser.step(t, name, fn);
    let finished = false;
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const pageErrors: string[] = [];
      const dialogs: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        dialog.dismiss();
      });
      await page.goto(`http://127.0.0.1:${server.addr.port}/admin/pricing-analytics`);
      await page.fill("#token", TOKEN);
      await page.keyboard.press("Enter");
      await page.locator(".report").waitFor();

      await step(
        "the warning quotes the name as the brief does: no override, markup as text",
        async () => {
          const warning = page.locator("ul.warnings li", { hasText: "prices no organization" });
          await warning.screenshot({ path: join(shots, "hostile_plan_warning.png") });
          assertEquals(
            await warning.textContent(),
            'plan "team <script>alert(\\"plan\\")</script> <b>bold</b>" prices no organization in this data: no organization fits its match',
          );
          assertEquals(await page.locator("#report script, #report b").count(), 0);
        },
      );

      await step("nothing ran: no dialog, no uncaught error", () => {
        assertEquals(dialogs, []);
        assertEquals(pageErrors, []);
      });
      finished = true;
    } finally {
      await browser.close({ failed: !finished });
      await server.shutdown();
      await Deno.remove(folder, { recursive: true });
    }
  },
});
