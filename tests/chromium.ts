/**
 * Debian's Chromium, headless, for the admin page's tests (server_browser_test.ts,
 * server_page_test.ts): a persistent context on a temporary profile at desktop size, downloads
 * accepted, and a folder for screenshots (PRICING_SCREENSHOT_DIR keeps them).
 */
import { type BrowserContext, chromium } from "playwright-core";

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
  /** closes the browser and removes its profile */
  close(): Promise<void>;
}

export async function openChromium(): Promise<OpenChromium> {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(`${CHROMIUM} is missing: sudo apt-get install chromium`);
  }
  const profile = await Deno.makeTempDir({ prefix: "pricing-kit-chromium-" });
  const shots = Deno.env.get("PRICING_SCREENSHOT_DIR") ??
    await Deno.makeTempDir({ prefix: "pricing-kit-shots-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    shots,
    close: async () => {
      await context.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}
