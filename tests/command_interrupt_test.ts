/**
 * SIGINT/SIGTERM during `deno task compare`, `scenario` and `history` (lib/cli/interrupt.ts,
 * untilInterrupted), and the export's waits for the history folder's lock: the work stops, what
 * this run staged goes (nothing half published), one line says it was interrupted and what is on
 * disk, and the exit code is the signal's. Each command is held at its publish by the test holding
 * the output folder's (or history folder's) publish lock; the signal is sent once the command says
 * it waits for it (a printed line, not a time).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { listSnapshots } from "../lib/history/stored_snapshots.ts";
import { ownerTag } from "../lib/formats/staging.ts";
import { after, before } from "./compare_fixture.ts";
import { SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { fakeStripeEnv, fixtureCustomersData, startFakeStripe } from "./fake_stripe.ts";
import { denoCacheEnv } from "./env.ts";

const cli = (name: string) => fileURLToPath(new URL(`../lib/cli/${name}.ts`, import.meta.url));
const SCENARIO = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));

/** The previous run's file in the output folder, which a stopped run must leave as it was. */
const PREVIOUS = "previous.md";

/**
 * Runs `command` with `args` while this process holds `lockDir`'s publish lock; once the command
 * prints that it waits for the lock, sends `signal`, then lets the lock go. Returns the exit code
 * and stderr's lines (the waiting line is on either stream: the history folder's on stdout).
 */
async function interruptedAtPublish(
  { command, args, lockDir, signal }: {
    command: string;
    args: string[];
    lockDir: string;
    signal: Deno.Signal;
  },
): Promise<{ code: number; lines: string[] }> {
  const release = Promise.withResolvers<void>();
  const held = Promise.withResolvers<void>();
  const holding = withPublishLock(lockDir, () => {
    held.resolve();
    return release.promise;
  });
  await held.promise;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli(command), ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const reading = Promise.all([
    (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
    })(),
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
    })(),
  ]);
  try {
    const deadline = performance.now() + 120_000; // a hang guard, not a time bound
    while (!`${stdout}${stderr}`.includes("waiting for another run")) {
      if (performance.now() > deadline) {
        throw new Error(`never waited for the lock: ${stdout}${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill(signal);
    // a wait the signal cannot end holds on while the lock is held
    const { code } = await hangGuarded(child.status, "the command to stop while the lock is held");
    await reading;
    return { code, lines: stderr.trimEnd().split("\n") };
  } finally {
    release.resolve();
    await holding;
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
  }
}

/** `work`, or a failure naming `what` when it hangs: a guard against a hang, not a time bound. */
async function hangGuarded<T>(work: Promise<T>, what: string): Promise<T> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`never came: ${what}`)), 120_000);
  });
  return await Promise.race([work, hung]).finally(() => clearTimeout(guard));
}

/** An output folder holding a previous run's file; removed after `test`. */
async function withOutDir(test: (out: string) => Promise<void>): Promise<void> {
  const out = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(out, PREVIOUS), "earlier");
    await test(out);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/** The output folder holds the previous file alone: no staging folder, nothing new. */
function assertUntouched(out: string): void {
  const names = [...Deno.readDirSync(out)].map((entry) => entry.name).filter((name) =>
    name !== ".publish.lock"
  );
  assertEquals(names, [PREVIOUS]);
  assertEquals(Deno.readTextFileSync(join(out, PREVIOUS)), "earlier");
}

/** A snapshot a killed run was replacing (its old pair left aside: snapshot_aside.ts). */
const ASIDE_SNAPSHOT = "helicone_pricing_data_2026-09-01.parquet";

/** An owner tag of a process that has ended (this machine's, so it can be told dead). */
async function deadOwner(): Promise<string> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return ownerTag().replace(/^p\d+s\d*/, `p${child.pid}s1`);
}

async function twoExports(dir: string): Promise<[string, string]> {
  const old = join(dir, "helicone_pricing_data_2026-10-01.csv");
  const newer = join(dir, "helicone_pricing_data_2026-11-01.csv");
  await writeCsvFile(before, old);
  await writeCsvFile(after, newer);
  return [old, newer];
}

/**
 * `command` (its arguments from the two exports and the output folder) signalled at its publish:
 * the signal's exit code, one line saying nothing new was written, the output folder untouched.
 */
async function stoppedBeforePublishing(
  command: string,
  { signal, code, args }: {
    signal: Deno.Signal;
    code: number;
    args: (exports: [string, string], out: string) => string[];
  },
): Promise<void> {
  const inputs = await Deno.makeTempDir();
  try {
    const exports = await twoExports(inputs);
    await withOutDir(async (out) => {
      const result = await interruptedAtPublish({
        command,
        args: args(exports, out),
        lockDir: out,
        signal,
      });
      assertEquals(result.code, code, result.lines.join("\n"));
      assertEquals(
        result.lines.filter((line) => line.startsWith("error:")),
        [
          `error: interrupted (${signal}): stopped before publishing; nothing new was written, the previous files in ${out} are unchanged`,
        ],
      );
      assertUntouched(out);
    });
  } finally {
    await Deno.remove(inputs, { recursive: true });
  }
}

Deno.test("SIGTERM during compare: one line, exit 143, nothing staged left, the previous files unchanged", async () => {
  await stoppedBeforePublishing("compare", {
    signal: "SIGTERM",
    code: 143,
    args: ([old, newer], out) => [old, newer, "--out-dir", out],
  });
});

Deno.test("Ctrl-C during scenario: one line, exit 130, nothing staged left, the previous files unchanged", async () => {
  await stoppedBeforePublishing("scenario", {
    signal: "SIGINT",
    code: 130,
    args: ([, newer], out) => [SCENARIO, "--input", newer, "--out-dir", out],
  });
});

Deno.test("SIGTERM during history backfill's report: the snapshots stored are named, no report, exit 143", async () => {
  const history = await Deno.makeTempDir();
  try {
    await withOutDir(async (out) => {
      const { code, lines } = await interruptedAtPublish({
        command: "history",
        args: [
          "backfill",
          "--demo",
          "--months",
          "2",
          "--to",
          "2026-06-01",
          "--no-charts",
          "--history-dir",
          history,
          "--out-dir",
          out,
        ],
        lockDir: out,
        signal: "SIGTERM",
      });
      assertEquals(code, 143, lines.join("\n"));
      assertEquals(
        lines.at(-1),
        `error: interrupted (SIGTERM): stopped; 2 snapshot(s) stored before the stop (each complete) in ${history}, no report written, the previous files in ${out} are unchanged`,
      );
      assertUntouched(out);
      // each month end whole, beside its sidecar; no temporary file
      const snapshots = await listSnapshots(history, true);
      assertEquals(snapshots.length, 2);
      ok(
        [...Deno.readDirSync(history)].every((entry) => !entry.name.endsWith(".tmp")),
        "no temporary file",
      );
    });
  } finally {
    await Deno.remove(history, { recursive: true });
  }
});

Deno.test("SIGTERM while history import waits for the history folder's lock: nothing stored, said in one line, exit 143", async () => {
  // the snapshots are put in place, all of them, once the folder's lock is granted: a stop while
  // another run holds it ends the wait, and the files written under temporary names go
  const inputs = await Deno.makeTempDir();
  const history = await Deno.makeTempDir();
  try {
    const [old, newer] = await twoExports(inputs);
    const { code, lines } = await interruptedAtPublish({
      command: "history",
      args: ["import", old, newer, "--history-dir", history],
      lockDir: history,
      signal: "SIGTERM",
    });
    assertEquals(code, 143, lines.join("\n"));
    assertEquals(lines, [
      `error: interrupted (SIGTERM): stopped before storing; nothing was imported, the snapshots in ${history} are unchanged`,
    ]);
    assertEquals(await listSnapshots(history, false), []);
    assertEquals(
      [...Deno.readDirSync(history)].map((entry) => entry.name),
      [],
      "no temporary file, no lock file",
    );
  } finally {
    for (const dir of [inputs, history]) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGINT while history import's start-up waits for the lock to put back a killed run's snapshot: nothing stored, one line, exit 130", async () => {
  // a replacement killed after moving the old pair aside: the import's start-up puts it back
  // under the folder's lock (settle.ts), which the test holds
  const inputs = await Deno.makeTempDir();
  const history = await Deno.makeTempDir();
  try {
    const [old, newer] = await twoExports(inputs);
    const owner = await deadOwner();
    const aside = [
      `.${ASIDE_SNAPSHOT}.json.${owner}.aside`,
      `.${ASIDE_SNAPSHOT}.${owner}.aside`,
    ];
    for (const name of aside) await Deno.writeTextFile(join(history, name), "the old pair");
    const { code, lines } = await interruptedAtPublish({
      command: "history",
      args: ["import", old, newer, "--history-dir", history],
      lockDir: history,
      signal: "SIGINT",
    });
    assertEquals(code, 130, lines.join("\n"));
    assertEquals(lines, [
      `error: interrupted (SIGINT): stopped before storing; nothing was imported, the snapshots in ${history} are unchanged`,
    ]);
    // the dead run's files as it left them (the next run puts them back), nothing else
    assertEquals(
      [...Deno.readDirSync(history)].map((entry) => entry.name).sort(),
      [...aside].sort(),
      "nothing stored or put back, no temporary file, no lock file",
    );
  } finally {
    for (const dir of [inputs, history]) await Deno.remove(dir, { recursive: true });
  }
});

/** The demo export's arguments, writing into `out` (its history folder `out`/history). */
const exportArgs = (out: string) => [
  ...["--demo", "--as-of", "2026-11-01", "--no-charts", "--format", "csv"],
  ...["--env-file", "/dev/null", "--out-dir", out],
];

/** The export's line when stopped before publishing (lib/cli/export.ts). */
const EXPORT_STOPPED = (signal: string) =>
  `error: interrupted (${signal}): stopped before publishing; nothing new was written`;

Deno.test("SIGINT while the export's history settle waits for the lock to put back a killed run's snapshot: nothing written or put back, one line, exit 130", async () => {
  await withOutDir(async (out) => {
    const history = join(out, "history");
    await Deno.mkdir(history);
    const owner = await deadOwner();
    const aside = [`.${ASIDE_SNAPSHOT}.json.${owner}.aside`, `.${ASIDE_SNAPSHOT}.${owner}.aside`];
    for (const name of aside) await Deno.writeTextFile(join(history, name), "the old pair");
    const { code, lines } = await interruptedAtPublish({
      command: "export",
      args: exportArgs(out),
      lockDir: history,
      signal: "SIGINT",
    });
    assertEquals(code, 130, lines.join("\n"));
    assertEquals(lines.filter((line) => line.startsWith("error:")), [EXPORT_STOPPED("SIGINT")]);
    assertEquals(
      [...Deno.readDirSync(out)].map((entry) => entry.name).sort(),
      ["history", PREVIOUS],
      "no staging folder, nothing published",
    );
    // the dead run's files as it left them (the next run puts them back), nothing else
    assertEquals(
      [...Deno.readDirSync(history)].map((entry) => entry.name).sort(),
      [...aside].sort(),
      "nothing stored or put back, no temporary file, no lock file",
    );
  });
});

Deno.test("SIGTERM while the export waits for the history folder's lock to place its snapshot: nothing published, one line, exit 143", async () => {
  // the output folder's lock is the export's; the history folder's, which it takes next to move
  // its snapshot in, is the test's: a stop there has moved nothing yet
  await withOutDir(async (out) => {
    const history = join(out, "history");
    await Deno.mkdir(history);
    const { code, lines } = await interruptedAtPublish({
      command: "export",
      args: exportArgs(out),
      lockDir: history,
      signal: "SIGTERM",
    });
    assertEquals(code, 143, lines.join("\n"));
    assertEquals(lines.filter((line) => line.startsWith("error:")), [EXPORT_STOPPED("SIGTERM")]);
    assertEquals(
      [...Deno.readDirSync(out)].map((entry) => entry.name).sort(),
      ["history", PREVIOUS],
      "no staging folder, nothing published, no lock file",
    );
    assertEquals(Deno.readTextFileSync(join(out, PREVIOUS)), "earlier");
    assertEquals(
      [...Deno.readDirSync(history)].map((entry) => entry.name),
      [],
      "no snapshot, no temporary file, no lock file",
    );
  });
});

Deno.test("SIGTERM during a live history backfill's Stripe invoice listing: it stops with the page unanswered, nothing stored, one line, exit 143", async () => {
  const fake = startFakeStripe(fixtureCustomersData());
  // every invoice page is held unanswered (until the fake closes): the listing cannot end itself
  fake.faultPath("/v1/invoices", "hang", 100);
  const history = await Deno.makeTempDir();
  try {
    await withOutDir(async (out) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "-A", cli("history"), "backfill", "--live", "--months", "2", "--no-charts"],
          ...["--history-dir", history, "--out-dir", out, "--env-file", "/dev/null"],
        ],
        env: {
          NO_COLOR: "1",
          // (the listing comes before the databases are read: never connected to)
          PRICING_PG_URL: "postgres://kit@127.0.0.1:1/none",
          PRICING_CH_URL: "http://127.0.0.1:1",
          ...fakeStripeEnv(fake),
        },
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      try {
        await waitFor("an invoice page to be asked for", () => fake.hanging() > 0, 120_000);
        child.kill("SIGTERM");
        const { code, stderr } = await hangGuarded(output, "the backfill to stop");
        const lines = new TextDecoder().decode(stderr).trimEnd().split("\n");
        assertEquals(code, 143, lines.join("\n"));
        assertEquals(lines.filter((line) => line.startsWith("error:")), [
          `error: interrupted (SIGTERM): stopped; 0 snapshot(s) stored before the stop (each complete) in ${history}, no report written, the previous files in ${out} are unchanged`,
        ]);
        ok(fake.hanging() > 0, "ended while its invoice page was still unanswered");
        assertUntouched(out);
        assertEquals(await listSnapshots(history, false), []);
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* already ended */ }
        await output.catch(() => {});
      }
    });
  } finally {
    await fake.close();
    await Deno.remove(history, { recursive: true });
  }
});

Deno.test("Ctrl-C during scenario's fresh data: both servers stop their queries, one line, exit 130", async () => {
  const databases = await slowQueryDatabases("scenario_interrupt", { usage: SLOW_CH });
  const tmp = await Deno.makeTempDir(); // the queries' spooled results
  try {
    await withOutDir(async (out) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", cli("scenario"), SCENARIO, "--live", "--out-dir", out],
        env: {
          ...databases.env,
          NO_COLOR: "1",
          TMPDIR: tmp,
          ...denoCacheEnv(),
          PATH: Deno.env.get("PATH") ?? "",
        },
        clearEnv: true,
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      await waitFor(
        "both slow queries to run",
        async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
      );
      child.kill("SIGINT");
      const { code, stderr } = await output;
      const text = new TextDecoder().decode(stderr);
      assertEquals(code, 130, text);
      assertEquals(
        text,
        `error: interrupted (SIGINT): stopped before publishing; nothing new was written, the previous files in ${out} are unchanged\n`,
      );
      await databases.stoppedOnBothServers();
      assertUntouched(out);
      assertEquals([...Deno.readDirSync(tmp)], [], "no spooled results left");
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await databases.close();
  }
});
