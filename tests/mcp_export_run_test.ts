/**
 * lib/mcp/export_run.ts: run_export stopped by its requests' cancels, over the MCP SDK's client
 * (its AbortSignal sends notifications/cancelled, as a client's timeout does). The export runs on
 * fixture databases whose queries take minutes (tests/slow_queries.ts), so only a stop ends it
 * within the test: a stopped run cancels its queries on both servers and leaves nothing in the
 * exports folder. A demo export held at its publish (the test holds the folder's publish lock,
 * as another run publishing would) has its staging folder whole when it is cancelled: it is
 * removed, and a request joined to the run gets its files once the lock is let go.
 * Its waits fail only past HANG_GUARD_MS (waitFor's own default, 30 s, is a deadline a demo
 * export's staging or a run's stop can pass on a loaded machine).
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { type ExportProgress, ExportRuns } from "../lib/mcp/export_run.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { PUBLISH_LOCK_FILE, withPublishLock } from "../lib/formats/publish_lock.ts";
import {
  ANSWER_TIMEOUT_MS,
  connectInMemory,
  stdioClient,
  text,
  type ToolResult,
} from "./mcp_client.ts";
import { SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

/**
 * `answer`, handled: a test failing before it awaits an answer closes its client, which rejects the
 * answer ("Connection closed"), unhandled; that rejection, not the failure, was then reported.
 */
function answerHandled<T>(answer: Promise<T>): Promise<T> {
  answer.catch(() => {});
  return answer;
}

/** Every entry in a folder, hidden ones too (a staging folder is `.staging-…`). */
function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

Deno.test("run_export: a cancelled request stops its export (its queries on both servers, nothing written); a request joined to the run keeps it going until it goes too", async () => {
  const databases = await slowQueryDatabases("mcp_run_export_cancel", { usage: SLOW_CH });
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_run_export_cancel_" });
  const store = new DatasetStore(mcpSettings({
    ...databases.env,
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_EXPORTS_DIR: exportsDir,
  }));
  const { client, close } = await connectInMemory(store);
  // (ANSWER_TIMEOUT_MS, a hang guard: the SDK's default 60 s is a deadline the run's export, or
  // its start, may pass on a loaded machine; the client then cancels the request itself)
  const runExport = (signal: AbortSignal) =>
    answerHandled(client.callTool({ name: "run_export", arguments: { days: 30 } }, undefined, {
      signal,
      timeout: ANSWER_TIMEOUT_MS,
    }));
  const bothQueriesRun = () =>
    waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
      HANG_GUARD_MS,
    );
  try {
    // one request, cancelled: its export stops
    const only = new AbortController();
    const answer = runExport(only.signal);
    await bothQueriesRun();
    only.abort();
    await rejects(answer); // (the SDK's AbortError, at once)
    await waitFor("the export to stop", () => store.exportingDays === null, HANG_GUARD_MS);
    await databases.stoppedOnBothServers();
    assertEquals(entries(exportsDir), []);

    // two requests joined to one run: the first cancelled, it runs on for the second
    const [first, second] = [new AbortController(), new AbortController()];
    const firstAnswer = runExport(first.signal);
    const secondAnswer = runExport(second.signal);
    await waitFor(
      "both requests to wait for one run",
      () => store.exportRequests === 2,
      HANG_GUARD_MS,
    );
    await bothQueriesRun();
    first.abort();
    await rejects(firstAnswer);
    await waitFor(
      "the first request to leave the run",
      () => store.exportRequests === 1,
      HANG_GUARD_MS,
    );
    // its queries still run on both servers (stopped, they leave within a second or two; here
    // they are checked after the server has taken the cancel in)
    assertEquals(store.exportingDays, 30);
    assertEquals([await databases.pgRunning(), await databases.chRunning()], [1, 1]);
    // the last request gone: the run stops, nothing written
    second.abort();
    await rejects(secondAnswer);
    await waitFor("the export to stop", () => store.exportingDays === null, HANG_GUARD_MS);
    await databases.stoppedOnBothServers();
    assertEquals(entries(exportsDir), []);
  } finally {
    await close();
    await store.exportSettled();
    await databases.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
});

/** Holds `dir`'s publish lock, as another run publishing into it would, until released. */
async function holdPublishLock(dir: string) {
  let release = () => {};
  let held = () => {};
  const holding = new Promise<void>((resolve) => held = resolve);
  const done = withPublishLock(dir, () => {
    held();
    return new Promise<void>((resolve) => release = resolve);
  });
  await holding;
  return {
    async release() {
      release();
      await done;
    },
  };
}

/** The staging folder in `dir` once its export has written every file (its manifest last). */
function stagedWhole(dir: string): string | null {
  const staging = entries(dir).find((name) => name.startsWith(".staging-"));
  if (!staging) return null;
  const files = entries(join(dir, staging));
  return files.some((name) => name.endsWith(".manifest.json")) ? staging : null;
}

Deno.test("run_export: cancelled with its files staged, nothing is published and its staging folder goes; a joined request gets the run's files", async () => {
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_run_export_staged_" });
  // no database configured: the demo export, as of a fixed date
  const store = new DatasetStore(
    mcpSettings({ PRICING_MCP_ALLOW_EXPORT: "1", PRICING_MCP_EXPORTS_DIR: exportsDir }),
    { now: () => new Date("2026-11-01T00:00:00Z") },
  );
  const { client, close } = await connectInMemory(store);
  const runExport = (signal: AbortSignal) =>
    answerHandled(client.callTool({ name: "run_export", arguments: { days: 30 } }, undefined, {
      signal,
      timeout: ANSWER_TIMEOUT_MS,
    }));
  let lock = await holdPublishLock(exportsDir);
  try {
    // one request: its files staged, waiting to publish; cancelled, the run stops
    const only = new AbortController();
    const answer = runExport(only.signal);
    await waitFor(
      "the export's files to be staged",
      () => stagedWhole(exportsDir) !== null,
      HANG_GUARD_MS,
    );
    only.abort();
    await rejects(answer);
    await waitFor("the export to stop", () => store.exportingDays === null, HANG_GUARD_MS);
    // no export file and no staging folder: only the lock the test holds
    assertEquals(entries(exportsDir), [PUBLISH_LOCK_FILE]);
    await lock.release();
    assertEquals(entries(exportsDir), []);

    // two requests joined to one run: the first cancelled, the second gets the files
    lock = await holdPublishLock(exportsDir);
    const [first, second] = [new AbortController(), new AbortController()];
    const firstAnswer = runExport(first.signal);
    const secondAnswer = runExport(second.signal);
    await waitFor(
      "both requests to wait for one run",
      () => store.exportRequests === 2,
      HANG_GUARD_MS,
    );
    await waitFor(
      "the export's files to be staged",
      () => stagedWhole(exportsDir) !== null,
      HANG_GUARD_MS,
    );
    first.abort();
    await rejects(firstAnswer);
    await waitFor(
      "the first request to leave the run",
      () => store.exportRequests === 1,
      HANG_GUARD_MS,
    );
    assertEquals(store.exportingDays, 30);
    ok(stagedWhole(exportsDir) !== null, "the run keeps its staged files");
    await lock.release();
    const result = await secondAnswer as unknown as ToolResult;
    assertEquals(result.isError, undefined, text(result));
    const csv = join(exportsDir, "helicone_pricing_data_2026-11-01_demo.csv");
    assertEquals(result.structuredContent!.path, csv);
    const published = entries(exportsDir);
    ok(published.includes("helicone_pricing_data_2026-11-01_demo.csv"), published.join());
    ok(published.includes("helicone_pricing_data_2026-11-01_demo.manifest.json"), published.join());
    assertEquals(published.filter((name) => name.startsWith(".staging-")), []);
  } finally {
    await lock.release();
    await close();
    await store.exportSettled();
    await Deno.remove(exportsDir, { recursive: true });
  }
});

Deno.test("run_export: listed as destructive, as it is: an export of the same date and window is replaced", async () => {
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_run_export_replace_" });
  const store = new DatasetStore(
    mcpSettings({ PRICING_MCP_ALLOW_EXPORT: "1", PRICING_MCP_EXPORTS_DIR: exportsDir }),
    { now: () => new Date("2026-11-01T00:00:00Z") },
  );
  const { client, close } = await connectInMemory(store);
  const runExport = async () =>
    await client.callTool({ name: "run_export", arguments: {} }, undefined, {
      timeout: ANSWER_TIMEOUT_MS,
    }) as unknown as ToolResult;
  try {
    const tool = (await client.listTools()).tools.find((t) => t.name === "run_export");
    // (MCP: destructiveHint false says the tool makes additive updates only)
    assertEquals(tool?.annotations, {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    const first = await runExport();
    assertEquals(first.isError, undefined, text(first));
    const csv = first.structuredContent!.path as string;
    assertEquals(csv, join(exportsDir, "helicone_pricing_data_2026-11-01_demo.csv"));
    // the export the folder held, marked so that its replacement shows
    const held = await Deno.readTextFile(csv);
    ok(held.includes("Müller & Söhne GmbH"));
    await Deno.writeTextFile(csv, held.replaceAll("Müller & Söhne GmbH", "EARLIER EXPORT"));
    const second = await runExport();
    assertEquals(second.isError, undefined, text(second));
    assertEquals(second.structuredContent!.path, csv);
    const now = await Deno.readTextFile(csv);
    ok(!now.includes("EARLIER EXPORT") && now.includes("Müller & Söhne GmbH"), "replaced");
  } finally {
    await close();
    await store.exportSettled();
    await Deno.remove(exportsDir, { recursive: true });
  }
});

Deno.test("deno task mcp: run_export reports its steps as progress notifications when the client asks", async () => {
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_run_export_progress_" });
  const { transport, client } = stdioClient({
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_EXPORTS_DIR: exportsDir,
  });
  await client.connect(transport);
  try {
    // the SDK's client sends a progressToken with a request given onprogress (a production
    // export takes minutes: a client resetting its timeout on progress waits for it)
    const heard: { progress: number; total?: number; message?: string }[] = [];
    const result = await client.callTool({ name: "run_export", arguments: {} }, undefined, {
      onprogress: (progress) => heard.push(progress),
      resetTimeoutOnProgress: true,
      timeout: ANSWER_TIMEOUT_MS,
    }) as unknown as ToolResult;
    assertEquals(result.isError, undefined, text(result));
    assertEquals(
      heard,
      [
        "querying the databases (or building the demo dataset)",
        "joining the query results",
        "reading revenue",
        "computing the metrics and economics",
        "writing the files",
        "reading the new export back",
      ].map((message, i) => ({ progress: i + 1, total: 6, message })),
    );
  } finally {
    await client.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
});

Deno.test("ExportRuns: each request sharing a run hears its steps from when it joined, until it goes", async () => {
  let step: (message: string) => void = () => {};
  let finish: () => void = () => {};
  const runs = new ExportRuns<string>((_days, { progress }) => {
    step = (message) => progress({ step: 1, steps: 1, message });
    return new Promise((resolve) => finish = () => resolve("done"));
  });
  const heard: Record<string, string[]> = { first: [], second: [] };
  const hear = (who: string) => (p: ExportProgress) => heard[who].push(p.message);
  const first = runs.join(30, { onProgress: hear("first") });
  step("a");
  const leaving = new AbortController();
  const second = runs.join(30, { request: leaving.signal, onProgress: hear("second") });
  step("b");
  leaving.abort();
  await rejects(second);
  step("c");
  finish();
  assertEquals(await first, "done");
  assertEquals(heard, { first: ["a", "b", "c"], second: ["b"] });
});
