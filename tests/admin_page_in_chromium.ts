/**
 * The admin page's browser tests' set-up: the server's handler on a loopback port (the demo data
 * unless told otherwise, the clock at START, the token TOKEN, optionally an edited price book),
 * Debian's Chromium through playwright-core (tests/chromium.ts) and the page unlocked by token.
 */
import type { Page } from "playwright-core";
import { join } from "node:path";
import {
  createHandler,
  type Handler,
  type HandlerHooks,
  type LoadPricingData,
} from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import type { Env } from "../lib/core/config.ts";
import { type OpenChromium, openChromium } from "./chromium.ts";

export const TOKEN = "page-test-token-0123456789-abcdef-0000";
export const START = Date.parse("2026-11-02T00:00:00Z");

// deno-lint-ignore no-explicit-any
type PriceBookJson = any;

export interface AdminPageOptions {
  /** the server's arguments (default `--demo`) */
  args?: string[];
  /** settings besides the token: databases, Stripe, limits */
  env?: Env;
  /** scenarios/current_seat_based.json as this changes it becomes PRICING_PRICE_BOOK */
  editPriceBook?: (book: PriceBookJson) => void;
  outDir?: string;
  loadData?: LoadPricingData;
  /** default: the clock at START, no log */
  hooks?: HandlerHooks;
}

export interface AdminPageInChromium {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** the server's handler (its runs, for waits on them) */
  handler: Handler;
  context: OpenChromium["context"];
  /** where screenshots go (tests/chromium.ts keeps them when a step fails) */
  shots: string;
  /** the browser's first tab */
  page: Page;
  /** `t.step`, its outcome remembered by the browser (a failed step keeps the screenshots) */
  step(name: string, fn: () => void | Promise<void>): Promise<boolean>;
  /**
   * Opens the admin page in `page`, types TOKEN and clicks Unlock; then waits for the report
   * unless `report: false` (a run the test holds).
   */
  unlock(page?: Page, options?: { report?: boolean }): Promise<void>;
  /** Closes the browser (`failed`: the test ended early), stops the server, removes the book. */
  close(options: { failed: boolean }): Promise<void>;
}

export async function openAdminPageInChromium(
  t: Deno.TestContext,
  options: AdminPageOptions = {},
): Promise<AdminPageInChromium> {
  const { args = ["--demo"], env = {}, editPriceBook, outDir, loadData } = options;
  const hooks = options.hooks ?? { now: () => START, log: () => {} };
  const bookFolder = editPriceBook
    ? await Deno.makeTempDir({ prefix: "admin_page_book_" })
    : undefined;
  const bookEnv: Record<string, string> = {};
  if (editPriceBook && bookFolder) {
    const book = JSON.parse(
      await Deno.readTextFile(new URL("../scenarios/current_seat_based.json", import.meta.url)),
    );
    editPriceBook(book);
    bookEnv.PRICING_PRICE_BOOK = join(bookFolder, "book.json");
    await Deno.writeTextFile(bookEnv.PRICING_PRICE_BOOK, JSON.stringify(book));
  }
  const settings = serverSettings(parseServerArgs(args), {
    PRICING_SERVER_TOKEN: TOKEN,
    ...env,
    ...bookEnv,
  });
  const handler = createHandler(outDir ? { ...settings, outDir } : settings, { loadData, hooks });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const removeBook = async () => {
    if (bookFolder) await Deno.remove(bookFolder, { recursive: true });
  };
  let browser: OpenChromium;
  try {
    browser = await openChromium();
  } catch (error) {
    await server.shutdown();
    await removeBook();
    throw error;
  }
  const page = browser.context.pages()[0] ?? await browser.context.newPage();
  return {
    origin,
    handler,
    context: browser.context,
    shots: browser.shots,
    page,
    step: (name, fn) => browser.step(t, name, fn),
    unlock: async (tab = page, { report = true } = {}) => {
      await tab.goto(`${origin}/admin/pricing-analytics`);
      await tab.fill("#token", TOKEN);
      await tab.click("#unlock button[type=submit]");
      if (report) await tab.locator(".report").waitFor();
    },
    close: async ({ failed }) => {
      await browser.close({ failed });
      await server.shutdown();
      await removeBook();
    },
  };
}
