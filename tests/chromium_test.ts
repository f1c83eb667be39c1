/**
 * tests/chromium.ts itself: a passing test leaves no folder behind (profile and screenshots
 * removed); a failed one keeps its screenshots and says where.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { openChromium } from "./chromium.ts";
import { captureConsole } from "./console_capture.ts";

/** The folders tests/chromium.ts makes in the temporary folder. */
function browserFolders(tmp: string): string[] {
  return [...Deno.readDirSync(tmp)].map((e) => e.name)
    .filter((name) => /^pricing-kit-(chromium|shots)-/.test(name)).sort();
}

Deno.test({
  name: "chromium: close() removes the profile and the screenshots; a failure keeps them, named",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // a short path of its own: Chromium puts a socket in TMPDIR, and a socket's path may not pass
    // 107 bytes (inside the run's temporary folder, nested once more, it did)
    const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "ct-" });
    const saved = { TMPDIR: Deno.env.get("TMPDIR"), shots: Deno.env.get("PRICING_SCREENSHOT_DIR") };
    Deno.env.set("TMPDIR", tmp);
    Deno.env.delete("PRICING_SCREENSHOT_DIR");
    const { errors, restore } = captureConsole();
    try {
      const passing = await openChromium();
      const page = await passing.context.newPage();
      await page.setContent("<p>shot</p>");
      await page.screenshot({ path: join(passing.shots, "passing.png") });
      assertEquals(browserFolders(tmp).length, 2, "a profile and a screenshots folder");
      await passing.close();
      assertEquals(browserFolders(tmp), [], "nothing left after a passing test");
      assertEquals(errors, []);

      const failing = await openChromium();
      await failing.close({ failed: true });
      const left = browserFolders(tmp);
      assertEquals(left.length, 1);
      ok(left[0].startsWith("pricing-kit-shots-"), left[0]);
      assertEquals(errors, [`the test failed: screenshots kept in ${join(tmp, left[0])}`]);
    } finally {
      restore();
      for (
        const [name, value] of [["TMPDIR", saved.TMPDIR], ["PRICING_SCREENSHOT_DIR", saved.shots]]
      ) {
        if (value === undefined) Deno.env.delete(name!);
        else Deno.env.set(name!, value);
      }
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
