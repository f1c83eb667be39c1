/**
 * The admin page in headless Debian Chromium with a price book whose plan names are hostile: one
 * that prices nobody (so a run's warning quotes it) holds a bidi override, markup and a script
 * tag. The warning reads as the brief's and the workbook's (the override dropped, not drawn
 * reversed; the markup as text, nothing run). Screenshots as tests/chromium.ts keeps them.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";

const HOSTILE_PLAN = '\u202Eteam <script>alert("plan")</script> <b>bold</b>';

Deno.test({
  name: "admin page in Chromium: a warning quoting a hostile plan name reads as text, not reversed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const admin = await openAdminPageInChromium(t, {
      // a plan no organization fits: the run warns that it prices nobody, quoting its name
      editPriceBook: (book) =>
        book.plans.push({ name: HOSTILE_PLAN, match: { tiersRaw: ["no-such-tier"] }, flatUsd: 1 }),
    });
    const { page, shots, step } = admin;
    let finished = false;
    try {
      const pageErrors: string[] = [];
      const dialogs: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        dialog.dismiss();
      });
      await admin.unlock();

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
      await admin.close({ failed: !finished });
    }
  },
});
