/**
 * One publish at a time into a folder (lib/formats/publish_lock.ts): two exports of the same set
 * into one --out-dir used to interleave their moves, leaving one run's manifest beside the other's
 * CSVs (both exiting 0). A second run now waits for the first's publish, then publishes whole.
 */
import { fileURLToPath } from "node:url";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { hostname } from "node:os";
import { runExport } from "../lib/export.ts";
import {
  PUBLISH_LOCK_FILE,
  publishSettledIn,
  withPublishLock,
} from "../lib/formats/publish_lock.ts";
import { lockWaitedOrSettled } from "./export_cut_fixture.ts";
import { makeStagingDir, publishesSettled, publishStaged } from "../lib/formats/staging.ts";
import { captureConsole } from "./console_capture.ts";
import { unlessHung } from "./hang_guard.ts";

const LOCK_MODULE = new URL("../lib/formats/publish_lock.ts", import.meta.url).href;
const CLI = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));
const asOf = new Date("2026-11-01T00:00:00Z");
const MANIFEST = "helicone_pricing_data_2026-11-01_demo.manifest.json";

/** Reads `stream` until a line matches `pattern`; returns that line (the stream stays open). */
async function lineMatching(stream: ReadableStream<Uint8Array>, pattern: RegExp) {
  const lines: string[] = [];
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream.values({ preventCancel: true })) {
    text += decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    text = parts.pop()!;
    for (const line of parts) {
      if (pattern.test(line)) return line;
      lines.push(line);
    }
  }
  throw new Error(`no line matched ${pattern}: ${[...lines, text].join(" | ")}`);
}

/** A process holding `dir`'s publish lock until its stdin closes (or it is killed). */
async function lockHolder(dir: string) {
  const code = `import { withPublishLock } from ${JSON.stringify(LOCK_MODULE)};
await withPublishLock(${JSON.stringify(dir)}, async () => {
  console.log("held");
  for await (const _ of Deno.stdin.readable) { /* hold until stdin closes */ }
});`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  await lineMatching(child.stdout, /^held$/);
  return child;
}

/** A lock holder ended (killed if still running: a failed assertion leaves none behind). */
async function endHolder(holder: Deno.ChildProcess) {
  try {
    holder.kill("SIGKILL");
  } catch { /* exited */ }
  await holder.status;
  await holder.stdout.cancel();
}

/** The manifest's infra price and whether every file it lists is on disk with its SHA-256. */
async function publishedSet(dir: string) {
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, MANIFEST)));
  const mismatched: string[] = [];
  for (const file of manifest.files as { name: string; sha256: string }[]) {
    const bytes = await Deno.readFile(join(dir, file.name));
    if (createHash("sha256").update(bytes).digest("hex") !== file.sha256) {
      mismatched.push(file.name);
    }
  }
  return { infra: manifest.cost_model.infra_usd_per_1k_requests, mismatched };
}

const hidden = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((name) => name.startsWith(".")).sort();

Deno.test("an export waits for another process's publish into its folder, then publishes whole", async () => {
  const outDir = await Deno.makeTempDir();
  const children: Deno.ChildProcess[] = [];
  try {
    // the previous set: infra at $0.01 per 1,000 requests
    await runExport({
      demo: true,
      asOf,
      outDir,
      charts: false,
      segments: true,
      env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "0.01" },
      log: () => {},
    });
    assertEquals(await publishedSet(outDir), { infra: 0.01, mismatched: [] });

    const holder = await lockHolder(outDir); // another run, mid-publish
    children.push(holder);
    const second = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--env-file", "/dev/null", "--demo", "--segments", "--no-charts"]
        .concat(["--as-of", "2026-11-01", "--out-dir", outDir]),
      env: { NO_COLOR: "1", PRICING_INFRA_USD_PER_1K_REQUESTS: "0.02" },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    children.push(second);
    const waiting = await lineMatching(second.stderr, /^waiting for /);
    assertEquals(
      waiting,
      `waiting for another run (pid ${holder.pid}) to finish publishing into ${outDir}`,
    );
    // waiting, it has moved nothing: the folder still holds the previous set, whole
    assertEquals(await publishedSet(outDir), { infra: 0.01, mismatched: [] });

    await holder.stdin.close(); // the other run's publish is done
    assertEquals((await holder.status).code, 0);
    let rest = "";
    for await (const chunk of second.stderr) rest += new TextDecoder().decode(chunk);
    assertEquals((await second.status).code, 0, rest);
    await holder.stdout.cancel();
    assertEquals(await publishedSet(outDir), { infra: 0.02, mismatched: [] });
    assertEquals(hidden(outDir), []); // no lock file, no staging folder
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL"); // (a failed assertion: not left running)
      } catch { /* exited */ }
      await child.status;
    }
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a killed run's lock holds up no one: the next export publishes and removes it", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const holder = await lockHolder(outDir);
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel();
    assertEquals(hidden(outDir), [PUBLISH_LOCK_FILE]); // left with the dead run's pid in it
    const captured = captureConsole();
    let result;
    try {
      result = await runExport({
        demo: true,
        asOf,
        outDir,
        charts: false,
        history: false,
        env: {},
        log: () => {},
      });
    } finally {
      captured.restore();
    }
    assertEquals(captured.errors.filter((line) => line.startsWith("waiting")), []);
    assertEquals(result.manifestPath, join(outDir, MANIFEST));
    assertEquals((await publishedSet(outDir)).mismatched, []);
    assertEquals(hidden(outDir), []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runs of one process (the servers') publish into one folder one at a time", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const staging = await makeStagingDir(outDir, { chosenBy: ANOTHER_OUTPUT_FOLDER });
    const name = "helicone_pricing_data_2026-11-01.csv";
    await Deno.writeTextFile(join(staging, name), "new");
    await Deno.writeTextFile(join(outDir, name), "previous");
    let release = () => {};
    let held = () => {};
    const holding = new Promise<void>((resolve) => held = resolve);
    const first = withPublishLock(outDir, () => {
      held();
      return new Promise<void>((resolve) => release = resolve);
    });
    await holding;
    let waited = () => {};
    const waitLine = new Promise<void>((resolve) => waited = resolve);
    const lines: string[] = [];
    const second = publishStaged(staging, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir,
      files: [join(staging, name)],
      onWait: (line) => {
        lines.push(line);
        waited();
      },
    });
    await waitLine;
    assertEquals(lines, [
      `waiting for another run (pid ${Deno.pid}) to finish publishing into ${outDir}`,
    ]);
    // waiting for the lock, it has moved nothing
    assertEquals(await Deno.readTextFile(join(outDir, name)), "previous");
    release();
    await first;
    assertEquals(await second, [join(outDir, name)]);
    assertEquals(await Deno.readTextFile(join(outDir, name)), "new");
    await publishesSettled();
    ok(!hidden(outDir).includes(PUBLISH_LOCK_FILE));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a publish waiting for another process's is not under way: a second Ctrl-C does not wait", async () => {
  const outDir = await Deno.makeTempDir();
  const holder = await lockHolder(outDir);
  try {
    const staging = await makeStagingDir(outDir, { chosenBy: ANOTHER_OUTPUT_FOLDER });
    const name = "helicone_pricing_data_2026-11-01.csv";
    await Deno.writeTextFile(join(staging, name), "new");
    let waited = () => {};
    const waiting = new Promise<void>((resolve) => waited = resolve);
    const publish = publishStaged(staging, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir,
      files: [join(staging, name)],
      onWait: waited,
    });
    await waiting;
    await publishesSettled(); // (would hang while the other process holds the lock)
    assertEquals([...Deno.readDirSync(outDir)].some((e) => e.name === name), false);
    await holder.stdin.close();
    assertEquals(await publish, [join(outDir, name)]);
  } finally {
    await endHolder(holder);
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("Ctrl-C while waiting for another process's publish stops the wait at once; the lock is not kept", async () => {
  const outDir = await Deno.makeTempDir();
  const holder = await lockHolder(outDir);
  try {
    const stop = new AbortController();
    let waited = () => {};
    const waiting = new Promise<void>((resolve) => waited = resolve);
    let worked = false;
    const wait = withPublishLock(outDir, () => {
      worked = true;
      return Promise.resolve();
    }, { onWait: waited, signal: stop.signal });
    await waiting;
    stop.abort(new Error("interrupted"));
    // rejected with the signal's reason while the other process still holds the lock (before,
    // the wait ended only when it let go)
    const reason = await wait.then(() => "published", (error: Error) => error.message);
    assertEquals([reason, worked], ["interrupted", false]);
    // once the holder dies (killed: its lock file keeps its name, so the abandoned wait is
    // granted that very file), the abandoned wait's lock is let go as it is granted: a later run
    // of this process takes the lock (kept, it would wait forever: bounded here)
    holder.kill("SIGKILL");
    await holder.status;
    let later = false;
    const published = withPublishLock(outDir, () => {
      later = true;
      return Promise.resolve();
    }, { onWait: () => {} });
    await unlessHung("the later run's wait for the lock", published);
    assertEquals(later, true);
  } finally {
    await endHolder(holder);
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a run's files kept for its mail stay its own when a later run publishes the same set; its sizes are its own", async () => {
  const outDir = await Deno.makeTempDir();
  const run = (infra: string, keepForDelivery: boolean) =>
    runExport({
      demo: true,
      asOf,
      outDir,
      charts: false,
      keepForDelivery,
      env: { PRICING_INFRA_USD_PER_1K_REQUESTS: infra },
      log: () => {},
    });
  try {
    const first = await run("0.01", true);
    const csv = join(outDir, "helicone_pricing_data_2026-11-01_demo.csv");
    const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
    const firstCsv = sha(await Deno.readFile(csv));
    // the sizes as written, before the publish: what the command line lists
    for (const path of [...first.files, first.manifestPath]) {
      assertEquals(first.bytes[path], (await Deno.stat(path)).size, path);
    }
    // a later run replaces the set (another infrastructure price: other bytes) before the
    // first one's mail is sent (before: the mail attached the later run's files)
    await run("0.125", false); // (a price one digit longer: a brief of another size)
    assertEquals((await publishedSet(outDir)).infra, 0.125);
    const kept = first.delivery!;
    assertEquals(sha(await Deno.readFile(kept.csvPath!)), firstCsv);
    ok(sha(await Deno.readFile(csv)) !== firstCsv, "the folder holds the later run's CSV");
    // its listed sizes are still its own files' (read before the publish, not from the folder)
    for (const key of ["briefPath", "csvPath", "xlsxPath"] as const) {
      const own = (await Deno.stat(kept[key]!)).size;
      assertEquals(first.bytes[join(outDir, basename(kept[key]!))], own, key);
    }
    ok(
      first.bytes[join(outDir, basename(kept.briefPath))] !==
        (await Deno.stat(join(outDir, basename(kept.briefPath)))).size,
      "the later run's brief is another size: the check above tells them apart",
    );
    const ownBrief = "- Infrastructure: $0.01 per 1,000 requests in the window.";
    ok((await Deno.readTextFile(kept.briefPath)).includes(ownBrief), "its own brief");
    // its copies are in one private folder, named as the files are, for the caller to remove
    assertEquals(
      [kept.briefPath, kept.csvPath, kept.xlsxPath].map((p) => p!.slice(kept.dir.length + 1)),
      [
        "helicone_pricing_data_2026-11-01_demo.md",
        "helicone_pricing_data_2026-11-01_demo.csv",
        "helicone_pricing_data_2026-11-01_demo.xlsx",
      ],
    );
    await Deno.remove(kept.dir, { recursive: true });
    assertEquals(hidden(outDir), []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("the waiting line names what the holder does: a snapshot stored, an older kit's holder that does not say", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const waitLine = async (action: string, holderFile?: (held: string) => string) =>
      await withPublishLock(dir, async () => {
        const lockFile = join(dir, PUBLISH_LOCK_FILE);
        if (holderFile) await Deno.writeTextFile(lockFile, holderFile(lockFile));
        const told = Promise.withResolvers<string>();
        const waiter = withPublishLock(dir, async () => {}, { onWait: told.resolve });
        const line = await told.promise;
        return { line, waiter };
      }, { onWait: () => {}, action }).then(async ({ line, waiter }) => {
        await waiter;
        return line;
      });
    assertEquals(
      await waitLine("store a history snapshot"),
      `waiting for another run (pid ${Deno.pid}) to finish storing a history snapshot in ${dir}`,
    );
    assertEquals(
      await waitLine("publish"),
      `waiting for another run (pid ${Deno.pid}) to finish publishing into ${dir}`,
    );
    // an older kit's holder writes no action: it is not said to publish (it may be pruning)
    assertEquals(
      await waitLine(
        "prune old files",
        () => JSON.stringify({ pid: 4242, host: hostname(), started: "2026-11-01T00:00:00Z" }),
      ),
      `waiting for another run (pid 4242) to finish with ${dir}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an output folder gone before its publish (removed or moved meanwhile) is said so, not as permissions", async () => {
  const parent = await Deno.makeTempDir({ prefix: "publish_lock_gone_" });
  const dir = join(parent, "outputs");
  await Deno.mkdir(dir);
  await Deno.rename(dir, join(parent, "moved"));
  try {
    let ran = false;
    const error = await withPublishLock(dir, () => Promise.resolve(ran = true)).then(
      () => null,
      (e: Error) => e,
    );
    assertEquals(ran, false);
    assertEquals(
      error?.message,
      `cannot publish: the folder ${dir} is gone (removed or moved while the run wrote its files), nothing was published; make the folder again and run again, or ${ANOTHER_OUTPUT_FOLDER.otherwise}`,
    );
    assertEquals([...Deno.readDirSync(parent)].map((e) => e.name), ["moved"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("publishSettledIn: at once with no lock file or a free one, once the publish is done while one is under way; no file left open", async () => {
  const dir = await Deno.makeTempDir({ prefix: "publish_lock_test_" });
  // this process's open files (a directory listing opens one while it reads: both times alike)
  const openFiles = () => [...Deno.readDirSync("/proc/self/fd")].length;
  try {
    const before = openFiles();
    await publishSettledIn(dir); // no lock file: no publish
    await Deno.writeTextFile(join(dir, PUBLISH_LOCK_FILE), ""); // a free one (a killed run left it)
    await publishSettledIn(dir);
    assertEquals(openFiles(), before);
    let settled = false;
    let pending: Promise<void> | undefined;
    await withPublishLock(dir, async () => {
      pending = publishSettledIn(dir).then(() => {
        settled = true;
      });
      await lockWaitedOrSettled(dir, pending); // waiting for the lock, not settled
      assertEquals(settled, false);
    }, { onWait: () => {} });
    await unlessHung("publishSettledIn once the publish is done", pending!);
    assertEquals(openFiles(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
