/**
 * The admin page in headless Debian Chromium on the fixture databases with a Stripe customer no
 * organization maps to (cus_unmapped, $200 a month): the unmapped MRR is said once on the page
 * (its line under the cards, not again in the warnings list), an empty segment's reason once (the
 * Organizations card), the stat cards are named groups whose description reaches the
 * accessibility tree, and at 390 and 320 px nothing but the tables and charts (each in its own
 * box) scrolls sideways (WCAG reflow). Screenshots as tests/chromium.ts keeps them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  activeSubscription,
  fakeStripeEnv,
  fixtureCustomersData,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";

/** the unmapped customer's figure, in the page's sentence and in the run's warning alike */
const UNMAPPED_FIGURE = "$200.00 a month of mrr";

interface AxNode {
  role?: { value: string };
  name?: { value: string };
  description?: { value: string };
}

/** Chromium's accessibility tree of the page (what a screen reader is given). */
async function accessibilityTree(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    return ((await cdp.send("Accessibility.getFullAXTree")) as { nodes: AxNode[] }).nodes;
  } finally {
    await cdp.detach();
  }
}

/** How often `text` occurs in the report as the reader sees it. */
async function occurrences(page: Page, text: string): Promise<number> {
  return (await page.locator(".report").innerText()).split(text).length - 1;
}

Deno.test({
  name:
    "admin page in Chromium: the unmapped MRR and an empty segment's reason said once, cards named groups, 320 px reflow",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const databases = await freshFixtureDatabases("server_page_reflow");
    const stripe = startFakeStripe(
      fixtureCustomersData([
        // no organization's stripe_customer_id names it
        activeSubscription("cus_unmapped", monthlyPrice("team_bundle", 20000)),
      ]),
      "sk_test_fake_123",
    );
    const outDir = await Deno.makeTempDir({ prefix: "server_page_reflow_" });
    const admin = await openAdminPageInChromium(t, {
      args: [],
      env: {
        ...databases.env,
        ...fakeStripeEnv(stripe),
      },
      outDir,
      hooks: { log: () => {} },
    });
    const { page, shots, step } = admin;
    let finished = false;
    try {
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await admin.unlock();
      await page.fill("#as-of", "2026-11-01");
      await page.click("#apply");
      await page.locator(".report .window", { hasText: "ending 2026-11-01" }).waitFor();

      await step(
        "every organization: the unmapped MRR said once, other warnings kept",
        async () => {
          assertEquals(await occurrences(page, UNMAPPED_FIGURE), 1);
          assertEquals(await page.locator("#unmapped-stripe-mrr").count(), 1);
          const warnings = await page.locator("ul.warnings li").allInnerTexts();
          ok(
            warnings.some((w) => w.startsWith("infrastructure cost not set")),
            warnings.join("\n"),
          );
          ok(!warnings.some((w) => w.includes(UNMAPPED_FIGURE)), warnings.join("\n"));
        },
      );

      await step(
        "the cards are named groups; Total MRR's description is the unmapped line",
        async () => {
          const note = (await page.locator("#unmapped-stripe-mrr").innerText()).trim();
          const groups = (await accessibilityTree(page)).filter((n) => n.role?.value === "group");
          const card = (name: string) => groups.find((n) => n.name?.value === name);
          for (const name of ["Organizations", "Total MRR", "LLM cost (30 d)"]) {
            ok(card(name), `${name}: ${JSON.stringify(groups)}`);
          }
          assertEquals(card("Total MRR")!.description?.value, note);
          // only the card the line qualifies is described by it
          assertEquals(card("Organizations")!.description?.value ?? "", "");
          // as playwright's role query finds it too
          await page.getByRole("group", { name: "Total MRR" }).waitFor();
        },
      );

      await step("at 390 and 320 px the page does not scroll sideways", async () => {
        await page.screenshot({ path: join(shots, "reflow_desktop.png"), fullPage: true });
        for (const width of [390, 320]) {
          await page.setViewportSize({ width, height: 800 });
          // a long setting name in a warning (PRICING_INFRA_USD_PER_1K_REQUESTS) made it 353
          assertEquals(
            await page.evaluate("document.documentElement.scrollWidth"),
            width,
            `${width} px`,
          );
          // the wide table scrolls inside its own box
          const table = await page.locator("table.plans").evaluate((element) => {
            const box = element.parentElement!;
            return { cls: box.className, scrolls: box.scrollWidth > box.clientWidth };
          });
          assertEquals(table, { cls: "scroll", scrolls: true });
          // every chart inside its figure, the figure inside the page
          const figures = await page.locator("figure[data-chart]").evaluateAll((all) =>
            all.map((figure) => Math.round(figure.getBoundingClientRect().right))
          );
          ok(figures.length > 0);
          for (const right of figures) ok(right <= width, `${right} > ${width}`);
          await page.screenshot({ path: join(shots, `reflow_${width}.png`), fullPage: true });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await step("an empty segment: its reason once, on the Organizations card", async () => {
        await page.selectOption("#segment", "underpriced");
        await page.click("#apply");
        await page.locator(".report .window", { hasText: "segment underpriced" }).waitFor();
        // the fixture's organizations send too little to be underpriced: nobody is in it
        assertEquals(
          await page.getAttribute('.stat[data-stat="organizations"]', "data-value"),
          "0",
        );
        const notes = await page.locator(".stats .note").allInnerTexts();
        assertEquals(notes, ["no organizations in this segment"]);
        assertEquals(
          await page.locator('.stat[data-stat="organizations"] .note').innerText(),
          "no organizations in this segment",
        );
        // the segment's unmapped line says it is the whole export's; the warnings do not repeat it
        assertEquals(await occurrences(page, UNMAPPED_FIGURE), 1);
        ok(
          (await page.locator("#unmapped-stripe-mrr").innerText()).startsWith(
            "Not in the total MRR, nor in any segment's (the whole export's):",
          ),
        );
        await page.setViewportSize({ width: 320, height: 800 });
        assertEquals(await page.evaluate("document.documentElement.scrollWidth"), 320);
        await page.screenshot({ path: join(shots, "reflow_segment_320.png"), fullPage: true });
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await step("no uncaught error in the page", () => {
        assertEquals(pageErrors, []);
      });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
      await stripe.close();
      await Deno.remove(outDir, { recursive: true });
      await databases.drop();
    }
  },
});
