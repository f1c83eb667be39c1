/**
 * The lib/server tests' server: a handler on Deno.serve at a free loopback port with the real demo
 * pipeline (wrapped to count runs), its token and clock, and small helpers the server_*_test.ts
 * files share.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { type ExportOptions, loadPricingData } from "../lib/export.ts";
import {
  createHandler,
  type Handler,
  type HandlerHooks,
  type LoadPricingData,
} from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

export const TOKEN = "test-token-0123456789abcdef-0123456789"; // 38 characters (at least 32)
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
/** The tests' clock: 2026-11-02T00:00:00Z, so the default as-of (now) names files 2026-11-02. */
export const START = Date.parse("2026-11-02T00:00:00Z");
export const EXPORT = "/v1/admin/pricing-analytics/export";
export const SUMMARY = "/v1/admin/pricing-analytics/summary";

export function settings(env: Record<string, string> = {}, args = ["--demo"]) {
  return serverSettings(parseServerArgs(args), { PRICING_SERVER_TOKEN: TOKEN, ...env });
}

export interface TestServer {
  url: string;
  logs: string[];
  clock: { now: number };
  calls: Partial<ExportOptions>[];
  runs: Handler["runs"];
  /** errors Deno.serve reported (bodies that failed after the status went out) */
  serveErrors: string[];
  get(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1:<free port>. `loader` defaults to the real pipeline; every call is
 * recorded in `calls`, so tests count runs.
 */
export function serve(
  options: {
    env?: Record<string, string>;
    loader?: LoadPricingData;
    hooks?: HandlerHooks;
    token?: string | null;
    /** the server's flags (default --demo; [] = the databases in env) */
    args?: string[];
    /** where Stripe's daily cache goes (default the kit's outputs folder) */
    outDir?: string;
  } = {},
): TestServer {
  const logs: string[] = [];
  const clock = { now: START };
  const calls: Partial<ExportOptions>[] = [];
  const inner = options.loader ?? loadPricingData;
  const base = { ...settings(options.env, options.args) };
  if (options.token !== undefined) base.token = options.token;
  if (options.outDir !== undefined) base.outDir = options.outDir;
  const handler = createHandler(base, {
    loadData: (o) => {
      calls.push(o);
      return inner(o);
    },
    hooks: { now: () => clock.now, log: (line) => logs.push(line), ...options.hooks },
  });
  const serveErrors: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: (error) => {
      serveErrors.push(error instanceof Error ? error.message : String(error));
      return new Response(null, { status: 500 });
    },
  }, handler);
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    logs,
    clock,
    calls,
    runs: handler.runs,
    serveErrors,
    get: (path, init) => fetch(url + path, { ...init, headers: { ...AUTH, ...init?.headers } }),
    close: () => server.shutdown(),
  };
}

export async function jsonBody(response: Response) {
  assertEquals(response.headers.get("content-type"), "application/json");
  return await response.json();
}

/** The real demo pipeline with the frame stacked `times` over (400 × times organizations). */
export function largeDemoLoader(times: number): LoadPricingData {
  return async (options) => {
    const data = await loadPricingData(options);
    return { ...data, frame: pl.concat(Array.from({ length: times }, () => data.frame)) };
  };
}

/** Resolves once `condition` holds (checked every few ms; fails past HANG_GUARD_MS naming `what`) */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A promise with its resolve, to hold a run open. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}
