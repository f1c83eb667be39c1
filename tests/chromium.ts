/**
 * Debian's Chromium, headless, for the admin page's tests (server_browser_test.ts,
 * server_page_test.ts): a persistent context on a temporary profile at desktop size, downloads
 * accepted, and a folder for screenshots. close() removes the profile and the screenshots, unless a
 * step failed (then it says where they are) or PRICING_SCREENSHOT_DIR named their folder (kept).
 */
import { type BrowserContext, chromium } from "playwright-core";
import { HANG_GUARD_MS } from "./hang_guard.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenChromium {
  context: BrowserContext;
  /** where screenshots go */
  shots: string;
  /** `t.step`, its outcome remembered: a failed step keeps the screenshots */
  step(
    t: Deno.TestContext,
    name: string,
    fn: (t: Deno.TestContext) => void | Promise<void>,
  ): Promise<boolean>;
  /**
   * Closes the browser and removes its profile; removes the screenshots too unless a step failed
   * or `failed` (the test ended early) — then prints where they are.
   */
  close(options?: { failed?: boolean }): Promise<void>;
}

export async function openChromium(): Promise<OpenChromium> {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(`${CHROMIUM} is missing: sudo apt-get install chromium`);
  }
  const chosen = Deno.env.get("PRICING_SCREENSHOT_DIR");
  const profile = await Deno.makeTempDir({ prefix: "pricing-kit-chromium-" });
  const shots = chosen ?? await Deno.makeTempDir({ prefix: "pricing-kit-shots-" });
  // Chromium's own temporary folder, where its singleton socket goes: a short one in /tmp
  // whatever TMPDIR is, as a socket's path may not pass 107 bytes (under a TMPDIR of 158
  // characters Chromium aborted at launch: "Socket path too long")
  const socketDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "pk-chromium-" });
  let stepFailed = false;
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      env: { ...Deno.env.toObject(), TMPDIR: socketDir },
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    // every wait (a click, a selector, a navigation) waits as every other test's wait does:
    // Playwright's 30 s default failed six steps of server_page_test beside LibreOffice at load ~30
    context.setDefaultTimeout(HANG_GUARD_MS);
  } catch (error) {
    await Deno.remove(socketDir, { recursive: true });
    await Deno.remove(profile, { recursive: true });
    if (!chosen) await Deno.remove(shots, { recursive: true });
    throw error;
  }
  return {
    context,
    shots,
    step: async (t, name, fn) => {
      const passed = await t.step(name, fn);
      if (!passed) stepFailed = true;
      return passed;
    },
    close: async ({ failed = false } = {}) => {
      await context.close();
      await Deno.remove(socketDir, { recursive: true });
      await Deno.remove(profile, { recursive: true });
      if (chosen) console.error(`screenshots in ${shots} (PRICING_SCREENSHOT_DIR)`);
      else if (failed || stepFailed) console.error(`the test failed: screenshots kept in ${shots}`);
      else await Deno.remove(shots, { recursive: true });
    },
  };
}
