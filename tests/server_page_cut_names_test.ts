/**
 * The admin page in headless Debian Chromium: a name or org_id the tables cut with "…" (whole on
 * hover, in its title) is whole for a keyboard too: the cell is a keyboard stop while it is cut (at
 * the screen's width: more are cut on a phone) and shows its whole text on focus, wrapped inside
 * its column, as text (markup in a name stays text). A name shown whole is no stop. Screenshots as
 * tests/chromium.ts keeps them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import type { Page } from "playwright-core";
import type { LoadPricingData } from "../lib/server/handler.ts";
import { loadPricingData } from "../lib/export.ts";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";

/** every organization's name: longer than the name column's 28ch, with markup in it */
const LONG_NAME = 'Acme <b>Holdings</b> & "Partners" International, a registered organization';
/** the price book's enterprise plan, renamed: the plans table cuts it; the others are short */
const LONG_PLAN = "enterprise <i>contract</i> negotiated for each customer, see the order form";

/** Each name and id cell of the report: whether its text is cut, and whether Tab stops on it. */
function cells(page: Page) {
  return page.locator("#report td.name, #report td.id").evaluateAll((all) =>
    all.map((td) => {
      const span = td.querySelector("span")!;
      return {
        text: td.getAttribute("title"),
        cut: span.scrollWidth > span.clientWidth,
        stop: td.getAttribute("tabindex") === "0",
      };
    })
  );
}

/** The focused element: the cell's title, whether its text is cut, lines shown, colors. */
function focused(page: Page) {
  return page.locator("body").evaluate((body) => {
    const td = body.ownerDocument.activeElement;
    const span = td?.querySelector("span");
    if (!td?.matches("td") || !span) return null;
    const view = body.ownerDocument.defaultView!;
    const style = view.getComputedStyle(td);
    return {
      title: td.getAttribute("title"),
      text: (td as typeof body).innerText,
      cut: span.scrollWidth > span.clientWidth,
      lines: Math.round(span.getBoundingClientRect().height / parseFloat(style.lineHeight)),
      right: td.getBoundingClientRect().right,
      color: view.getComputedStyle(span).color,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    };
  });
}

/** WCAG contrast of two `rgb(r, g, b)` colors. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = color.match(/\d+/g)!.slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

Deno.test({
  name: "admin page in Chromium: a name or id cut with … is a keyboard stop, whole on focus",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const loader: LoadPricingData = async (options) => {
      const data = await loadPricingData(options);
      const names = pl.Series("org_name", Array(data.frame.height).fill(LONG_NAME));
      return { ...data, frame: data.frame.withColumns(names) };
    };
    const admin = await openAdminPageInChromium(t, {
      editPriceBook: (book) => {
        book.plans.find((p: { name: string }) => p.name === "enterprise (contract)").name =
          LONG_PLAN;
      },
      loadData: loader,
    });
    const { page, shots, step } = admin;
    let finished = false;
    try {
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await admin.unlock();
      await page.locator("table.underpriced tbody tr").first().waitFor();

      await step("a cell is a keyboard stop exactly when its text is cut", async () => {
        const all = await cells(page);
        ok(all.some((c) => c.cut) && all.some((c) => !c.cut), JSON.stringify(all));
        for (const cell of all) assertEquals(cell.stop, cell.cut, JSON.stringify(cell));
        // of the plans, only the long one is cut at 1280 px
        const plans = await page.locator("table.plans td.name[tabindex]").evaluateAll((all) =>
          all.map((td) => td.getAttribute("title"))
        );
        assertEquals(plans, [LONG_PLAN]);
      });

      await step(
        "Tab from the plans box reaches the cut plan: whole on focus, as text",
        async () => {
          await page.getByRole("region", { name: "Unit economics by plan" }).focus();
          await page.keyboard.press("Tab");
          const cell = await focused(page);
          ok(cell, "the focus is on a cell");
          assertEquals([cell.title, cell.text, cell.cut], [LONG_PLAN, LONG_PLAN, false]);
          ok(cell.lines >= 2, `${cell.lines} lines: wrapped inside its column`);
          // the text keeps the page's colors; the focus ring stands out against the white table
          assertEquals(cell.color, "rgb(17, 24, 39)");
          ok(/^solid [2-9]/.test(cell.outline), cell.outline);
          const ring = cell.outline.slice(cell.outline.indexOf("rgb"));
          ok(contrast(ring, "rgb(255, 255, 255)") >= 3, ring);
          assertEquals(await page.locator("#report i, #report b").count(), 0);
          await page.locator("table.plans").screenshot({
            path: join(shots, "cut_plan_focused.png"),
          });
          // leaving it cuts it again, a stop still
          await page.keyboard.press("Shift+Tab");
          const left = (await cells(page)).find((c) => c.text === LONG_PLAN);
          assertEquals([left?.cut, left?.stop], [true, true]);
        },
      );

      await step("Tab through the underpriced box: the org_id, then the name, whole", async () => {
        await page.getByRole("region", { name: "Top underpriced organizations" }).focus();
        const firstRow = page.locator("table.underpriced tbody tr").first();
        const id = await firstRow.locator("td.id").getAttribute("title");
        ok(id && id.length > 6, String(id));
        await page.keyboard.press("Tab");
        const idCell = await focused(page);
        assertEquals([idCell?.title, idCell?.text, idCell?.cut], [id, id, false]);
        await page.locator("table.underpriced").screenshot({
          path: join(shots, "cut_id_focused.png"),
        });
        await page.keyboard.press("Tab");
        const nameCell = await focused(page);
        assertEquals([nameCell?.text, nameCell?.cut], [LONG_NAME, false]);
        await page.locator("table.underpriced").screenshot({
          path: join(shots, "cut_name_focused.png"),
        });
      });

      await step(
        "at 375 px more names are cut and are stops; clicked, one shows whole on the screen",
        async () => {
          const desktopStops = (await cells(page)).filter((c) => c.stop).length;
          const report = page.locator("#report");
          await page.locator("#apply").focus(); // (a focused cell shows whole: not cut)
          await page.setViewportSize({ width: 375, height: 812 });
          try {
            // the page marks the cells again once the screen's width changes
            await page.waitForFunction(
              (report) =>
                [...report!.querySelectorAll("td.name, td.id")].every((td) => {
                  const span = td.querySelector("span")!;
                  return (span.scrollWidth > span.clientWidth) === td.hasAttribute("tabindex");
                }),
              await report.elementHandle(),
            );
            const phone = await cells(page);
            ok(phone.filter((c) => c.stop).length > desktopStops, JSON.stringify(phone));
            // a click (or a tap) focuses it too
            await page.locator("table.plans td.name", { hasText: "enterprise" }).click();
            const cell = await focused(page);
            assertEquals([cell?.text, cell?.cut], [LONG_PLAN, false]);
            ok(cell!.right <= 375, String(cell!.right));
            assertEquals(await page.evaluate("document.documentElement.scrollWidth"), 375);
            await page.getByRole("region", { name: "Unit economics by plan" }).screenshot({
              path: join(shots, "cut_plan_focused_375.png"),
            });
          } finally {
            await page.setViewportSize({ width: 1280, height: 900 });
          }
          // back on a wide screen, a name shown whole is no stop again
          await page.waitForFunction(
            ([report, stops]) => report!.querySelectorAll("td[tabindex]").length === stops,
            [await report.elementHandle(), desktopStops] as const,
          );
        },
      );

      await step("no uncaught error in the page", () => {
        assertEquals(pageErrors, []);
      });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});
