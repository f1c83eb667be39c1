/**
 * mrr_history tells a client that asked for progress that its build goes on (lib/mcp/
 * history_process.ts, bridgeProgress): a cold build over twelve 1M-organization month ends takes
 * minutes, and the SDK's client gave up on it after 60 s with "Request timed out", which cancelled
 * the build. Here a build is held on a FIFO (mrrHistoryHoldForTests) past a client timeout of
 * 10 s that resets on progress, with notes every 100 ms; the history is
 * tests/mrr_history_fixture.ts's.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { bridgeProgress, mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { call, type ToolResult } from "./mcp_client.ts";
import {
  assertBridge,
  assertBuildNotes,
  heldInMemory,
  PROGRESS_EVERY_MS,
  PROGRESS_HELD_MS,
  PROGRESS_TIMEOUT_MS,
} from "./mrr_history_fixture.ts";
import { waitFor } from "./slow_queries.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

Deno.test("mrr_history: a build held past the client's timeout is answered when the client resets its timeout on progress", async () => {
  const held = await heldInMemory();
  const { client } = held;
  const everyMs = bridgeProgress.everyMs;
  try {
    // the dataset loaded first: the timeout is the build's
    assertEquals((await call(client, "describe_dataset", {})).isError, undefined);
    bridgeProgress.everyMs = PROGRESS_EVERY_MS;
    const heard: { message?: string; at: number }[] = [];
    const answer = client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: (progress) => heard.push({ message: progress.message, at: Date.now() }),
      timeout: PROGRESS_TIMEOUT_MS,
      resetTimeoutOnProgress: true,
    }) as Promise<ToolResult>;
    await held.holding();
    // held until notes have come for longer than the client's timeout (60 s: a hang guard)
    const started = Date.now();
    while (heard.length === 0 || heard.at(-1)!.at - heard[0].at < PROGRESS_HELD_MS) {
      ok(
        Date.now() - started < HANG_GUARD_MS,
        `notes heard by the hang guard: ${JSON.stringify(heard)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    held.release();
    assertBridge(await answer);
    assertBuildNotes(heard);
  } finally {
    bridgeProgress.everyMs = everyMs;
    await held.close();
  }
});

Deno.test("mrr_history: a call behind a build under way hears that it waits", async () => {
  const held = await heldInMemory();
  const { client } = held;
  try {
    const first = client.callTool({ name: "mrr_history", arguments: {} }) as Promise<ToolResult>;
    await held.holding(); // the first build holds at the FIFO
    const heard: string[] = [];
    const second = client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      onprogress: (progress) => heard.push(progress.message ?? ""),
    }) as Promise<ToolResult>;
    await waitFor("the second call's first note", () => heard.length > 0, HANG_GUARD_MS);
    assertEquals(heard[0].startsWith("waiting for the MRR bridge build under way"), true, heard[0]);
    mrrHistoryHoldForTests.fifo = null; // (the second build is not held)
    held.release();
    assertBridge(await first);
    assertBridge(await second);
  } finally {
    await held.close();
  }
});
