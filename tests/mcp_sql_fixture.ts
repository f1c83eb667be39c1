/**
 * What tests/mcp_sql_*_test.ts share: the demo export's frame, query_sql's limits and a runaway
 * statement, and waits on a process's end.
 */
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

/** The demo export's frame, as the server holds it. */
export async function demoFrame() {
  return (await goldenDemoData()).frame; // (its as-of: 2026-11-01)
}

/** Whether a process has ended (gone, or a zombie not yet reaped). */
export async function processEnded(pid: number): Promise<boolean> {
  try {
    return /State:\s+Z/.test(await Deno.readTextFile(`/proc/${pid}/status`));
  } catch {
    return true;
  }
}

/** Waits until `condition` holds (HANG_GUARD_MS at most: a hang guard, not a budget). */
export async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > HANG_GUARD_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const LIMITS = { maxRows: 10, timeoutMs: 30_000, maxMb: 2048, startMs: 30_000 };

/** Three copies of the demo's 400 organizations crossed: 64 million names, ordered. */
export const RUNAWAY = "SELECT a.org_name || b.org_name || c.org_name AS s FROM pricing_data a " +
  "CROSS JOIN pricing_data b CROSS JOIN pricing_data c ORDER BY s LIMIT 1";
