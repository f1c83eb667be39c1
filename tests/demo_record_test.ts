/**
 * Demo data or not is what the run recorded beside its files (the manifest's "demo", a snapshot
 * sidecar's), not a name: `_demo` in a name is anyone's to write (a live export renamed after an
 * organization or a folder). The name decides only where nothing was recorded: an older kit's file,
 * or one handed on without its manifest, reads as it always did.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { exportFileFacts } from "../lib/formats/export_demo.ts";
import { listSnapshots } from "../lib/history/stored_snapshots.ts";

const csv = "org_id\na\n";

Deno.test("demo data is the manifest's recorded fact when there is one, the name's _demo only without one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo_record_" });
  try {
    const write = async (name: string, manifest?: Record<string, unknown>) => {
      const path = join(dir, `${name}.csv`);
      await Deno.writeTextFile(path, csv);
      if (manifest) {
        await Deno.writeTextFile(join(dir, `${name}.manifest.json`), JSON.stringify(manifest));
      }
      return (await exportFileFacts(path)).demo;
    };
    // a live export whose name ends _demo (renamed after a folder or an organization): its
    // manifest says live, and it is live
    assertEquals(
      await write("helicone_pricing_data_2026-11-01_demo", { demo: false }),
      { demo: false, why: null },
    );
    // demo data without _demo in its name: the manifest says so
    assertEquals(
      await write("helicone_pricing_data_2026-10-01", { demo: true }),
      { demo: true, why: 'its manifest says "demo": true' },
    );
    // both agree: the name, what a reader sees first, is named
    assertEquals(
      await write("helicone_pricing_data_2026-09-01_demo", { demo: true }),
      { demo: true, why: "its name ends _demo" },
    );
    // older outputs stay readable: no manifest, or one without the field, and the name decides
    assertEquals(
      await write("helicone_pricing_data_2026-08-01_demo"),
      { demo: true, why: "its name ends _demo" },
    );
    assertEquals(
      await write("helicone_pricing_data_2026-07-01_demo", { as_of: "2026-07-01T00:00:00Z" }),
      { demo: true, why: "its name ends _demo" },
    );
    assertEquals(await write("helicone_pricing_data_2026-06-01"), { demo: false, why: null });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: a snapshot is demo or live as its sidecar recorded, by its name only without a sidecar", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo_record_history_" });
  try {
    const snapshot = async (name: string, demo?: boolean) => {
      const path = join(dir, `${name}.parquet`);
      await Deno.writeTextFile(path, "not read by the listing");
      if (demo === undefined) return;
      const asOf = `${name.slice("helicone_pricing_data_".length, 32)}T00:00:00.000Z`;
      await Deno.writeTextFile(
        `${path}.json`,
        JSON.stringify({
          as_of: asOf,
          demo,
          origin: "export",
          row_count: 1,
          written_at: asOf,
          warnings: [],
        }),
      );
    };
    await snapshot("helicone_pricing_data_2026-09-01_demo", false); // live, named _demo
    await snapshot("helicone_pricing_data_2026-10-01", true); // demo, named live
    await snapshot("helicone_pricing_data_2026-11-01_demo"); // an older kit's: no sidecar
    await snapshot("helicone_pricing_data_2026-12-01"); // an older kit's: no sidecar
    const names = async (demo: boolean) =>
      (await listSnapshots(dir, demo)).map((s) => s.path.slice(dir.length + 1));
    assertEquals(await names(false), [
      "helicone_pricing_data_2026-09-01_demo.parquet",
      "helicone_pricing_data_2026-12-01.parquet",
    ]);
    assertEquals(await names(true), [
      "helicone_pricing_data_2026-10-01.parquet",
      "helicone_pricing_data_2026-11-01_demo.parquet",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
