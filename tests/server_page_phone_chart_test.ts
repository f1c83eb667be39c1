/**
 * The admin page in headless Debian Chromium on the demo data: the charts by plan (margin by plan,
 * MRR and LLM cost per 1,000 requests) on a phone (390 and 320 px) are their narrow variants, every
 * plan's name above its bars and every name, bar and label inside the screen at once (the wide
 * charts scrolled sideways and showed the names or the bars, never both); at desktop width the
 * wide charts as before, the narrow ones not shown nor read out. Screenshots as tests/chromium.ts
 * keeps them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openAdminPageInChromium } from "./admin_page_in_chromium.ts";

/** The demo's plans by MRR, as both charts by plan list them. */
const PLANS = [
  "enterprise (contract)",
  "team 2025-12-10",
  "team (bundle, legacy)",
  "pro 2025-12-10",
  "pro (seat, legacy)",
  "free",
];

/** What each chart by plan draws on a phone: its bars and their labels, and a text to find. */
const CHARTS = [
  {
    name: "margin_by_plan",
    wideTitle: "Gross margin by plan (revenue-weighted)",
    narrowOnly: "Revenue-weighted. ",
    // two margins a plan, but free's spec margin (no MRR: a "–" instead)
    bars: 11,
    // 11 bars' labels and free's "–"
    labels: 12,
    label: "spec: – no margin, MRR $0",
  },
  {
    name: "mrr_per_1k_requests_by_plan",
    wideTitle: "MRR and LLM cost per 1,000 requests by plan",
    // team 2025-12-10's MRR per 1,000 requests ($3.7073 in the plan table), its bar's label
    narrowOnly: "$3.71",
    // MRR, LLM cost and company LLM cost a plan (free's MRR a bar of $0)
    bars: 18,
    labels: 18,
    label: "$3.71",
  },
];

const figureOf = (name: string) => `figure[data-chart="${name}"]`;

interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The bounding boxes (in the viewport) of a narrow chart's elements matching `selector`. */
function boxes(page: Page, chart: string, selector: string): Promise<Box[]> {
  return page.locator(`${figureOf(chart)} .narrow ${selector}`).evaluateAll((all) =>
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
    "admin page in Chromium: the charts by plan on a phone show every name and bar at once; desktop as before",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const admin = await openAdminPageInChromium(t);
    const { page, shots, step } = admin;
    let finished = false;
    try {
      await admin.unlock();

      await step(
        "at desktop width the wide charts, the narrow ones neither shown nor read",
        async () => {
          for (const chart of CHARTS) {
            const figure = page.locator(figureOf(chart.name));
            assertEquals(await figure.locator(".wide svg").isVisible(), true);
            assertEquals(await figure.locator(".narrow svg").isVisible(), false);
            const shown = await figure.evaluate((element) => ({
              scrolls: element.scrollWidth > element.clientWidth,
              // the wide SVG fills the figure, as before (880 units at 880 px)
              fills: Math.abs(
                element.querySelector(".wide svg")!.getBoundingClientRect().width -
                  (element.clientWidth - 16),
              ) < 1,
            }));
            assertEquals(shown, { scrolls: false, fills: true }, chart.name);
            // a screen reader is not given the hidden chart's texts
            const read = await figure.innerText();
            ok(read.includes(chart.wideTitle), read);
            ok(!read.includes(chart.narrowOnly), read);
            await figure.screenshot({ path: join(shots, `${chart.name}_desktop.png`) });
          }
        },
      );

      for (const width of [390, 320]) {
        await step(`at ${width} px every plan's name and bar end on screen at once`, async () => {
          await page.setViewportSize({ width, height: 844 });
          assertEquals(await page.evaluate("document.documentElement.scrollWidth"), width);
          for (const chart of CHARTS) {
            const figure = page.locator(figureOf(chart.name));
            assertEquals(await figure.locator(".wide svg").isVisible(), false);
            assertEquals(await figure.locator(".narrow svg").isVisible(), true);
            const scrolls = await figure.evaluate((e) => e.scrollWidth > e.clientWidth);
            assertEquals(scrolls, false, chart.name);
            const names = await boxes(
              page,
              chart.name,
              'g[aria-label="text"] g[font-weight="bold"] text',
            );
            assertEquals(names.map((n) => n.text), PLANS);
            const bars = await boxes(page, chart.name, 'g[aria-label="bar"] rect');
            assertEquals(bars.length, chart.bars, chart.name);
            const labels = await boxes(
              page,
              chart.name,
              'g[aria-label="text"] g:not([font-weight]) text',
            );
            assertEquals(labels.length, chart.labels, chart.name);
            ok(labels.some((l) => l.text === chart.label), chart.name);
            for (const box of [...names, ...bars, ...labels]) {
              ok(
                box.left >= 0 && box.right <= width,
                `${chart.name}: ${box.text || "a bar"}: ${box.left.toFixed(0)}–${
                  box.right.toFixed(0)
                } of ${width}`,
              );
            }
            // each name above its bars, below the previous plan's
            const tops = names.map((n) => n.top);
            for (let i = 0; i < names.length; i++) {
              const own = bars.filter((b) => b.top > names[i].top && b.top < (tops[i + 1] ?? 1e9));
              ok(own.length >= 1, `${chart.name}: ${names[i].text}`);
              for (const bar of own) ok(names[i].bottom <= bar.top + 1, names[i].text);
            }
            await figure.screenshot({ path: join(shots, `${chart.name}_${width}.png`) });
          }
        });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      finished = true;
    } finally {
      await admin.close({ failed: !finished });
    }
  },
});
