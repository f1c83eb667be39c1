/**
 * A reader of a read-only history folder that holds a snapshot a killed run left halfway moved
 * (snapshot_aside.ts) reads it where it lies with its sidecar's facts (as-of to the millisecond,
 * origin, rows, FX rates, demo-ness) where that run left the sidecar: the same as a reader after a
 * run that can write the folder put it back. Each layout is built by hand, as the run left it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { basename, join } from "node:path";
import { asidePath, recoverInterruptedPlacing } from "../lib/history/snapshot_aside.ts";
import { ownerTag } from "../lib/formats/staging.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { listSnapshots, readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { settleHistoryFolder } from "../lib/history/settle.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

/** 12:00:00.250 of 2026-11-01: an older kit named it by its date alone, this one to the ms. */
const AS_OF = "2026-11-01T12:00:00.250Z";
const DATE_NAME = "helicone_pricing_data_2026-11-01.parquet";
const OWN_NAME = "helicone_pricing_data_2026-11-01T120000.250Z.parquet";
const FX_RATES = { EUR: 1.08 };

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

/** An owner tag of a process that has ended (this machine's, so it can be told dead). */
async function deadOwner(): Promise<string> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return ownerTag().replace(/^p\d+s\d*/, `p${child.pid}s1`);
}

/** The whole pair of the 12:00:00.250 snapshot in `dir` under `name`: its path. */
async function noonPair(dir: string, name: string): Promise<string> {
  const written = await writeSnapshot(exportFrameFromColumns({ org_id: ["a", "b", "c"] }), {
    dir,
    asOf: new Date(AS_OF),
    demo: false,
    origin: "import",
    fxRates: FX_RATES,
  });
  const path = join(dir, name);
  if (written.path !== path) {
    await Deno.rename(`${written.path}.json`, `${path}.json`);
    await Deno.rename(written.path, path);
  }
  return path;
}

/** Each layout a killed run leaves, built in `dir` with the dead run's owner tag. */
const LAYOUTS: Record<string, (dir: string, owner: string) => Promise<void>> = {
  // a replacement cut short after its first rename: the sidecar alone moved aside
  "sidecar moved aside": async (dir, owner) => {
    const path = await noonPair(dir, OWN_NAME);
    await Deno.rename(`${path}.json`, asidePath(`${path}.json`, owner));
  },
  // a move of the older kit's date-named pair to its own name, cut short after the Parquet file
  // went to its moving name (the sidecar still at the date's name) …
  "move, sidecar at the date's name": async (dir, owner) => {
    const from = await noonPair(dir, DATE_NAME);
    await Deno.rename(from, join(dir, `.${OWN_NAME}.${owner}.moving.parquet`));
  },
  // … and after the sidecar went to its new name, the Parquet file still moving
  "move, sidecar at its own name": async (dir, owner) => {
    const from = await noonPair(dir, DATE_NAME);
    await Deno.rename(from, join(dir, `.${OWN_NAME}.${owner}.moving.parquet`));
    await Deno.rename(`${from}.json`, join(dir, `${OWN_NAME}.json`));
  },
};

/** What readers take from the folder's live snapshots: as-of, demo-ness and the sidecar. */
async function readersView(dir: string) {
  return await Promise.all((await listSnapshots(dir, false)).map(async (info) => {
    const meta = await readSnapshotMeta(info.path);
    // (its cached sums, if any, are the reader's, not the run's)
    const { history_sums: _sums, ...facts } = (meta ?? {}) as Record<string, unknown>;
    return { asOf: info.asOf.toISOString(), demo: info.demo, sidecar: meta ? facts : null };
  }));
}

readOnlyFolderTest(
  "a read-only history folder's half-moved snapshot reads with its sidecar where the killed run left it, as after a settle",
  async (folder) => {
    const owner = await deadOwner();
    const settled = await Deno.makeTempDir();
    try {
      const layouts = Object.entries(LAYOUTS).map(([layout, build], i) => ({
        layout,
        build,
        readOnly: join(folder.dir, `history${i}`),
        writable: join(settled, `history${i}`),
      }));
      for (const { build, readOnly, writable } of layouts) {
        await Deno.mkdir(readOnly);
        await build(readOnly, owner);
        // the same files in a folder that can be written
        await Deno.mkdir(writable);
        for (const name of names(readOnly)) {
          await Deno.copyFile(join(readOnly, name), join(writable, name));
        }
        // the writable copy put back, as the next run that can write it does
        await recoverInterruptedPlacing(writable);
        assertEquals(names(writable).filter((name) => name.startsWith(".")), [], writable);
      }
      const before = layouts.map(({ readOnly }) => names(readOnly));
      await folder.readOnly();
      for (const [i, { layout, readOnly, writable }] of layouts.entries()) {
        const warnings: string[] = [];
        await settleHistoryFolder(readOnly, {
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          warn: (line) => warnings.push(line),
          readOnly: "read",
        });
        ok(warnings.length === 1 && warnings[0].includes("killed run"), `${layout}: ${warnings}`);
        const expected = await readersView(writable);
        // the sidecar's own facts, not the name's: its milliseconds, origin, rows, FX rates
        assertEquals(expected.length, 1, layout);
        assertEquals(expected[0].asOf, AS_OF, layout);
        const sidecar = expected[0].sidecar as Record<string, unknown>;
        assertEquals([sidecar.origin, sidecar.row_count, sidecar.fx_rates], [
          "import",
          3,
          FX_RATES,
        ]);
        assertEquals(await readersView(readOnly), expected, layout);
        assertEquals(names(readOnly), before[i], `${layout}: nothing moved or written`);
        const listed = await listSnapshots(readOnly, false);
        // no sidecar was read as damaged, and the one a moving file is read from is named
        assertEquals(listed.map((s) => s.sidecarWarning), [undefined], layout);
        ok(listed.every((s) => basename(s.path) === OWN_NAME || s.asideWarning), layout);
      }
    } finally {
      await Deno.remove(settled, { recursive: true });
    }
  },
);
