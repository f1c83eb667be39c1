/**
 * The admin page in headless Debian Chromium on the demo data: margin by plan on a phone (390 and
 * 320 px) is its narrow variant, every plan's name above its bars and every name, bar and label
 * inside the screen at once (the wide chart scrolled sideways and showed the names or the bars,
 * never both); at desktop width the wide chart as before, the narrow one not shown nor read out.
 * Screenshots as tests/chromium.ts keeps them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";

const FIGURE = 'figure[data-chart="margin_by_plan"]';

interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The bounding boxes (in the viewport) of the narrow chart's elements matching `selector`. */
function boxes(page: Page, selector: string): Promise<Box[]> {
  return page.locator(`${FIGURE} .narrow ${selector}`).evaluateAll((all) =>
    all.map((element) => {
      const r = element.getBoundingClientRect();
      return {
        // its own text, not a hover <title> inside it
        text: [...element.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent)
          .join(""),
        left: r.left,
        right: r.right,
        top: r.top,
        bottom: r.bottom,
      };
    })
  );
}

Deno.test({
  name:
    "admin page in Chromium: margin by plan on a phone shows every name and bar at once; desktop as before",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const admin = await openAdminPageInChromium(t);
    const { page, shots, step } = admin;
    let finished = false;
    try {
      await admin.unlock();
      const figure = page.locator(FIGURE);

      await step(
        "at desktop width the wide chart, the narrow one neither shown nor read",
        async () => {
          assertEquals(await figure.locator(".wide svg").isVisible(), true);
          assertEquals(await figure.locator(".narrow svg").isVisible(), false);
          const shown = await figure.evaluate((element) => ({
            scrolls: element.scrollWidth > element.clientWidth,
            // the wide SVG fills the figure, as before (880 units in a ~560 px column)
            fills: Math.abs(
              element.querySelector(".wide svg")!.getBoundingClientRect().width -
                (element.clientWidth - 16),
            ) < 1,
          }));
          assertEquals(shown, { scrolls: false, fills: true });
          // a screen reader is not given the hidden chart's texts
          const read = await figure.innerText();
          ok(read.includes("Gross margin by plan (revenue-weighted)"), read);
          ok(!read.includes("Revenue-weighted. "), read);
          await figure.screenshot({ path: join(shots, "margin_by_plan_desktop.png") });
        },
      );

      for (const width of [390, 320]) {
        await step(`at ${width} px every plan's name and bar end on screen at once`, async () => {
          await page.setViewportSize({ width, height: 844 });
          assertEquals(await figure.locator(".wide svg").isVisible(), false);
          assertEquals(await figure.locator(".narrow svg").isVisible(), true);
          assertEquals(await page.evaluate("document.documentElement.scrollWidth"), width);
          const scrolls = await figure.evaluate((e) => e.scrollWidth > e.clientWidth);
          assertEquals(scrolls, false);
          const names = await boxes(page, 'g[aria-label="text"] g[font-weight="bold"] text');
          assertEquals(names.map((n) => n.text), [
            "enterprise (contract)",
            "team 2025-12-10",
            "team (bundle, legacy)",
            "pro 2025-12-10",
            "pro (seat, legacy)",
            "free",
          ]);
          const bars = await boxes(page, 'g[aria-label="bar"] rect');
          // two margins a plan, but free's spec margin (no MRR: a "–" instead)
          assertEquals(bars.length, 11);
          const labels = await boxes(page, 'g[aria-label="text"] g:not([font-weight]) text');
          assertEquals(labels.length, 12); // 11 bars' labels and free's "–"
          ok(labels.some((l) => l.text === "spec: – no margin, MRR $0"));
          for (const box of [...names, ...bars, ...labels]) {
            ok(
              box.left >= 0 && box.right <= width,
              `${box.text || "a bar"}: ${box.left.toFixed(0)}–${box.right.toFixed(0)} of ${width}`,
            );
          }
          // each name above its bars, below the previous plan's
          const tops = names.map((n) => n.top);
          for (let i = 0; i < names.length; i++) {
            const own = bars.filter((b) => b.top > names[i].top && b.top < (tops[i + 1] ?? 1e9));
            ok(own.length >= 1, names[i].text);
            for (const bar of own) ok(names[i].bottom <= bar.top + 1, names[i].text);
          }
          await figure.screenshot({ path: join(shots, `margin_by_plan_${width}.png`) });
        });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});
