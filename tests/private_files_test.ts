/**
 * The kit's stores of customer data (the Stripe caches, the history folder and what it keeps
 * there) are readable by the kit's user only, 0700 folders and 0600 files, whatever the umask;
 * the export files and the output folder keep the umask (lib/formats/private_files.ts). Modes
 * are read back with Deno.stat.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { makePrivateDir } from "../lib/formats/private_files.ts";
import { cachePath, writeCache } from "../lib/revenue/cache.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { defaultCacheDir } from "../lib/revenue/mod.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { runExport } from "../lib/export.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { fakeStripeConnection, startFakeStripe } from "./fake_stripe.ts";
import { EMPTY_SNAPSHOT } from "./revenue_fixture.ts";
import { invoices, products, subscriptions } from "./fixtures/stripe/scenarios.ts";
import { HISTORY } from "./fixtures/history.ts";

const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

/** The modes this process's umask gives a new folder and a new file, made the plain way. */
async function umaskModes(parent: string): Promise<{ dir: number; file: number }> {
  const dir = join(parent, "umask-probe-dir");
  const file = join(parent, "umask-probe-file");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(file, "");
  const modes = { dir: await modeOf(dir), file: await modeOf(file) };
  await Deno.remove(dir);
  await Deno.remove(file);
  return modes;
}

/** `run` with a fresh temporary folder, removed after. */
async function inTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-private-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("makePrivateDir: the folder 0700, its missing parents as the umask says; an existing one kept", async () => {
  await inTempDir(async (tmp) => {
    const umask = await umaskModes(tmp);
    const dir = join(tmp, "out", "cache");
    assertEquals(await makePrivateDir(dir), join(tmp, "out"), "the first folder made");
    assertEquals(await modeOf(dir), 0o700);
    assertEquals(await modeOf(join(tmp, "out")), umask.dir);
    // made already (by an older kit, or by hand, 0755): its mode is the user's choice
    await Deno.chmod(dir, 0o755);
    assertEquals(await makePrivateDir(dir), undefined);
    assertEquals(await modeOf(dir), 0o755);
    // only the folder itself missing: it is the first made
    const sibling = join(tmp, "out", "other");
    assertEquals(await makePrivateDir(sibling), sibling);
    // a file in its place is an error, as mkdir's
    await Deno.writeTextFile(join(tmp, "file"), "");
    const refused = await makePrivateDir(join(tmp, "file")).then(() => null, (error) => error);
    assertEquals(refused?.code, "EEXIST");
  });
});

Deno.test("the Stripe cache: its folder 0700 and each file 0600, the output folder above it as the umask says", async () => {
  await inTempDir(async (tmp) => {
    const umask = await umaskModes(tmp);
    const outDir = join(tmp, "outputs");
    const cacheDir = defaultCacheDir(outDir);
    const path = cachePath(cacheDir, { apiKey: "sk_test_modes", asOf: new Date() });
    await writeCache(path, EMPTY_SNAPSHOT);
    assertEquals(await modeOf(cacheDir), 0o700);
    assertEquals(await modeOf(path), 0o600);
    assertEquals(await modeOf(outDir), umask.dir, "the output folder stays shareable");
    // written again (a refresh): still 0600
    await writeCache(path, EMPTY_SNAPSHOT);
    assertEquals(await modeOf(path), 0o600);
  });
});

Deno.test("the invoice cache beside it: the folder 0700, the file 0600", async () => {
  const fake = startFakeStripe({ subscriptions, products, invoices });
  try {
    await inTempDir(async (tmp) => {
      const cacheDir = defaultCacheDir(join(tmp, "outputs"));
      await fetchInvoiceHistory({
        ...fakeStripeConnection(fake),
        cacheDir,
        cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
        from: new Date("2025-10-01T00:00:00Z"),
        to: new Date("2026-12-20T00:00:00Z"),
      });
      const files = [...Deno.readDirSync(cacheDir)].map((entry) => entry.name);
      assertEquals(files.length, 1, files.join(", "));
      ok(files[0].startsWith("stripe_invoices_"), files[0]);
      assertEquals(await modeOf(cacheDir), 0o700);
      assertEquals(await modeOf(join(cacheDir, files[0])), 0o600);
    });
  } finally {
    await fake.close();
  }
});

Deno.test("history snapshots: a history folder the kit makes 0700, snapshots and sidecars 0600, in a folder it did not make too", async () => {
  await inTempDir(async (tmp) => {
    const umask = await umaskModes(tmp);
    const [point] = HISTORY;
    const dir = join(tmp, "outputs", "history");
    const { path } = await writeSnapshot(point.frame, {
      dir,
      asOf: point.asOf,
      demo: false,
      origin: "export",
    });
    assertEquals(await modeOf(dir), 0o700);
    assertEquals(await modeOf(join(tmp, "outputs")), umask.dir);
    assertEquals([await modeOf(path), await modeOf(`${path}.json`)], [0o600, 0o600]);
    // PRICING_HISTORY_DIR naming a folder that exists, shared (0755): it stays so, the files not
    const shared = join(tmp, "shared");
    await Deno.mkdir(shared);
    await Deno.chmod(shared, 0o755); // (mkdir's mode passes through the umask: 077 made it 0700)
    const again = await writeSnapshot(point.frame, {
      dir: shared,
      asOf: point.asOf,
      demo: false,
      origin: "import",
    });
    assertEquals(await modeOf(shared), 0o755);
    assertEquals([await modeOf(again.path), await modeOf(`${again.path}.json`)], [0o600, 0o600]);
  });
});

Deno.test("demo exports: the export files keep the umask; the history folder, its snapshots, sums and bridge state are private", async () => {
  await inTempDir(async (tmp) => {
    const umask = await umaskModes(tmp);
    const outDir = join(tmp, "outputs");
    const exportAt = (date: string) =>
      runExport({
        demo: true,
        asOf: new Date(`${date}T00:00:00Z`),
        outDir,
        formats: ["csv"],
        env: {},
        quiet: true,
        log: () => {},
      });
    await exportAt("2026-10-01");
    // the second export reads the first one's snapshot: its sums and the bridge's state are kept
    const result = await exportAt("2026-11-01");
    assertEquals(await modeOf(outDir), umask.dir);
    const csv = result.files.find((file) => file.endsWith(".csv"))!;
    assertEquals(await modeOf(csv), umask.file, "an export file keeps the umask");
    const history = join(outDir, "history");
    assertEquals(await modeOf(history), 0o700);
    const stored = [...Deno.readDirSync(history)].filter((entry) => entry.isFile);
    assertEquals(stored.length, 4, stored.map((entry) => entry.name).join(", "));
    for (const { name } of stored) assertEquals(await modeOf(join(history, name)), 0o600, name);
    const sidecar = JSON.parse(
      await Deno.readTextFile(join(history, "helicone_pricing_data_2026-10-01_demo.parquet.json")),
    );
    ok(sidecar.history_sums, "the sums were stored in the sidecar (written again)");
    const state = join(history, ".bridge-state");
    assertEquals(await modeOf(state), 0o700);
    const stateFiles = [...Deno.readDirSync(state)].map((entry) => entry.name);
    ok(stateFiles.includes("state.json"), stateFiles.join(", "));
    for (const name of stateFiles) assertEquals(await modeOf(join(state, name)), 0o600, name);
  });
});
