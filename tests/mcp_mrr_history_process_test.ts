/**
 * mrr_history's bridge built in a process of its own (lib/mcp/history_process.ts): the server
 * answers other requests while one is under way, calls at once (and a `deno task history report`
 * beside them) leave whole caches, a cancelled call's process is killed, and a read-only history
 * folder still answers. The history: tests/mrr_history_fixture.ts (two month ends by hand).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { call, connectInMemory, ROOT, text, type ToolResult } from "./mcp_client.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import {
  assertBridge,
  fill,
  filledWithFifo,
  heldInMemory,
  processGone,
} from "./mrr_history_fixture.ts";

/** The answer is a tool error of one line starting `start`. */
function assertOneLineError(result: ToolResult, start: string) {
  assertEquals(result.isError, true);
  assertEquals(text(result).split("\n").length, 1, text(result));
  ok(text(result).startsWith(start), text(result));
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("mrr_history: describe_dataset answers while a bridge is being built (in a process of its own)", async () => {
  const held = await heldInMemory();
  const { client } = held;
  try {
    let settled = false;
    const bridge = call(client, "mrr_history", {}).finally(() => settled = true);
    await held.holding(); // the build is under way, held until released
    const described = await call(client, "describe_dataset", {});
    assertEquals(described.isError, undefined, text(described));
    ok(text(described).includes("history: 2 snapshots"), text(described));
    assertEquals(settled, false, "the bridge is still held while describe_dataset answered");
    held.release();
    assertBridge(await bridge);
  } finally {
    await held.close();
  }
});

Deno.test("mrr_history: a cancelled call's process is killed; the next call is answered", async () => {
  const held = await heldInMemory();
  const { client } = held;
  try {
    const controller = new AbortController();
    const cancelled = client.callTool({ name: "mrr_history", arguments: {} }, undefined, {
      signal: controller.signal,
    }).then(() => "answered", () => "rejected");
    const writer = await held.holding();
    controller.abort();
    assertEquals(await cancelled, "rejected");
    // killed: its reading end closes, and a write to the FIFO fails
    await processGone(writer, "the cancelled build's process to end");
    mrrHistoryHoldForTests.fifo = null;
    // the next build is not queued behind the cancelled one
    assertBridge(await call(client, "mrr_history", {}));
  } finally {
    await held.close();
  }
});

Deno.test("mrr_history: two calls at once and a history report beside them leave whole caches; the next call reads them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_mrr_history_process_" });
  await fill(dir);
  const history = join(dir, "history");
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const report = new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "history",
        "report",
        "--history-dir",
        history,
        "--out-dir",
        dir,
        "--no-charts",
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    const [first, second, reported] = await Promise.all([
      call(client, "mrr_history", {}),
      call(client, "mrr_history", {}),
      report,
    ]);
    ok(reported.success, new TextDecoder().decode(reported.stderr));
    assertBridge(first);
    assertEquals(second.structuredContent, first.structuredContent);
    assertEquals(text(second), text(first));
    // no temporary file left; every sidecar whole JSON holding its sums; the bridge's state whole
    const entries = names(history);
    assertEquals(entries.filter((name) => name.endsWith(".tmp")), []);
    for (const name of entries.filter((n) => n.endsWith(".parquet.json"))) {
      const sidecar = JSON.parse(Deno.readTextFileSync(join(history, name)));
      ok(sidecar.history_sums?.sums, `${name} holds its sums`);
    }
    ok(entries.includes(".bridge-state"), `${entries}`);
    JSON.parse(Deno.readTextFileSync(join(history, ".bridge-state", "state.json")));
    const again = await call(client, "mrr_history", {});
    assertEquals(again.structuredContent, first.structuredContent);
    assertEquals(text(again), text(first));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "mrr_history on a read-only history folder answers the bridge, writing nothing",
  async (folder) => {
    await fill(folder.dir);
    const history = join(folder.dir, "history");
    const before = names(history);
    await folder.readOnly();
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir })),
    );
    try {
      assertBridge(await call(client, "mrr_history", {}));
      assertEquals(names(history), before); // no caches, no temporary files
    } finally {
      await close();
    }
  },
);

Deno.test("mrr_history: a build past PRICING_MCP_HISTORY_MAX_MB fails in one line naming it; the server keeps answering", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_mrr_history_process_" });
  await fill(dir);
  // 1 MB: any Deno process holds more, so the cap trips on this two-month history
  const settings = mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_MCP_HISTORY_MAX_MB: "1" });
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  try {
    const stopped = await call(client, "mrr_history", {});
    assertOneLineError(
      stopped,
      "error: the MRR bridge's build needed more than 1 MB (PRICING_MCP_HISTORY_MAX_MB) and was stopped;",
    );
    const described = await call(client, "describe_dataset", {});
    assertEquals(described.isError, undefined, text(described));
    assertEquals(names(join(dir, "history")).filter((name) => name.endsWith(".tmp")), []);
    settings.historyMaxMb = 2048; // (the operator raised it) the next call builds
    assertBridge(await call(client, "mrr_history", {}));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mrr_history: a build held past PRICING_MCP_HISTORY_TIMEOUT_SECONDS is killed, in one line naming it", async () => {
  const { dir, fifo } = await filledWithFifo();
  const settings = mcpSettings({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_HISTORY_TIMEOUT_SECONDS: "1",
  });
  const { client, close } = await connectInMemory(new DatasetStore(settings));
  let writer: Deno.FsFile | undefined;
  try {
    mrrHistoryHoldForTests.fifo = fifo;
    const held = call(client, "mrr_history", {});
    // the build is under way, held at the FIFO (never let go): only its deadline ends it. Under
    // load the deadline can kill the process before it opens the FIFO, and an open to write would
    // then wait forever for a reader: the open races the answer, and a reader of our own lets a
    // still-waiting open go
    const opening = Deno.open(fifo, { write: true });
    const first = await Promise.race([opening.then(() => "opened"), held.then(() => "answered")]);
    const stopped = await held;
    assertOneLineError(
      stopped,
      "error: the MRR bridge's build ran longer than 1 s (PRICING_MCP_HISTORY_TIMEOUT_SECONDS) and was stopped;",
    );
    if (first === "opened") {
      writer = await opening;
      // killed: its reading end is closed, so a write to the FIFO fails
      let killed = false;
      try {
        await writer.write(new Uint8Array([0]));
      } catch {
        killed = true;
      }
      ok(killed, "the held process still reads the FIFO after its deadline");
    } else {
      const reader = await Deno.open(fifo, { read: true });
      (await opening).close();
      reader.close();
    }
    mrrHistoryHoldForTests.fifo = null;
    settings.historyTimeoutMs = 600_000; // (the operator raised it) the next call builds
    assertBridge(await call(client, "mrr_history", {}));
  } finally {
    mrrHistoryHoldForTests.fifo = null;
    writer?.close();
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mrr_history: a history folder whose path holds a comma, or is reached through a symlink, gets its caches from the first call", async () => {
  // Deno splits --allow-write's list at commas (`,,` does not escape): given the path, the
  // process could write nothing there and every call was a cold build
  const top = await Deno.makeTempDir({ prefix: "mcp_mrr_history_process_" });
  try {
    for (const name of ["exports, march", "linked"]) {
      const dir = join(top, name);
      if (name === "linked") {
        await Deno.mkdir(join(top, "real, folder"));
        await Deno.symlink(join(top, "real, folder"), dir);
      } else await Deno.mkdir(dir);
      await fill(dir);
      const history = join(dir, "history");
      const { client, close } = await connectInMemory(
        new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
      );
      try {
        const first = await call(client, "mrr_history", {});
        assertBridge(first);
        assertEquals(first.structuredContent!.history_dir, history);
        const entries = names(history);
        ok(entries.includes(".bridge-state"), `${name}: ${entries}`);
        for (const sidecar of entries.filter((n) => n.endsWith(".parquet.json"))) {
          const sums = JSON.parse(Deno.readTextFileSync(join(history, sidecar))).history_sums;
          ok(sums?.sums, `${name}: ${sidecar} holds its sums`);
        }
      } finally {
        await close();
      }
    }
  } finally {
    await Deno.remove(top, { recursive: true });
  }
});
